"""Header scans: suggest byte locations from value statistics."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from promethium.io.segy.headers import (
    PROFILES,
    TRACE_FIELDS,
    XY_FIELDS,
    header_word,
    parse_word,
    read_words,
)
from promethium.io.segy.layout import read_layout

__all__ = ["HeaderScan", "HeaderTable", "WordStats", "header_words", "scan_headers"]

#: 4-byte trace header words that may hold geometry keys (standard and common alternates).
CANDIDATE_BYTES = (1, 5, 9, 13, 17, 21, 25, 37, 73, 77, 81, 85, 181, 185, 189, 193, 197, 221, 225)
_STANDARD_PAIRS = {(189, 193), (9, 13), (9, 37), (21, 37)}
#: (iline, xline) pairs of the named byte-location profiles: a small tie-break bonus.
_PROFILE_PAIRS = {
    (p["iline"], p["xline"])
    for p in PROFILES.values()
    if isinstance(p["iline"], int) and isinstance(p["xline"], int)
}
#: Standard coordinate words (source, group and CDP x/y): penalized as line keys.
COORDINATE_BYTES = frozenset(TRACE_FIELDS[name][0] for name in XY_FIELDS)
#: A line counter's largest magnitude and step (scaled coordinates are far larger).
_COUNTER_MAX, _COUNTER_STEP = 100_000, 100


@dataclass(frozen=True)
class WordStats:
    """Value statistics of one 4-byte header word over all traces."""

    byte: int
    n_unique: int
    min: int
    max: int
    n_changes: int  # value changes between consecutive traces
    sorted: bool  # non-decreasing in file order
    step: int = 0  # smallest difference between distinct values (0 when constant)

    @property
    def counter_likeness(self) -> float:
        """How much the word looks like a line counter, in [0, 1].

        The mean of three tests: the values are regularly spaced (about one value per
        step over the range), their step is small and their magnitude is small.
        """
        if self.n_unique < 2 or self.step <= 0:
            return 0.0
        regular = (self.max - self.min) // self.step + 1 <= 2 * self.n_unique
        small_step = self.step <= _COUNTER_STEP
        small = max(abs(self.min), abs(self.max)) < _COUNTER_MAX
        return (regular + small_step + small) / 3


@dataclass
class HeaderScan:
    """Result of :func:`scan_headers`: word statistics and suggested byte locations.

    Attributes
    ----------
    suggestion : dict of str to int
        Keyword arguments for :func:`open_segy`, e.g. ``{"iline": 221, "xline": 225}``,
        empty when nothing fits.
    geometry : str
        The geometry the suggestion gives: ``"3d"``, ``"prestack"``, ``"2d"`` or
        ``"traces"``.
    candidates : list of tuple
        Ranked ``(score, slow_byte, fast_byte, fill)`` pairs that form a grid.
    """

    path: str
    n_traces: int
    words: list[WordStats]
    candidates: list[tuple[float, int, int, float]] = field(default_factory=list)
    suggestion: dict[str, int] = field(default_factory=dict)
    geometry: str = "traces"

    def to_text(self) -> str:
        """Render the scan as readable lines."""
        lines = [f"header scan of {self.path} ({self.n_traces} traces)"]
        for w in self.words:
            if w.n_unique > 1:
                lines.append(
                    f"  byte {w.byte:3d}: {w.n_unique} values in [{w.min}, {w.max}], "
                    f"{w.n_changes} changes{', sorted' if w.sorted else ''}"
                )
        for score, slow, fast, fill in self.candidates[:5]:
            lines.append(f"  grid {slow}/{fast}: fill {fill:.1%}, score {score:.2f}")
        args = ", ".join(f"{k}={v}" for k, v in self.suggestion.items())
        lines.append(f"suggestion: geometry={self.geometry!r} {args}".rstrip())
        return "\n".join(lines)

    __str__ = to_text


def _pair_fill(a: np.ndarray, b: np.ndarray) -> float | None:
    pairs = np.unique(np.stack([a, b], axis=1), axis=0)
    if pairs.shape[0] != a.size:
        return None  # duplicate positions
    return a.size / (np.unique(a).size * np.unique(b).size)


def scan_headers(path: str | os.PathLike[str], *, min_fill: float = 0.5) -> HeaderScan:
    """Suggest the inline/crossline (or shot/offset/channel) byte locations of a file.

    Each candidate 4-byte word is summarized (cardinality, range, changes between
    consecutive traces, sortedness, step). Pairs of varying words whose value grid has
    no duplicate positions and is at least `min_fill` full are scored: fuller grids,
    a sorted slow key that changes once per value, small-integer counters (regular
    spacing, small step, small magnitude) and standard pairs score higher; known
    profile pairs such as 221/225 win ties. The standard coordinate words (source,
    group and CDP x/y: bytes 73/77, 81/85, 181/185) are penalized as line keys, and a
    coordinate word is never paired with a non-coordinate word.

    Parameters
    ----------
    path : str or os.PathLike
        The SEG-Y file.
    min_fill : float, optional
        Smallest fraction of grid positions holding a trace.

    Returns
    -------
    HeaderScan
        Statistics, ranked grid candidates and a suggestion for :func:`open_segy`.

    Raises
    ------
    SegyFormatError
        If the file is not a readable SEG-Y file.

    Examples
    --------
    >>> scan = scan_headers("odd_bytes.sgy")  # doctest: +SKIP
    >>> open_segy("odd_bytes.sgy", **scan.suggestion)  # doctest: +SKIP
    """
    layout = read_layout(path)
    n = layout.n_traces
    words_read = read_words(layout, [(b, 4) for b in CANDIDATE_BYTES])  # 221: NumPy fallback
    values = {b: words_read[b, 4] for b in CANDIDATE_BYTES}
    words = []
    for b, v in values.items():
        changes = int(np.count_nonzero(np.diff(v)))
        sorted_ = bool(np.all(np.diff(v) >= 0))
        distinct = np.unique(v)
        step = int(np.diff(distinct).min()) if distinct.size > 1 else 0
        words.append(
            WordStats(b, int(distinct.size), int(v.min()), int(v.max()), changes, sorted_, step)
        )
    varying = [w for w in words if 1 < w.n_unique < n]
    candidates = []
    for i, wa in enumerate(varying):
        for wb in varying[i + 1 :]:
            if (wa.byte in COORDINATE_BYTES) != (wb.byte in COORDINATE_BYTES):
                continue  # never a coordinate with a counter
            cells = wa.n_unique * wb.n_unique
            if not n <= cells <= n / min_fill:
                continue
            slow, fast = (wa, wb) if wa.n_changes <= wb.n_changes else (wb, wa)
            fill = _pair_fill(values[slow.byte], values[fast.byte])
            if fill is None or fill < min_fill:
                continue
            score = fill + 0.5 * (slow.n_changes == slow.n_unique - 1) + 0.25 * slow.sorted
            score += 0.3 * ((slow.byte, fast.byte) in _STANDARD_PAIRS)
            score += 0.1 * ((slow.byte, fast.byte) in _PROFILE_PAIRS)
            score += 0.2 * (slow.counter_likeness + fast.counter_likeness)
            score -= 1.0 * (slow.byte in COORDINATE_BYTES)
            candidates.append((round(score, 3), slow.byte, fast.byte, fill))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    scan = HeaderScan(str(path), n, words, candidates)
    if candidates:
        _, slow_byte, fast_byte, _ = candidates[0]
        if fast_byte in (37, 13):
            fast_name = "offset" if fast_byte == 37 else "channel"
            scan.suggestion = {"shot": slow_byte, fast_name: fast_byte}
            scan.geometry = "prestack"
        else:
            scan.suggestion = {"iline": slow_byte, "xline": fast_byte}
            scan.geometry = "3d"
    else:
        unique = [w for w in words if w.n_unique == n and w.sorted and n > 1]
        if unique:
            scan.suggestion, scan.geometry = {"cdp": unique[0].byte}, "2d"
    return scan


#: Words :func:`header_words` shows by default: the geometry keys, then the CDP position.
DEFAULT_WORDS = ("iline", "xline", "offset", "cdp", "shot", "channel", "cdp_x", "cdp_y",
                 "coordinate_scalar")  # fmt: skip


@dataclass
class HeaderTable:
    """Trace header words of some traces (see :func:`header_words`).

    Attributes
    ----------
    traces : numpy.ndarray
        The file trace numbers (0-based), one per row.
    words : dict of str to tuple of int
        ``name -> (byte, size)`` of each column.
    values : dict of str to numpy.ndarray
        ``name -> int64 values``, one per row, as stored (scalars not applied).
    """

    traces: np.ndarray
    words: dict[str, tuple[int, int]]
    values: dict[str, np.ndarray]

    def to_dict(self) -> dict[str, object]:
        """Plain data: the byte location of each word and one record per trace."""
        rows = [
            {"trace": int(t), **{n: int(v[i]) for n, v in self.values.items()}}
            for i, t in enumerate(self.traces)
        ]
        return {"words": {n: list(w) for n, w in self.words.items()}, "rows": rows}


def _word_spec(name: str, keys: dict[str, tuple[int, int]]) -> tuple[int, int]:
    from promethium.errors import ConfigError

    if name in keys:
        return keys[name]
    if name in TRACE_FIELDS:
        return TRACE_FIELDS[name]
    byte, _, size = name.partition(":")
    if byte.isdigit() and (size == "" or size.isdigit()):
        return parse_word((int(byte), int(size or 4)), name)
    raise ConfigError(
        f"unknown header word {name!r}; give a byte location such as 221 or 115:2 "
        f"(byte:size), or one of {sorted({*keys, *TRACE_FIELDS})}."
    )


def header_words(
    path: str | os.PathLike[str],
    words: Sequence[str] | None = None,
    traces: slice | Sequence[int] = slice(0, 10),
    *,
    profile: str | None = None,
    **byte_locations: int | tuple[int, int] | None,
) -> HeaderTable:
    """Read trace header words of some traces, as segyio's ``f.header[i]`` shows them.

    Only the headers of the selected traces are read.

    Parameters
    ----------
    path : str or os.PathLike
        The SEG-Y file.
    words : sequence of str, optional
        Columns: a key name (``iline``, ``xline``, ``offset``, ``cdp``, ``shot``,
        ``channel``, at the byte locations of `profile` and `byte_locations`), a
        standard word name (``cdp_x``, ``delay``, ``coordinate_scalar``, ...), or a
        1-based byte location ``"221"`` (4 bytes) or ``"115:2"`` (byte:size).
        Default: :data:`DEFAULT_WORDS`.
    traces : slice or sequence of int, optional
        Which traces (0-based, in file order); the first ten by default.
    profile : str, optional
        Named byte-location profile for the keys.
    **byte_locations
        Byte location of a key, e.g. ``iline=221``.

    Returns
    -------
    HeaderTable
        One row per trace; values as stored (coordinate scalars not applied).

    Raises
    ------
    ConfigError
        For an unknown word, a bad byte location, or a trace number outside the file.
    SegyFormatError
        If the file is not a readable SEG-Y file.

    Examples
    --------
    >>> table = header_words("survey.sgy", ["iline", "xline", "221"], slice(0, 3))
    ... # doctest: +SKIP
    >>> table.values["iline"]  # doctest: +SKIP
    array([1000, 1000, 1000])
    """
    from promethium.errors import ConfigError
    from promethium.io.segy.headers import read_headers_at, resolve_byte_locations

    layout = read_layout(path)
    keys = resolve_byte_locations(profile, dict(byte_locations))
    chosen = {name: _word_spec(name, keys) for name in (words or DEFAULT_WORDS)}
    n = layout.n_traces
    if isinstance(traces, slice):
        index = np.arange(n)[traces]
    else:
        index = np.asarray(list(traces), dtype=np.int64)
        bad = index[(index < -n) | (index >= n)]
        if bad.size:
            raise ConfigError(f"trace {int(bad[0])} is outside the file's {n} traces (0..{n - 1}).")
        index = np.where(index < 0, index + n, index)
    headers = read_headers_at(layout, index)
    values = {name: header_word(headers, w, layout.endian) for name, w in chosen.items()}
    return HeaderTable(index, chosen, values)
