"""``promethium plot``: a figure of a panel, or of two files and their difference."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from promethium.cli.files import local_path, open_input
from promethium.cli.logs import CliSettings
from promethium.cli.options import SurveyFile, shared_options
from promethium.cli.selection import Sel, apply_selection, parse_selection

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["pick_panel", "plot"]

CMAPS = ("seismic", "gray_r", "gray", "RdBu_r", "PuOr_r")


def pick_panel(da: xr.DataArray) -> tuple[xr.DataArray, list[str]]:
    """One 2-D panel of `da`: the middle label of every dim but the last trace dim.

    Returns
    -------
    tuple
        The panel and, for each dim that was cut, a note naming the label shown and
        the ``--sel`` that picks another.
    """
    from promethium.core.dims import trace_dims

    notes = []
    for dim in trace_dims(da)[:-1]:
        labels = da.coords[dim].values if dim in da.coords else None
        if da.sizes[dim] > 1 and labels is not None:
            label = labels[da.sizes[dim] // 2]
            notes.append(
                f"showing {dim}={label} (the middle one of {da.sizes[dim]}); choose another "
                f"with --sel {dim}=LABEL"
            )
        da = da.isel({dim: da.sizes[dim] // 2})
    return da, notes


@shared_options()
def plot(
    path: SurveyFile,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Figure file: .png, .pdf, .svg, ...")
    ],
    compare: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            parser=local_path,
            help="A second file (e.g. the reconstruction) shown beside the first.",
        ),
    ] = None,
    difference: Annotated[
        bool, typer.Option(help="With --compare: add a panel COMPARE - PATH.")
    ] = True,
    fk: Annotated[bool, typer.Option("--fk", help="Add the f-k spectrum of each panel.")] = False,
    clip: Annotated[
        float, typer.Option(help="Clip colours at this percentile of |amplitude|.")
    ] = 99.0,
    cmap: Annotated[
        str, typer.Option(help=f"Colormap: {', '.join(CMAPS)} (diverging or grey).")
    ] = "seismic",
    sel: Sel = None,
    *,
    settings: CliSettings,
    segy: dict[str, Any],
) -> None:
    """Plot a panel in real coordinates with a colorbar; optionally compare two files.

    A cube or gathers are cut to one panel: the middle inline (or shot) unless --sel
    picks one, e.g. --sel iline=1002. Both files are cut the same way and matched by
    coordinate labels.
    """
    import matplotlib

    from promethium.errors import ConfigError

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    from promethium.plot import plot_comparison

    formats = plt.figure().canvas.get_supported_filetypes()
    plt.close("all")
    if output.suffix.lstrip(".").lower() not in formats:
        raise ConfigError(
            f"cannot tell the figure format of {str(output)!r}; name it *.png, *.pdf or "
            f"*.svg (or one of {', '.join(sorted(formats))})."
        )
    if cmap not in CMAPS:
        raise ConfigError(f"--cmap must be one of {', '.join(CMAPS)}; got {cmap!r}.")
    selection = parse_selection(sel or [])
    panel, notes = pick_panel(apply_selection(open_input(path, segy), selection))
    panels = {path.name: panel}
    if compare is not None:
        other = apply_selection(open_input(compare, segy), selection)
        cut = {d: panel.coords[d].item() for d in other.dims
               if d in panel.coords and panel.coords[d].ndim == 0}  # fmt: skip
        for dim, label in cut.items():
            if dim not in other.coords or label not in other.coords[dim].values:
                raise ConfigError(f"{compare} has no {dim}={label} to compare with {path.name}.")
        other, _ = pick_panel(other.sel(cut))
        title = compare.name if compare.name != path.name else str(compare)
        panels[title] = other
    loaded = {title: da.load() for title, da in panels.items()}
    reference = path.name if compare is not None and difference else None
    figure = plot_comparison(loaded, reference=reference, path=output, percentile=clip,
                             cmap=cmap, fk=fk)  # fmt: skip
    plt.close(figure)
    if not settings.quiet:
        for note in notes:
            typer.echo(note)
        typer.echo(f"wrote {output}")
