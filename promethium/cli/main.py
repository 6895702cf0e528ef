"""The entry point: run the typer app and turn errors and warnings into one line each."""

from __future__ import annotations

import sys
import warnings
from typing import Any

import typer

from promethium.cli.app import app

__all__ = ["main"]


def _show_warning(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
    typer.secho(f"warning: {message}", fg=typer.colors.YELLOW, err=True)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 on success, 1 for an error, 2 for a usage mistake.
    """
    from promethium.errors import PromethiumError

    args = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in args
    with warnings.catch_warnings():
        if not debug:
            warnings.showwarning = _show_warning
        try:
            app(args=args, prog_name="promethium", standalone_mode=True)
        except SystemExit as done:  # click's normal exit, usage errors included
            code = done.code
            return code if isinstance(code, int) else (0 if code is None else 1)
        except (PromethiumError, OSError) as err:
            if debug:
                raise
            typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
            return 1
        except Exception as err:
            if debug:
                raise
            typer.secho(
                f"error: {type(err).__name__}: {err} (run with --debug for the traceback)",
                fg=typer.colors.RED,
                err=True,
            )
            return 1
    return 0
