"""Dimension conventions of a seismic DataArray.

The **last** dim is the vertical axis (``time`` or ``depth``); the dim before it is the
**trace** axis of a 2-D panel (``offset``, ``channel``, ``trace``, ``xline``, ...);
any dims before those are **batch** dims (``shot``, ``iline``, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from promethium.errors import InvalidDataError

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["VERTICAL_DIMS", "batch_dims", "trace_dim", "trace_dims", "vertical_dim"]

#: Names accepted for the vertical axis.
VERTICAL_DIMS: tuple[str, ...] = ("time", "depth")


def vertical_dim(da: xr.DataArray) -> str:
    """Return the name of the vertical dim (the last one).

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data.

    Returns
    -------
    str
        Name of the last dim, one of :data:`VERTICAL_DIMS`.

    Raises
    ------
    InvalidDataError
        If the last dim is not one of :data:`VERTICAL_DIMS`.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> vertical_dim(xr.DataArray(np.zeros((2, 3, 4)), dims=("shot", "offset", "time")))
    'time'
    """
    import xarray as xr

    if not isinstance(da, xr.DataArray):
        raise InvalidDataError(
            f"expected an xarray.DataArray, got {type(da).__name__}; wrap arrays with "
            "xr.DataArray(data, dims=('trace', 'time'), coords=...)."
        )
    if da.ndim == 0 or da.dims[-1] not in VERTICAL_DIMS:
        found = da.dims[-1] if da.ndim else "no dims"
        hint = ""
        present = [d for d in da.dims if d in VERTICAL_DIMS]
        if present:
            hint = f" Move it last with da.transpose(..., {present[0]!r})."
        else:
            hint = " Rename the vertical dim, e.g. da.rename(samples='time')."
        raise InvalidDataError(
            f"the last dim of the DataArray must be the vertical axis, one of "
            f"{VERTICAL_DIMS}; found {found!r}.{hint}"
        )
    return str(da.dims[-1])


def trace_dim(da: xr.DataArray) -> str:
    """Return the name of the trace dim (the one before the vertical dim).

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data with at least two dims, vertical dim last.

    Returns
    -------
    str
        Name of the second-to-last dim.

    Raises
    ------
    InvalidDataError
        If the last dim is not vertical or the data has no dim before it.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> trace_dim(xr.DataArray(np.zeros((2, 3, 4)), dims=("shot", "offset", "time")))
    'offset'
    """
    return trace_dims(da)[-1]


def trace_dims(da: xr.DataArray) -> tuple[str, ...]:
    """Return every dim but the vertical one: the dims a trace mask spans.

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data, vertical dim last.

    Returns
    -------
    tuple of str
        The batch dims followed by the trace dim, in the order of ``da.dims``.

    Raises
    ------
    InvalidDataError
        If the last dim is not one of :data:`VERTICAL_DIMS`, or there is no dim
        before it.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> trace_dims(xr.DataArray(np.zeros((2, 3, 4)), dims=("shot", "offset", "time")))
    ('shot', 'offset')
    """
    vertical_dim(da)
    if da.ndim < 2:
        raise InvalidDataError(
            "a seismic DataArray needs a trace dim before the vertical dim; got 1-D data "
            f"with dims {da.dims}. Use da.expand_dims('trace') for a single trace."
        )
    return tuple(str(d) for d in da.dims[:-1])


def batch_dims(da: xr.DataArray) -> tuple[str, ...]:
    """Return the dims before the trace dim, over which 2-D panels repeat.

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data with at least two dims, vertical dim last.

    Returns
    -------
    tuple of str
        Every dim but the last two; empty for a single 2-D panel.

    Raises
    ------
    InvalidDataError
        If the last dim is not vertical or the data has no trace dim.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> batch_dims(xr.DataArray(np.zeros((2, 3, 4)), dims=("shot", "offset", "time")))
    ('shot',)
    >>> batch_dims(xr.DataArray(np.zeros((3, 4)), dims=("offset", "time")))
    ()
    """
    trace_dim(da)
    return tuple(str(d) for d in da.dims[:-2])
