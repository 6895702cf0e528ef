"""``promethium headers``: a table of trace header words, as segyio shows them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from promethium.cli.files import is_zarr, local_path
from promethium.cli.options import shared_options
from promethium.core import strict_json

__all__ = ["headers", "parse_traces"]


def parse_traces(text: str) -> slice | list[int]:
    """Parse ``--traces``: ``START:STOP[:STEP]`` (Python slice), ``N`` or ``N,M,...``.

    Examples
    --------
    >>> parse_traces("0:10"), parse_traces(":5:2"), parse_traces("3"), parse_traces("1,7")
    (slice(0, 10, None), slice(None, 5, 2), [3], [1, 7])
    """
    from promethium.errors import ConfigError

    try:
        if ":" in text:
            parts = text.split(":")
            if len(parts) > 3:
                raise ValueError
            bounds = [int(p) if p.strip() else None for p in parts]
            return slice(*bounds)
        return [int(p) for p in text.split(",")]
    except ValueError:
        raise ConfigError(
            f"--traces {text!r} is not START:STOP[:STEP], N or N,M,...; e.g. --traces 0:10."
        ) from None


@shared_options(geometry=False)
def headers(
    path: Annotated[Path, typer.Argument(parser=local_path, help="A SEG-Y file.")],
    traces: Annotated[
        str,
        typer.Option(help="Traces (0-based, file order): START:STOP[:STEP], N or N,M,..."),
    ] = "0:10",
    words: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="Comma-separated words: key names (iline, xline, offset, cdp, shot, "
            "channel), standard names (cdp_x, delay, ...) or bytes (221, 115:2)."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the words as JSON records, for scripts.")
    ] = False,
    *,
    segy: dict[str, Any],
) -> None:
    """Print trace header words of some traces, values as stored (no scalars applied)."""
    from promethium.errors import ConfigError
    from promethium.io.segy import header_words

    if is_zarr(path):
        raise ConfigError(
            f"{path} is a Zarr store, which holds no trace headers: its traces are labelled "
            f"by coordinates. See them with `promethium info {path}`, or read the headers "
            "of the SEG-Y file it came from with `promethium headers FILE.sgy`."
        )
    chosen = [w.strip() for w in words.split(",") if w.strip()] if words else None
    table = header_words(path, chosen, parse_traces(traces), **segy)
    if as_json:
        typer.echo(strict_json.dumps(table.to_dict(), indent=2))
        return
    names = list(table.values)
    rows = [["trace", *names], ["(byte)", *(str(table.words[n][0]) for n in names)]]
    rows += [
        [str(t), *(str(table.values[n][i]) for n in names)] for i, t in enumerate(table.traces)
    ]
    widths = [max(len(row[j]) for row in rows) for j in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
