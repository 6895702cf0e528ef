"""Shared pieces of the plots: panels, coordinate axes and labels, clipping, edges."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core.dims import vertical_dim
from promethium.errors import InvalidDataError

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.axes import Axes

__all__ = [
    "DEFAULT_CMAP",
    "as_panel",
    "axis_label",
    "axis_values",
    "cell_edges",
    "clip_value",
    "draw_image",
    "mappable",
    "value_label",
]

#: Colormap of amplitude images: matplotlib's blue-white-red diverging "seismic".
DEFAULT_CMAP = "seismic"


def as_panel(da: xr.DataArray) -> xr.DataArray:
    """Return `da` if it is one 2-D panel with its vertical dim last, else raise."""
    if da.ndim != 2:
        raise InvalidDataError(
            f"plots show one 2-D panel; got dims {da.dims}. Select one, e.g. "
            f"da.isel({da.dims[0]}=0)."
        )
    vertical_dim(da)
    return da


def axis_label(da: xr.DataArray, dim: str) -> str:
    """``"offset (m)"``, or the bare name when the coordinate has no unit."""
    if dim not in da.coords:
        return f"{dim} (index)"
    units = da.coords[dim].attrs.get("units", "")
    return f"{dim} ({units})" if units else dim


def axis_values(da: xr.DataArray, dim: str) -> np.ndarray:
    """The coordinate values of `dim` as float, or positions when it has none."""
    if dim in da.coords:
        return np.asarray(da.coords[dim].values, dtype=np.float64)
    return np.arange(da.sizes[dim], dtype=np.float64)


def cell_edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around `centres` (midpoints; half a step beyond each end)."""
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[2 * centres[0] - mid[0]], mid, [2 * centres[-1] - mid[-1]]])


def clip_value(values: Any, percentile: float = 99.0) -> float:
    """The symmetric colour limit: the `percentile` of ``|values|`` (NaN ignored).

    Parameters
    ----------
    values : array-like
        Amplitudes.
    percentile : float, default 99.0
        In (0, 100].

    Returns
    -------
    float
        A positive limit; 1.0 for an all-zero panel.

    Raises
    ------
    InvalidDataError
        If `percentile` is not in (0, 100].

    Examples
    --------
    >>> clip_value([0.0, 1.0, -2.0, 100.0], percentile=50)
    1.5
    """
    if not 0 < percentile <= 100:
        raise InvalidDataError(f"percentile must be in (0, 100]; got {percentile}.")
    magnitude = np.abs(np.asarray(values, dtype=np.float64))
    if not np.isfinite(magnitude).any():
        return 1.0
    return float(np.nanpercentile(magnitude, percentile)) or float(np.nanmax(magnitude)) or 1.0


def mappable(ax: Axes) -> Any:
    """The image or mesh last drawn on `ax` (what a colorbar describes)."""
    return ax.images[-1] if ax.images else ax.collections[-1]


def value_label(da: xr.DataArray) -> str:
    """The colorbar label: the data's name and units (none for dimensionless data)."""
    name = str(da.name) if da.name is not None else "amplitude"
    units = str(da.attrs.get("units", ""))
    return f"{name} ({units})" if units not in ("", "1", "dimensionless") else name


def draw_image(ax: Axes, x: np.ndarray, y: np.ndarray, values: np.ndarray, **style: Any) -> Any:
    """Draw `values` (x by y) with cell centres at the coordinates; y increases down."""
    dx, dy = np.diff(x), np.diff(y)
    regular = all(d.size == 0 or np.allclose(d, d[0]) for d in (dx, dy))
    if regular:
        xe, ye = cell_edges(x), cell_edges(y)
        return ax.imshow(values.T, aspect="auto", interpolation="nearest",
                         extent=(xe[0], xe[-1], ye[-1], ye[0]), **style)  # fmt: skip
    mesh = ax.pcolormesh(
        cell_edges(x), cell_edges(y), values.T, shading="flat", rasterized=True, **style
    )
    ax.set_ylim(cell_edges(y)[-1], cell_edges(y)[0])
    return mesh
