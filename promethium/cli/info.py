"""``promethium info``: what a SEG-Y file or Zarr store holds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from promethium.cli.files import is_zarr, open_input
from promethium.cli.segy_options import Byte, Geometry, Profile, segy_keys

__all__ = ["info"]


def info(
    path: Annotated[Path, typer.Argument(help="A SEG-Y file or Zarr store.")],
    dead_traces: Annotated[
        bool, typer.Option(help="Count dead (all-zero or all-NaN) traces: reads every sample.")
    ] = False,
    iline: Byte = None,
    xline: Byte = None,
    offset: Byte = None,
    cdp: Byte = None,
    shot: Byte = None,
    channel: Byte = None,
    profile: Profile = None,
    geometry: Geometry = "auto",
) -> None:
    """Summarize a file's geometry: dims, sizes, sample interval, byte locations."""
    from rich.console import Console

    console = Console()
    if is_zarr(path):
        from promethium.core import get_trace_mask, sample_interval

        da = open_input(path, {})
        console.print(f"[bold]{path}[/] (Zarr)")
        console.print(f"dims: {dict(da.sizes)}")
        unit = "ms" if da.dims[-1] == "time" else "m"
        console.print(f"sample interval: {sample_interval(da, unit):g} {unit}")
        if dead_traces:
            console.print(f"missing traces: {int((~get_trace_mask(da)).sum())}")
        return
    from promethium.io import segy_info

    keys = segy_keys(locals())
    summary = segy_info(path, dead_traces=dead_traces, **keys)
    console.print(summary.to_text(), highlight=False)
    if summary.suggestion:
        flags = " ".join(f"--{k} {v}" for k, v in summary.suggestion.items())
        console.print(f"on the command line: {flags}", highlight=False)
