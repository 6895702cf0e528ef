"""The pattern of missing traces along a line: regular (periodic) decimation or not.

Fourier methods such as POCS fail on regular decimation (the missing traces alias
the live ones' spectrum, so the threshold keeps nothing to fill them with), while
interpolation along the trace coordinate handles it well. :func:`missing_pattern`
tells the two apart for one line of traces, :func:`gather_patterns` for every gather
of a mask; the ``auto`` model uses them to choose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from promethium.errors import InvalidDataError

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "FOURIER_UNFIT",
    "MAX_PERIOD",
    "MIN_FOURIER_LIVE",
    "REGULAR_AGREEMENT",
    "Pattern",
    "gather_patterns",
    "missing_pattern",
]

#: A line's missing-trace pattern: nothing missing, no live trace at all, too few live
#: traces for a Fourier method (sparse), periodic (regular decimation) or irregular
#: (random traces, gaps, ...).
Pattern = Literal["complete", "empty", "sparse", "regular", "irregular"]

#: Fewest live traces from which a Fourier method (POCS) can estimate a missing one;
#: with fewer, its thresholded spectrum holds next to nothing and the fill is near zero.
#: It is also the fewest with which decimation is recognised (four periods of span): a
#: line decimated to 4 live traces would otherwise be "irregular", and POCS filled one
#: (4 of 12 traces of a synthetic shot) at -1.9 dB where linear gave +1.8 dB.
MIN_FOURIER_LIVE = 5

#: The patterns that Fourier methods fill badly, and interpolation along the line well.
FOURIER_UNFIT: frozenset[str] = frozenset({"regular", "sparse"})

#: Longest decimation period looked for (keep one trace in 8 is the sparsest).
MAX_PERIOD = 8

#: Smallest fraction of the live span that must agree with a periodic template.
REGULAR_AGREEMENT = 0.9


def missing_pattern(live: np.ndarray) -> Pattern:
    """Classify the missing traces of one line (1-D boolean, True = live).

    Only the span from the first to the last live trace is looked at: missing traces
    before or after it say nothing about decimation. The span is **regular** when, for
    some period ``p`` from 2 to :data:`MAX_PERIOD` that it holds at least four times,
    the template "trace ``i`` is missing when at least two in three traces at
    ``i mod p`` are" has a missing and a live phase and agrees with at least
    :data:`REGULAR_AGREEMENT` of the span (a few extra dead traces in a decimated
    line are tolerated). Random traces and contiguous gaps are **irregular**: their
    template is all-live, or agrees too little. A line with some but fewer than
    :data:`MIN_FOURIER_LIVE` live traces is **sparse**, whatever their pattern.

    Parameters
    ----------
    live : numpy.ndarray
        One line's live-trace mask, 1-D boolean.

    Returns
    -------
    {"complete", "empty", "sparse", "regular", "irregular"}
        ``"complete"`` when no trace is missing, ``"empty"`` when none is live.

    Raises
    ------
    InvalidDataError
        If `live` is not one-dimensional.

    Examples
    --------
    >>> missing_pattern(np.arange(12) % 2 == 0)
    'regular'
    >>> missing_pattern(np.arange(12) % 3 != 1)
    'regular'
    >>> missing_pattern(np.array([1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1], bool))
    'irregular'
    >>> missing_pattern(np.array([0, 1, 0, 0, 1, 0], bool))
    'sparse'
    """
    line = np.asarray(live, dtype=bool)
    if line.ndim != 1:
        raise InvalidDataError(f"a line's live mask must be 1-D; got shape {line.shape}.")
    if line.all():
        return "complete"
    if not line.any():
        return "empty"
    if np.count_nonzero(line) < MIN_FOURIER_LIVE:
        return "sparse"
    first, last = np.flatnonzero(line)[[0, -1]]
    index = np.arange(first, last + 1)
    span = line[first : last + 1]
    for period in range(2, MAX_PERIOD + 1):
        if span.size < 4 * period:
            break
        phase = index % period
        live_share = np.bincount(phase, weights=span, minlength=period) / np.bincount(
            phase, minlength=period
        )
        template = live_share > 1 / 3  # a missing phase: at least 2 in 3 missing
        if template.all() or not template.any():
            continue
        if np.mean(template[phase] == span) >= REGULAR_AGREEMENT:
            return "regular"
    return "irregular"


def gather_patterns(mask: xr.DataArray) -> np.ndarray:
    """Classify the missing traces of every gather of an in-memory trace mask.

    A gather is one index of the batch dims: the line of traces along the trace dim
    (the mask's last dim, as in the data).

    Parameters
    ----------
    mask : xarray.DataArray
        Boolean live-trace mask over the trace dims, trace dim last, NumPy-backed
        (compute a lazy one first).

    Returns
    -------
    numpy.ndarray
        Object array of :data:`Pattern` strings, shaped like the batch dims (0-d for
        a single 2-D panel).

    Examples
    --------
    >>> import xarray as xr
    >>> live = np.array([np.arange(16) % 2 == 0, np.arange(16) != 5])
    >>> gather_patterns(xr.DataArray(live, dims=("shot", "offset"))).tolist()
    ['regular', 'irregular']
    """
    values = np.asarray(mask.values, dtype=bool)
    out = np.empty(values.shape[:-1], dtype=object)
    for index in np.ndindex(out.shape):
        out[index] = missing_pattern(values[index])
    return out
