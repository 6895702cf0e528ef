"""``promethium convert``: SEG-Y to Zarr and back, chunk by chunk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from promethium.cli.choices import ABSENT, complete_from
from promethium.cli.files import (
    ABSENT_HELP,
    MARK_FILLED_HELP,
    check_like_and_absent,
    check_target,
    is_zarr,
    local_path,
    open_input,
    output_is_zarr,
    write_output,
)
from promethium.cli.logs import Quiet, Verbose, command_settings
from promethium.cli.segy_options import Byte, Geometry, Profile, segy_keys
from promethium.cli.selection import Sel, apply_selection, parse_selection

__all__ = ["convert"]


def convert(
    ctx: typer.Context,
    source: Annotated[
        Path,
        typer.Argument(parser=local_path, help="Input SEG-Y file or Zarr store."),
    ],
    target: Annotated[
        Path,
        typer.Argument(parser=local_path, help="Output: a .zarr store or a SEG-Y file."),
    ],
    like: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(parser=local_path, help="SEG-Y whose headers to copy when writing SEG-Y."),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output.")] = False,
    absent: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help=ABSENT_HELP, autocompletion=complete_from(ABSENT)),
    ] = None,
    mark_filled: Annotated[bool, typer.Option(help=MARK_FILLED_HELP)] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    sel: Sel = None,
    verbose: Verbose = 0,
    quiet: Quiet = False,
    iline: Byte = None,
    xline: Byte = None,
    offset: Byte = None,
    cdp: Byte = None,
    shot: Byte = None,
    channel: Byte = None,
    profile: Profile = None,
    geometry: Geometry = "auto",
) -> None:
    """Convert SEG-Y to Zarr or Zarr to SEG-Y, streaming chunk by chunk.

    --sel writes a subset, selected by coordinate labels (inclusive ranges).
    """
    from promethium.progress import progress_bar

    settings = command_settings(ctx, verbose, quiet)
    output_is_zarr(target)
    check_target(target, overwrite, source)
    check_like_and_absent(like, absent)
    selection = parse_selection(sel or [])
    keys = segy_keys(locals())
    da = apply_selection(open_input(source, keys), selection)
    if like is None and not is_zarr(source) and not is_zarr(target):
        like = source
    show = progress and not settings.quiet
    with progress_bar(f"{source.name} -> {target.name}", enabled=show):
        write_output(da, target, like, overwrite, absent, mark_filled=mark_filled)
    if not settings.quiet:
        typer.echo(f"wrote {target}")
