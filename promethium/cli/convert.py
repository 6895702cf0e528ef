"""``promethium convert``: SEG-Y to Zarr and back, chunk by chunk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from promethium.cli.files import (
    ABSENT_HELP,
    check_like_and_absent,
    is_zarr,
    open_input,
    output_is_zarr,
    write_output,
)
from promethium.cli.segy_options import Byte, Geometry, Profile, segy_keys

__all__ = ["convert"]


def convert(
    source: Annotated[Path, typer.Argument(help="Input SEG-Y file or Zarr store.")],
    target: Annotated[Path, typer.Argument(help="Output: a .zarr store or a SEG-Y file.")],
    like: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="SEG-Y whose headers to copy when writing SEG-Y."),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output.")] = False,
    absent: Annotated[Optional[str], typer.Option(help=ABSENT_HELP)] = None,  # noqa: UP045
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    iline: Byte = None,
    xline: Byte = None,
    offset: Byte = None,
    cdp: Byte = None,
    shot: Byte = None,
    channel: Byte = None,
    profile: Profile = None,
    geometry: Geometry = "auto",
) -> None:
    """Convert SEG-Y to Zarr or Zarr to SEG-Y, streaming chunk by chunk."""
    from promethium.progress import progress_bar

    output_is_zarr(target)
    check_like_and_absent(like, absent)
    keys = segy_keys(locals())
    da = open_input(source, keys)
    if like is None and not is_zarr(source) and not is_zarr(target):
        like = source
    with progress_bar(f"{source.name} -> {target.name}", enabled=progress):
        write_output(da, target, like, overwrite, absent)
    typer.echo(f"wrote {target}")
