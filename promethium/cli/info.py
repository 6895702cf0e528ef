"""``promethium info``: what a SEG-Y file or Zarr store holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from promethium.cli.files import is_zarr, local_path
from promethium.cli.logs import Quiet, Verbose, command_settings
from promethium.cli.segy_options import Byte, Geometry, Profile, segy_keys

__all__ = ["info"]


def info(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(parser=local_path, help="A SEG-Y file or Zarr store.")],
    dead_traces: Annotated[
        bool,
        typer.Option(help="Count dead (all-zero or all-NaN) traces: reads every sample."),
    ] = False,
    variable: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Zarr stores of several variables (mean, std): which to summarize."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON, for scripts.")
    ] = False,
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
    """Summarize a file: headers, sampling, keys, geometry, fold, missing traces.

    For SEG-Y: the textual and binary headers, sample format and byte order, each
    header key in use (byte, range, step, regularity), the geometry, fold, sort order,
    coordinate extents and absent traces; --dead-traces also reads the samples. For
    Zarr: the same where it applies, filled traces, history and provenance.
    """
    from promethium.errors import ConfigError
    from promethium.io import segy_info, zarr_info
    from promethium.progress import progress_bar

    settings = command_settings(ctx, verbose, quiet)
    keys = segy_keys(locals())
    show = dead_traces and not settings.quiet
    with progress_bar(f"dead traces of {path.name}", enabled=show):
        if is_zarr(path):
            if keys:
                raise ConfigError(
                    f"{', '.join('--' + k for k in keys)} apply to SEG-Y input; {path} is a "
                    "Zarr store, whose geometry is stored with it."
                )
            summary = zarr_info(path, dead_traces=dead_traces, variable=variable)
        else:
            if variable is not None:
                raise ConfigError(f"--variable applies to Zarr stores; {path} is SEG-Y.")
            summary = segy_info(path, dead_traces=dead_traces, **keys)
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), indent=2))
        return
    typer.echo(summary.to_text())
    if summary.suggestion:
        flags = " ".join(f"--{k} {v}" for k, v in summary.suggestion.items())
        typer.echo(f"on the command line: {flags}")
