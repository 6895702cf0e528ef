"""The vertical axis: its sample interval, read with its unit, never assumed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from promethium.core.dims import vertical_dim
from promethium.core.units import convert, is_time_unit, unit_of
from promethium.errors import InvalidDataError

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["sample_interval", "vertical_values"]

_RTOL = 1e-6


def vertical_values(da: xr.DataArray, unit: str | None = None) -> np.ndarray:
    """Return the vertical coordinate as float64, optionally converted to `unit`.

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data, vertical dim last, with a coordinate on that dim.
    unit : str, optional
        Unit of the result; when omitted the values are returned in the
        coordinate's own unit, unchecked.

    Returns
    -------
    numpy.ndarray
        The coordinate values, float64.

    Raises
    ------
    InvalidDataError
        If the vertical dim has no coordinate.
    UnitError
        If the coordinate has no known unit, or it cannot be converted to `unit`.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray(np.zeros((2, 3)), dims=("trace", "time"),
    ...     coords={"time": ("time", np.arange(3) * 4.0, {"units": "ms"})})
    >>> vertical_values(da, "s").tolist()
    [0.0, 0.004, 0.008]
    """
    dim = vertical_dim(da)
    if dim not in da.coords:
        raise InvalidDataError(
            f"the vertical dim {dim!r} has no coordinate; assign one with units, e.g. "
            f"da.assign_coords({dim}=('{dim}', np.arange(n) * 4.0, {{'units': 'ms'}}))."
        )
    coord = da.coords[dim]
    values = np.asarray(coord.values, dtype=np.float64)
    if unit is None:
        return values
    return np.asarray(convert(values, unit_of(coord), unit, what=f"coordinate {dim!r}"))


def sample_interval(da: xr.DataArray, unit: str | None = None) -> float:
    """Return the vertical sample interval, read from the coordinate with its unit.

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data whose last dim is ``time`` or ``depth``.
    unit : str, optional
        Unit of the result. Defaults to seconds for a time axis and metres for a
        depth axis, so ``ms``, ``s`` and ``us`` coordinates give the same number.

    Returns
    -------
    float
        The constant spacing of the vertical coordinate.

    Raises
    ------
    InvalidDataError
        If the axis has fewer than two samples or is not regularly sampled.
    UnitError
        If the coordinate's unit is missing, unknown, or not convertible to `unit`.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray(np.zeros((2, 5)), dims=("trace", "time"),
    ...     coords={"time": ("time", np.arange(5) * 4.0, {"units": "ms"})})
    >>> sample_interval(da)
    0.004
    """
    dim = vertical_dim(da)
    if unit is None:
        coord_unit = unit_of(da.coords[dim]) if dim in da.coords else None
        unit = "s" if coord_unit is not None and is_time_unit(coord_unit) else "m"
    values = vertical_values(da, unit)
    if values.size < 2:
        raise InvalidDataError(
            f"the vertical axis {dim!r} has {values.size} sample(s); at least 2 are needed "
            "to know the sample interval."
        )
    steps = np.diff(values)
    step = float(np.median(steps))
    if step <= 0 or not np.allclose(steps, step, rtol=_RTOL, atol=abs(step) * _RTOL):
        raise InvalidDataError(
            f"the vertical coordinate {dim!r} is not regularly sampled (steps from "
            f"{steps.min():g} to {steps.max():g} {unit}); resample it first with "
            "pm.ops.Resample."
        )
    return float(round(step, 12))
