"""The typer application: the root options and the list of commands."""

from __future__ import annotations

from typing import Annotated

import typer

from promethium.cli.convert import convert
from promethium.cli.info import info
from promethium.cli.plugins import plugins
from promethium.cli.reconstruct import reconstruct

__all__ = ["app"]

app = typer.Typer(
    name="promethium",
    help="Seismic data reconstruction: fill dead and missing traces.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        import promethium

        typer.echo(f"promethium {promethium.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show Python tracebacks on errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Seismic data reconstruction: fill dead and missing traces."""


app.command()(info)
app.command()(convert)
app.command()(reconstruct)
app.command()(plugins)
