"""The options several commands share, each defined once.

:func:`shared_options` gives a command the options every command ends with (``-v``,
``-q`` and, for commands that read a survey, the SEG-Y reading options) and hands it
what they mean instead: ``settings`` (:class:`~promethium.cli.logs.CliSettings`) and
``segy`` (the reading options given, for :func:`~promethium.cli.files.open_input`).
The other names here are ``Annotated`` option types for a command's signature::

    @shared_options()
    def convert(source: Source, ..., progress: Progress = True, *,
                settings: CliSettings, segy: dict[str, Any]) -> None: ...

Commands whose option means something of their own (``--overwrite`` of a report
folder, ``--model`` of a network only) keep their own help text.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from promethium.cli.choices import ABSENT, DEVICES, PRECISIONS, complete_from, one_of
from promethium.cli.files import ABSENT_HELP, MARK_FILLED_HELP, local_path
from promethium.cli.logs import Quiet, Verbose, command_settings
from promethium.cli.segy_options import SEGY_KEYS, Byte, Geometry, Profile, segy_keys

__all__ = [
    "DEVICE_HELP",
    "Absent",
    "Chunks",
    "Device",
    "Extrapolate",
    "MarkFilled",
    "ModelConfig",
    "ModelOptions",
    "Precision",
    "Progress",
    "Refill",
    "Source",
    "SurveyFile",
    "shared_options",
]

#: The devices a torch model runs on, for a help text.
DEVICE_HELP = f"{one_of(DEVICES)}, or cuda:N."

#: The input argument of the commands that read one survey and write something else.
Source = Annotated[Path, typer.Argument(parser=local_path, help="Input SEG-Y file or Zarr store.")]
#: The input argument of the commands that show a file.
SurveyFile = Annotated[Path, typer.Argument(parser=local_path, help="A SEG-Y file or Zarr store.")]
Device = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at runtime
    typer.Option(help=f"Torch models: {DEVICE_HELP}", autocompletion=complete_from(DEVICES)),
]
Precision = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        help=f"Torch models: {one_of(PRECISIONS)}.", autocompletion=complete_from(PRECISIONS)
    ),
]
#: ``--option/-o KEY=VALUE``, parsed by :func:`~promethium.cli.model_options.key_values`.
ModelOptions = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--option", "-o", help="Any model option as KEY=VALUE (repeatable)."),
]
#: ``--config KEY=VALUE``, the model's configuration (e.g. its weights).
ModelConfig = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(help="Model configuration as KEY=VALUE (repeatable)."),
]
#: ``--chunks DIM=N``: the chunks of a distributed run, one task each.
Chunks = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(help="Chunk size of a dim as DIM=N (repeatable)."),
]
Extrapolate = Annotated[
    bool, typer.Option(help="Also fill absent positions beyond a line's recorded traces.")
]
Refill = Annotated[bool, typer.Option(help="Refill traces a model filled before.")]
Progress = Annotated[bool, typer.Option(help="Show a progress bar.")]
Absent = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(help=ABSENT_HELP, autocompletion=complete_from(ABSENT)),
]
MarkFilled = Annotated[bool, typer.Option(help=MARK_FILLED_HELP)]

#: The shared options as (name, type, default), in the order ``--help`` lists them.
_LOGGING: tuple[tuple[str, Any, Any], ...] = (("verbose", Verbose, 0), ("quiet", Quiet, False))
_SEGY = (*((key, Byte, None) for key in SEGY_KEYS[:-2]), ("profile", Profile, None))
_GEOMETRY = (("geometry", Geometry, "auto"),)
_POSITIONAL = inspect.Parameter.POSITIONAL_OR_KEYWORD


def shared_options(
    *, segy: bool = True, geometry: bool = True
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the options every command ends with, and what they mean.

    The command gets ``--verbose/-v`` and ``--quiet/-q`` last (then, with `segy`, the
    SEG-Y reading options ``--iline ... --profile`` and, with `geometry`,
    ``--geometry``) and is called with the keyword arguments ``settings``, its
    :class:`~promethium.cli.logs.CliSettings` (the root's, changed by its own
    ``-v``/``-q``, checked before anything else; if it takes ``settings``), and with
    `segy`, ``segy``: the reading options given, for
    :func:`~promethium.cli.files.open_input`.

    Parameters
    ----------
    segy : bool, default True
        Whether the command reads SEG-Y input (the key bytes and ``--profile``).
    geometry : bool, default True
        With `segy`: whether it also takes ``--geometry``.

    Returns
    -------
    callable
        The decorator; the command keeps its name and docstring.
    """
    added = _LOGGING + (_SEGY + (_GEOMETRY if geometry else ()) if segy else ())

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = inspect.signature(command, eval_str=True)  # typer needs the objects
        if segy and "segy" not in own.parameters:
            raise TypeError(f"{command.__name__} reads SEG-Y: it must take `segy` by keyword")
        given = [name for name in ("settings", "segy") if name in own.parameters]
        kept = [p for name, p in own.parameters.items() if name not in given]
        if "ctx" not in own.parameters:  # typer passes the context to a typer.Context
            kept.insert(0, inspect.Parameter("ctx", _POSITIONAL, annotation=typer.Context))
        shared = [
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind
            )
            for name, kind, default in added
        ]
        signature = own.replace(parameters=[*kept, *shared])

        @functools.wraps(command)
        def run(**kwargs: Any) -> None:
            values = {name: kwargs.pop(name) for name, _, _ in added}
            ctx = kwargs["ctx"] if "ctx" in own.parameters else kwargs.pop("ctx")
            settings = command_settings(ctx, values["verbose"], values["quiet"])
            extra = {"settings": settings, "segy": segy_keys(values)}
            command(**kwargs, **{name: extra[name] for name in given})

        run.__signature__ = signature  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
        return run

    return decorate
