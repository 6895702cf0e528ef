"""``promethium convert``: SEG-Y to Zarr and back, chunk by chunk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from promethium.cli.files import (
    check_like_and_absent,
    check_target,
    is_zarr,
    local_path,
    open_input,
    output_is_zarr,
    write_output,
)
from promethium.cli.logs import CliSettings
from promethium.cli.options import Absent, MarkFilled, Progress, Source, shared_options
from promethium.cli.selection import Sel, apply_selection, parse_selection

__all__ = ["convert"]


@shared_options()
def convert(
    source: Source,
    target: Annotated[
        Path,
        typer.Argument(parser=local_path, help="Output: a .zarr store or a SEG-Y file."),
    ],
    like: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(parser=local_path, help="SEG-Y whose headers to copy when writing SEG-Y."),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output.")] = False,
    absent: Absent = None,
    mark_filled: MarkFilled = False,
    progress: Progress = True,
    sel: Sel = None,
    *,
    settings: CliSettings,
    segy: dict[str, Any],
) -> None:
    """Convert SEG-Y to Zarr or Zarr to SEG-Y, streaming chunk by chunk.

    --sel writes a subset, selected by coordinate labels (inclusive ranges).
    """
    from promethium.progress import progress_bar

    output_is_zarr(target)
    check_target(target, overwrite, source)
    check_like_and_absent(like, absent)
    selection = parse_selection(sel or [])
    da = apply_selection(open_input(source, segy), selection)
    if like is None and not is_zarr(source) and not is_zarr(target):
        like = source
    show = progress and not settings.quiet
    with progress_bar(f"{source.name} -> {target.name}", enabled=show):
        write_output(da, target, like, overwrite, absent, mark_filled=mark_filled)
    if not settings.quiet:
        typer.echo(f"wrote {target}")
