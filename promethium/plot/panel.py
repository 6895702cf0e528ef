"""Amplitude images and wiggle traces of one panel, in real coordinates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from promethium.core.dims import trace_dim, vertical_dim
from promethium.plot.coords import (
    DEFAULT_CMAP,
    as_panel,
    axis_label,
    axis_values,
    clip_value,
    draw_image,
    value_label,
)

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.axes import Axes

__all__ = ["plot_panel", "plot_wiggle"]


def plot_panel(
    da: xr.DataArray,
    ax: Axes | None = None,
    *,
    percentile: float = 99.0,
    clip: float | None = None,
    title: str | None = None,
    cmap: str = DEFAULT_CMAP,
    colorbar: bool = True,
) -> Axes:
    """Show one panel as an image: traces across at their coordinates, time down.

    Parameters
    ----------
    da : xarray.DataArray
        A 2-D panel, vertical dim last.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made when omitted.
    percentile : float, default 99.0
        Clip the colours at this percentile of ``|da|`` (ignored when `clip` is given).
    clip : float, optional
        Symmetric colour limit, in the data's units.
    title : str, optional
        Axes title.
    cmap : str, default "seismic"
        Colormap name (``"gray_r"`` for a grey display).
    colorbar : bool, default True
        Add a colorbar labelled with the data's name and units.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on; x is labelled with the trace dim and its units, y with the
        vertical dim and its units.

    Raises
    ------
    InvalidDataError
        If `da` is not 2-D, its last dim is not vertical, or `percentile` is not in
        (0, 100].

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from promethium.synthetic import synthetic_gather
    >>> ax = plot_panel(synthetic_gather(n_traces=6, n_samples=32))
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('offset (m)', 'time (ms)')
    >>> plt.close(ax.figure)
    """
    import matplotlib.pyplot as plt

    da = as_panel(da)
    values = np.asarray(da.values, dtype=np.float64)
    limit = clip if clip is not None else clip_value(values, percentile)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 6))
    tdim, vdim = trace_dim(da), vertical_dim(da)
    image = draw_image(ax, axis_values(da, tdim), axis_values(da, vdim), values,
                   cmap=cmap, vmin=-limit, vmax=limit)  # fmt: skip
    ax.set_xlabel(axis_label(da, tdim))
    ax.set_ylabel(axis_label(da, vdim))
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label=value_label(da))
    return ax


def plot_wiggle(
    da: xr.DataArray,
    ax: Axes | None = None,
    *,
    scale: float = 1.0,
    fill: bool = True,
    percentile: float | None = None,
) -> Axes:
    """Show one panel as wiggle traces at their coordinates, positive lobes filled.

    Trace ``i`` is drawn around its coordinate value (e.g. its offset); amplitudes are
    normalized so that a `scale` of 1 lets the largest excursion reach the next trace.

    Parameters
    ----------
    da : xarray.DataArray
        A 2-D panel, vertical dim last (with a coordinate).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made when omitted.
    scale : float, default 1.0
        Trace excursion, in trace spacings, of the normalizing amplitude.
    fill : bool, default True
        Fill the positive lobes in black.
    percentile : float, optional
        Normalize by this percentile of ``|da|`` instead of the peak, and clip the
        excursions there (as `percentile` clips image colours).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on, one line per trace, the vertical axis increasing downward,
        both axes labelled with their coordinates and units.

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

    da = as_panel(da)
    values = np.asarray(da.values, dtype=np.float64)
    tdim, vdim = trace_dim(da), vertical_dim(da)
    x0, y = axis_values(da, tdim), axis_values(da, vdim)
    spacing = float(np.median(np.abs(np.diff(x0)))) if x0.size > 1 else 1.0
    if percentile is None:
        norm = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    else:
        norm = clip_value(values, percentile)
        values = np.clip(values, -norm, norm)
    norm = norm or 1.0
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6))
    for centre, trace in zip(x0, values):
        x = centre + scale * spacing * trace / norm
        ax.plot(x, y, "k", linewidth=0.5)
        if fill:
            ax.fill_betweenx(y, centre, x, where=x > centre, color="k", linewidth=0)
    ax.set_ylim(y[-1], y[0])
    ax.set_xlabel(axis_label(da, tdim))
    ax.set_ylabel(axis_label(da, vdim))
    return ax
