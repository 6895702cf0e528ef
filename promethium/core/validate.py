"""Check that a DataArray follows Promethium's data conventions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from dask.base import is_dask_collection

from promethium.core.dims import trace_dim, vertical_dim
from promethium.core.mask import TRACE_MASK, get_trace_mask
from promethium.core.units import is_time_unit, unit_of
from promethium.errors import InvalidDataError, UnitError

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["validate"]


def validate(da: xr.DataArray, *, check_mask: bool = True, compute: bool = False) -> xr.DataArray:
    """Return `da` unchanged if it follows the data conventions, else raise.

    Checks, in order: it is a DataArray of at least 2 dims, of real numbers, none of
    them empty; its last dim is ``time`` or ``depth`` with a strictly increasing
    coordinate carrying a known unit;
    and (with `check_mask`) that some trace is live. Only the vertical coordinate and
    the trace mask are read. A dask-backed mask (e.g. from :func:`promethium.open_segy`,
    or inferred from dask data) is checked only with ``compute=True``, since computing
    it reads every sample.

    Parameters
    ----------
    da : xarray.DataArray
        The data to check.
    check_mask : bool, optional
        Also check that at least one trace is live.
    compute : bool, optional
        Compute a dask-backed mask for that check; otherwise it is skipped for lazy
        masks so validation never reads the survey.

    Returns
    -------
    xarray.DataArray
        `da` itself.

    Raises
    ------
    InvalidDataError
        Naming the problem and how to fix it.
    UnitError
        If the vertical coordinate has no unit or an unknown one.
    """
    import xarray as xr

    if not isinstance(da, xr.DataArray):
        raise InvalidDataError(
            f"expected an xarray.DataArray, got {type(da).__name__}; wrap arrays with "
            "xr.DataArray(data, dims=('trace', 'time'), coords=...)."
        )
    if da.ndim < 2:
        raise InvalidDataError(
            f"seismic data need at least 2 dims (traces x samples); got {da.ndim}-D data "
            f"with dims {da.dims}. Use da.expand_dims('trace') for a single trace."
        )
    if not (np.issubdtype(da.dtype, np.floating) or np.issubdtype(da.dtype, np.integer)):
        raise InvalidDataError(
            f"seismic samples must be real numbers; got dtype {da.dtype}. Convert with "
            "da.astype('float32')."
        )
    dim = vertical_dim(da)
    trace_dim(da)
    empty = [f"{d}={n}" for d, n in da.sizes.items() if n == 0]
    if empty:
        what = "sample" if da.sizes[dim] == 0 else "trace"
        raise InvalidDataError(
            f"the data have no {what} ({', '.join(empty)}); select a non-empty part."
        )
    if dim not in da.coords:
        raise InvalidDataError(
            f"the vertical dim {dim!r} has no coordinate; assign one with units, e.g. "
            f"da.assign_coords({dim}=('{dim}', np.arange(n) * 4.0, {{'units': 'ms'}}))."
        )
    values = np.asarray(da.coords[dim].values, dtype=np.float64)
    steps = np.diff(values)
    if np.any(~np.isfinite(values)) or np.any(steps <= 0):
        what = "duplicated" if np.any(steps == 0) else "not strictly increasing"
        raise InvalidDataError(
            f"the vertical coordinate {dim!r} is {what}; sort it with "
            f"da.sortby({dim!r}) and drop duplicates with "
            f"da.drop_duplicates({dim!r})."
        )
    unit = unit_of(da.coords[dim], what=f"vertical coordinate {dim!r}")
    is_time = is_time_unit(unit)
    if is_time != (dim == "time"):
        expected = "a time unit such as 'ms'" if dim == "time" else "a length unit such as 'm'"
        raise UnitError(
            f"the vertical coordinate {dim!r} has units {unit!r}; expected {expected}. "
            "Fix attrs['units'] or rename the dim ('time' or 'depth')."
        )
    if check_mask:
        mask = get_trace_mask(da)
        if is_dask_collection(mask.data) and not compute:
            return da
        if not bool(mask.any()):
            source = "trace_mask" if TRACE_MASK in da.coords else "the data (all zero/NaN)"
            raise InvalidDataError(
                f"all traces are missing according to {source}; there is nothing to "
                "reconstruct from."
            )
    return da
