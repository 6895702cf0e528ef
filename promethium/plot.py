"""Matplotlib figures of seismic panels: images, wiggles, before/after/difference.

matplotlib is imported when a function is called, never at ``import promethium``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core.dims import trace_dim, vertical_dim
from promethium.errors import InvalidDataError

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_comparison", "plot_panel", "plot_wiggle"]


def _panel(da: xr.DataArray) -> xr.DataArray:
    if da.ndim != 2:
        raise InvalidDataError(
            f"plots show one 2-D panel; got dims {da.dims}. Select one, e.g. "
            f"da.isel({da.dims[0]}=0)."
        )
    vertical_dim(da)
    return da


def _extent(da: xr.DataArray) -> tuple[float, float, float, float]:
    tdim, vdim = trace_dim(da), vertical_dim(da)
    x = da.coords[tdim].values if tdim in da.coords else np.arange(da.sizes[tdim])
    y = da.coords[vdim].values
    return (float(x[0]), float(x[-1]), float(y[-1]), float(y[0]))


def plot_panel(
    da: xr.DataArray,
    ax: Axes | None = None,
    *,
    clip: float | None = None,
    title: str | None = None,
    cmap: str = "gray_r",
) -> Axes:
    """Show one panel as an image: traces across, the vertical axis down.

    Parameters
    ----------
    da : xarray.DataArray
        A 2-D panel, vertical dim last.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made when omitted.
    clip : float, optional
        Symmetric colour limit; defaults to the 99th percentile of ``|da|``.
    title : str, optional
        Axes title.
    cmap : str
        Colormap name.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    InvalidDataError
        If `da` is not 2-D or its last dim is not vertical.
    """
    import matplotlib.pyplot as plt

    da = _panel(da)
    values = np.asarray(da.values, dtype=np.float64)
    if clip is None:
        clip = float(np.nanpercentile(np.abs(values), 99)) or 1.0
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 6))
    ax.imshow(
        values.T,
        aspect="auto",
        cmap=cmap,
        vmin=-clip,
        vmax=clip,
        extent=_extent(da),
        interpolation="nearest",
    )
    tdim, vdim = trace_dim(da), vertical_dim(da)
    tunit = da.coords[tdim].attrs.get("units", "") if tdim in da.coords else ""
    ax.set_xlabel(f"{tdim} ({tunit})" if tunit else tdim)
    ax.set_ylabel(f"{vdim} ({da.coords[vdim].attrs.get('units', '')})")
    if title:
        ax.set_title(title)
    return ax


def plot_wiggle(
    da: xr.DataArray, ax: Axes | None = None, *, scale: float = 1.0, fill: bool = True
) -> Axes:
    """Show one panel as wiggle traces, positive lobes filled.

    Trace ``i`` is drawn around ``x = i``; amplitudes are normalized by the panel's peak
    absolute value, so a `scale` of 1 lets the largest excursion reach the next trace.

    Parameters
    ----------
    da : xarray.DataArray
        A 2-D panel, vertical dim last (with a coordinate).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made when omitted.
    scale : float, default 1.0
        Trace excursion, in trace spacings, of the panel's peak amplitude.
    fill : bool, default True
        Fill the positive lobes in black.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on, one line per trace, vertical axis increasing downward.

    Raises
    ------
    InvalidDataError
        If `da` is not 2-D or its last dim is not vertical.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from promethium.synthetic import synthetic_gather
    >>> fig, ax = plt.subplots()
    >>> len(plot_wiggle(synthetic_gather(n_traces=6, n_samples=32), ax).lines)
    6
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    da = _panel(da)
    values = np.asarray(da.values, dtype=np.float64)
    vdim = vertical_dim(da)
    y = da.coords[vdim].values
    peak = np.nanmax(np.abs(values)) or 1.0
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6))
    for i, trace in enumerate(values):
        x = i + scale * trace / peak
        ax.plot(x, y, "k", linewidth=0.5)
        if fill:
            ax.fill_betweenx(y, i, x, where=x > i, color="k", linewidth=0)
    ax.set_ylim(y[-1], y[0])
    ax.set_xlabel(trace_dim(da))
    ax.set_ylabel(vdim)
    return ax


def plot_comparison(
    panels: Mapping[str, xr.DataArray],
    *,
    reference: str | None = None,
    path: Any | None = None,
    clip: float | None = None,
) -> Figure:
    """Panels side by side with one colour scale, plus a difference to `reference`.

    Parameters
    ----------
    panels : Mapping of str to xarray.DataArray
        Titles and 2-D panels, drawn left to right.
    reference : str, optional
        Title of the panel the last one is compared to; a difference panel
        ``last - reference`` is added.
    path : str or path-like, optional
        Where to save the figure (format from the suffix).
    clip : float, optional
        Common colour limit; defaults to the first panel's 99th percentile.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Raises
    ------
    InvalidDataError
        If `panels` is empty, `reference` is not one of its titles, or a panel is not
        2-D with its vertical dim last.
    """
    import matplotlib.pyplot as plt

    if not panels:
        raise InvalidDataError("plot_comparison needs at least one panel.")
    items = list(panels.items())
    if reference is not None:
        if reference not in panels:
            raise InvalidDataError(f"reference {reference!r} is not one of {list(panels)}.")
        last_title, last = items[-1]
        items.append((f"{last_title} - {reference}", last - panels[reference]))
    first = np.asarray(items[0][1].values)
    clip = clip or float(np.nanpercentile(np.abs(first), 99)) or 1.0
    fig, axes = plt.subplots(1, len(items), figsize=(3.2 * len(items), 5), sharey=True)
    for ax, (title, da) in zip(np.atleast_1d(axes), items):
        plot_panel(da, ax, clip=clip, title=title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
