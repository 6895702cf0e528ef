"""Logging for the command line: a handler on the ``promethium`` logger, never the root.

The library logs under the ``promethium`` logger and configures nothing; the command
attaches one stderr handler for the duration of a run, at the level ``-v``/``-q`` ask
for, and removes it afterwards (so ``main()`` can run many times in one process).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import typer

__all__ = [
    "CliSettings",
    "Quiet",
    "Verbose",
    "cli_logging",
    "command_settings",
    "log_level",
    "settings_of",
]

LOGGER = "promethium"


@dataclass(frozen=True)
class CliSettings:
    """What the root options asked for, shared with every command via ``ctx.obj``."""

    verbosity: int = 0  # -1 quiet, 0 default, 1 -v, 2 -vv
    debug: bool = False

    @property
    def quiet(self) -> bool:
        """Whether ``--quiet`` was given: no progress bars and no summary lines."""
        return self.verbosity < 0


def log_level(verbosity: int) -> int:
    """The ``promethium`` logger level of a verbosity: -1 ERROR, 0 WARNING, 1 INFO, 2 DEBUG.

    Examples
    --------
    >>> import logging
    >>> [logging.getLevelName(log_level(v)) for v in (-1, 0, 1, 2, 3)]
    ['ERROR', 'WARNING', 'INFO', 'DEBUG', 'DEBUG']
    """
    levels = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}
    return levels.get(verbosity, logging.DEBUG if verbosity > 1 else logging.ERROR)


@contextlib.contextmanager
def cli_logging(verbosity: int) -> Iterator[logging.Logger]:
    """Attach a stderr handler to the ``promethium`` logger for the block.

    Parameters
    ----------
    verbosity : int
        -1 (``-q``), 0, 1 (``-v``), 2 (``-vv``) or more.

    Yields
    ------
    logging.Logger
        The ``promethium`` logger; its level and handlers are restored on exit.
    """
    logger = logging.getLogger(LOGGER)
    previous = logger.level
    logger.setLevel(log_level(verbosity))
    if any(isinstance(h, _CliHandler) for h in logger.handlers):
        try:  # a command's -v/-q after the root's: one handler, a new level
            yield logger
        finally:
            logger.setLevel(previous)
        return
    handler = _CliHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


class _CliHandler(logging.StreamHandler):
    """The stderr handler the command attaches (told apart from an application's)."""


#: ``--verbose/-v`` on a command, as on the root (``promethium reconstruct IN OUT -v``).
Verbose = Annotated[
    int,
    typer.Option("--verbose", "-v", count=True, help="Log what happens (-v: steps, -vv: details)."),
]
#: ``--quiet/-q`` on a command, as on the root.
Quiet = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Only errors and warnings: no progress bars, no summaries."),
]


def command_settings(ctx: Any, verbose: int, quiet: bool) -> CliSettings:
    """The settings of a command: the root's, changed by the command's own ``-v``/``-q``.

    ``promethium -v info F`` and ``promethium info F -v`` mean the same; a command's
    flags win over the root's.

    Raises
    ------
    ConfigError
        If ``--quiet`` and ``--verbose`` are both given.
    """
    from promethium.errors import ConfigError

    base = settings_of(ctx)
    if quiet and verbose:
        raise ConfigError("--quiet and --verbose contradict each other; give one of them.")
    if not (quiet or verbose):
        return base
    settings = CliSettings(verbosity=-1 if quiet else verbose, debug=base.debug)
    ctx.with_resource(cli_logging(settings.verbosity))
    return settings


def settings_of(ctx: object) -> CliSettings:
    """The :class:`CliSettings` of a command's typer context (defaults outside a run)."""
    obj = getattr(ctx, "obj", None)  # a context inherits its parent's obj
    return obj if isinstance(obj, CliSettings) else CliSettings()
