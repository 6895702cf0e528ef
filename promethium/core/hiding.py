"""Which live traces of one line to hide: at random, in runs like its gaps, or every other.

The placement behind :func:`promethium.holdout.hide_traces` (whose module notes say why
each pattern), on one line of traces at a time: a 1-D boolean of live traces in, a 1-D
boolean of traces to hide out.
"""

from __future__ import annotations

import math

import numpy as np

from promethium.core.pattern import missing_pattern

__all__ = ["hide_line", "n_hide"]


def n_hide(fraction: float, n_live: int) -> int:
    """``round(fraction * n_live)``, rounded half down."""
    return max(0, math.ceil(fraction * n_live - 0.5))


def hide_line(
    live: np.ndarray, fraction: float, pattern: str, rng: np.random.Generator
) -> np.ndarray:
    """Choose the live traces of one line (1-D boolean) to hide."""
    hidden = np.zeros_like(live)
    index = np.flatnonzero(live)
    if pattern == "survey" and missing_pattern(live) == "regular":
        phase = int(rng.integers(2)) if index.size % 2 == 0 else 1
        hidden[index[phase::2]] = True  # every other live trace: the period doubles
        return hidden
    k = n_hide(fraction, index.size)
    if k == 0:
        return hidden
    if pattern == "random":
        hidden[rng.choice(index, size=k, replace=False)] = True
    else:
        _hide_runs(live, hidden, k, _gap_lengths(live), rng)
    return hidden


def _gap_lengths(live: np.ndarray) -> np.ndarray:
    """Lengths of the runs of missing traces between the first and last live trace."""
    first, last = np.flatnonzero(live)[[0, -1]]
    span = np.concatenate([[True], live[first : last + 1], [True]])
    edges = np.flatnonzero(np.diff(span.astype(np.int8)))
    lengths = edges[1::2] - edges[::2]
    return lengths if lengths.size else np.array([1])


def _hide_runs(
    live: np.ndarray, hidden: np.ndarray, k: int, lengths: np.ndarray, rng: np.random.Generator
) -> None:
    """Hide `k` live traces in runs of adjacent traces with lengths drawn from `lengths`."""
    left = k
    while left:
        length = int(min(rng.choice(lengths), left))
        while True:
            starts = _run_starts(live & ~hidden, length)
            if starts.size:
                break
            length -= 1  # no room for a run this long: shorten it (length 1 always fits)
        begin = int(rng.choice(starts))
        hidden[begin : begin + length] = True
        left -= length


def _run_starts(free: np.ndarray, length: int) -> np.ndarray:
    """Starts of `length` free traces in a row, apart from other gaps where possible."""
    windows = np.lib.stride_tricks.sliding_window_view(free, length).all(axis=-1)
    padded = np.concatenate([[True], free, [True]])
    apart = windows & padded[: windows.size] & padded[length + 1 : length + 1 + windows.size]
    return np.flatnonzero(apart) if apart.any() else np.flatnonzero(windows)
