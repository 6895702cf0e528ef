"""``promethium info``: what a SEG-Y file or Zarr store holds."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from promethium.cli.files import is_zarr
from promethium.cli.logs import CliSettings
from promethium.cli.options import SurveyFile, shared_options
from promethium.core import strict_json

__all__ = ["info"]


@shared_options()
def info(
    path: SurveyFile,
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
    *,
    settings: CliSettings,
    segy: dict[str, Any],
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

    show = dead_traces and not settings.quiet
    with progress_bar(f"dead traces of {path.name}", enabled=show):
        if is_zarr(path):
            if segy:
                raise ConfigError(
                    f"{', '.join('--' + k for k in segy)} apply to SEG-Y input; {path} is a "
                    "Zarr store, whose geometry is stored with it."
                )
            summary = zarr_info(path, dead_traces=dead_traces, variable=variable)
        else:
            if variable is not None:
                raise ConfigError(f"--variable applies to Zarr stores; {path} is SEG-Y.")
            summary = segy_info(path, dead_traces=dead_traces, **segy)
    if as_json:
        typer.echo(strict_json.dumps(summary.to_dict(), indent=2))
        return
    typer.echo(summary.to_text())
    if summary.suggestion:
        flags = " ".join(f"--{k} {v}" for k, v in summary.suggestion.items())
        typer.echo(f"on the command line: {flags}")
