"""``--sel DIM=START:STOP``: label-based subsets, inclusive like xarray's ``.sel(slice)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Optional

import numpy as np
import typer

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["Sel", "apply_selection", "parse_selection"]

Sel = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer needs Optional on Python 3.10
    typer.Option(
        "--sel",
        help="Subset by coordinate labels, inclusive (repeatable): iline=1000:1010, "
        "offset=:500, xline=20,24,30 or shot=7.",
    ),
]


def _label(text: str) -> Any:
    """A label: an int, else a float, else the text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def parse_selection(pairs: list[str]) -> dict[str, slice | list[Any]]:
    """Parse ``--sel`` values into ``{dim: slice or list of labels}``.

    ``A:B`` is an inclusive label range (either end may be left out); ``A`` or
    ``A,B,C`` selects those labels and keeps the dim.

    Raises
    ------
    ConfigError
        For a pair that is not ``DIM=LABELS``, or a dim given twice.

    Examples
    --------
    >>> parse_selection(["iline=1000:1010", "offset=:500", "xline=20,24"])
    {'iline': slice(1000, 1010, None), 'offset': slice(None, 500, None), 'xline': [20, 24]}
    """
    from promethium.errors import ConfigError

    out: dict[str, slice | list[Any]] = {}
    for pair in pairs:
        dim, sep, text = pair.partition("=")
        dim, text = dim.strip(), text.strip()
        if not sep or not dim or not text:
            raise ConfigError(
                f"--sel {pair!r} is not DIM=LABELS; e.g. --sel iline=1000:1010 or "
                "--sel offset=100,200."
            )
        if dim in out:
            raise ConfigError(f"--sel gives {dim!r} twice; give one range per dim.")
        if ":" in text:
            start, _, stop = text.partition(":")
            if ":" in stop:
                raise ConfigError(f"--sel {pair!r}: a range is START:STOP (no step).")
            out[dim] = slice(_label(start) if start else None, _label(stop) if stop else None)
        else:
            out[dim] = [_label(v.strip()) for v in text.split(",")]
    return out


def apply_selection(da: xr.DataArray, selection: dict[str, slice | list[Any]]) -> xr.DataArray:
    """Select by labels, keeping every dim; refuse an unknown dim, label or empty result.

    A range runs in the coordinate's own order: ``iline=1010:1000`` on an ascending
    axis is read as ``1000:1010``, as a user means it.

    Raises
    ------
    ConfigError
        Naming the dim and its labels' range when the selection is impossible.
    """
    from promethium.errors import ConfigError

    for dim, want in selection.items():
        if dim not in da.dims:
            raise ConfigError(f"--sel {dim}=...: no dim {dim!r}; the dims are {list(da.dims)}.")
        if dim not in da.coords:
            raise ConfigError(f"--sel {dim}=...: {dim!r} has no coordinate labels to select.")
        labels = np.asarray(da.coords[dim].values)
        span = f"{labels.min()}..{labels.max()}" if labels.size else "none"
        if isinstance(want, list):
            absent = [v for v in want if v not in set(labels.tolist())]
            if absent:
                raise ConfigError(
                    f"--sel {dim}: no label {absent[0]!r}; the labels run {span}."
                )  # fmt: skip
            da = da.sel({dim: want})
            continue
        start, stop = want.start, want.stop
        ascending = labels.size < 2 or labels[-1] >= labels[0]
        if start is not None and stop is not None and (start > stop) == ascending:
            start, stop = stop, start
        picked = da.sel({dim: slice(start, stop)})
        if picked.sizes[dim] == 0:
            shown = f"{'' if want.start is None else want.start}:" + (
                "" if want.stop is None else str(want.stop)
            )
            raise ConfigError(f"--sel {dim}={shown} selects nothing; the labels run {span}.")
        da = picked
    return da
