"""The typer application: the root options and the list of commands."""

from __future__ import annotations

from typing import Annotated

import typer

from promethium.cli.batch import batch
from promethium.cli.batch_plan import plan
from promethium.cli.convert import convert
from promethium.cli.finetune import finetune
from promethium.cli.headers import headers
from promethium.cli.info import info
from promethium.cli.logs import CliSettings, cli_logging
from promethium.cli.plot import plot
from promethium.cli.plugins import plugins
from promethium.cli.qc import qc
from promethium.cli.reconstruct import reconstruct
from promethium.cli.train import train

__all__ = ["app"]

app = typer.Typer(
    name="promethium",
    help="Seismic data reconstruction: fill dead and missing traces.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        import promethium

        typer.echo(f"promethium {promethium.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show Python tracebacks on errors.")
    ] = False,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose", "-v", count=True, help="Log what happens (-v: steps, -vv: details)."
        ),
    ] = 0,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Only errors and warnings: no progress bars, no summaries."
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Seismic data reconstruction: fill dead and missing traces.

    -v/-q work before or after the command; --debug goes before it.
    """
    from promethium.errors import ConfigError

    if quiet and verbose:
        raise ConfigError("--quiet and --verbose contradict each other; give one of them.")
    settings = CliSettings(verbosity=-1 if quiet else verbose, debug=debug)
    ctx.obj = settings
    ctx.with_resource(cli_logging(settings.verbosity))


app.command()(info)
app.command()(headers)
app.command()(convert)
app.command()(reconstruct)
app.command()(batch)
app.command()(plan)
app.command()(plot)
app.command()(plugins)
app.command()(train)
app.command()(qc)
app.command()(finetune)
