"""Panels side by side on one colour scale, with a difference and f-k spectra."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from promethium.errors import InvalidDataError
from promethium.plot.coords import DEFAULT_CMAP, as_panel, clip_value, mappable, value_label
from promethium.plot.fk import plot_fk
from promethium.plot.panel import plot_panel

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.figure import Figure

__all__ = ["plot_comparison"]


def plot_comparison(
    panels: Mapping[str, xr.DataArray],
    *,
    reference: str | None = None,
    path: Any | None = None,
    clip: float | None = None,
    percentile: float = 99.0,
    cmap: str = DEFAULT_CMAP,
    fk: bool = False,
) -> Figure:
    """Panels side by side with one colour scale, a difference and optional f-k spectra.

    Parameters
    ----------
    panels : Mapping of str to xarray.DataArray
        Titles and 2-D panels, drawn left to right.
    reference : str, optional
        Title of the panel the last one is compared to; a difference panel
        ``last - reference`` is added, on the same colour scale.
    path : str or path-like, optional
        Where to save the figure (format from the suffix).
    clip : float, optional
        Common colour limit; by default the `percentile` of the first panel.
    percentile : float, default 99.0
        Percentile of ``|first panel|`` that sets the colour limit.
    cmap : str, default "seismic"
        Colormap name (``"gray_r"`` for a grey display).
    fk : bool, default False
        Add a row with the f-k spectrum of each panel.

    Returns
    -------
    matplotlib.figure.Figure
        The figure: its first axes are the panels in order, then the colorbars.

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
    limit = clip if clip is not None else clip_value(as_panel(items[0][1]).values, percentile)
    rows = 2 if fk else 1
    fig, axes = plt.subplots(rows, len(items), figsize=(3.4 * len(items) + 1, 5.2 * rows),
                             squeeze=False, layout="constrained")  # fmt: skip
    for ax, (title, da) in zip(axes[0], items):
        plot_panel(da, ax, clip=limit, title=title, cmap=cmap, colorbar=False)
    fig.colorbar(mappable(axes[0][0]), ax=list(axes[0]), label=value_label(items[0][1]))
    if fk:
        for ax, (title, da) in zip(axes[1], items):
            plot_fk(da, ax, title=f"f-k: {title}", colorbar=False)
        fig.colorbar(mappable(axes[1][0]), ax=list(axes[1]), label="amplitude (dB)")
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
