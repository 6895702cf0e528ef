"""The SEG-Y reading options that every command opening a file takes."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from promethium.cli.choices import GEOMETRIES, complete_from, one_of

__all__ = ["SEGY_KEYS", "Byte", "Geometry", "Profile", "segy_keys"]

Byte = Annotated[
    Optional[int],  # noqa: UP045 - typer needs Optional on Python 3.10
    typer.Option(help="Trace-header byte of this key (SEG-Y input; default: standard)."),
]
Profile = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(help="Named byte-location profile (SEG-Y input), see `promethium info`."),
]
Geometry = Annotated[
    str,
    typer.Option(
        help=f"SEG-Y geometry: {one_of(GEOMETRIES)} (traces: file order, only when asked).",
        autocompletion=complete_from(GEOMETRIES),
    ),
]

#: The SEG-Y reading options every command takes, passed on to ``open_segy``.
SEGY_KEYS = ("iline", "xline", "offset", "cdp", "shot", "channel", "profile", "geometry")


def segy_keys(params: dict[str, Any]) -> dict[str, Any]:
    """The SEG-Y reading options a command was given (from its ``locals()``)."""
    return {k: params[k] for k in SEGY_KEYS if params.get(k) not in (None, "auto")}
