"""Blind tests in rounds: more hidden traces from one sample, scores pooled over rounds.

A sample of a few small gathers hides few traces at a time, too few to tell models
apart. :func:`blind_rounds` hides other traces of the same gathers in further rounds
(:meth:`~promethium.holdout.Holdout.again`) until enough distinct traces have been
hidden, reading the survey once; :func:`pool_scores` pools a model's scores over the
rounds, weighted by hidden traces, and :func:`pooled_record` describes the rounds.
The ``auto`` model chooses with them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.errors import InvalidDataError
from promethium.holdout import SCORE_NAMES, HidePattern, Holdout, hide_traces

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["blind_rounds", "pool_scores", "pooled_record"]


def blind_rounds(
    da: xr.DataArray,
    fraction: float = 0.1,
    *,
    seed: int = 0,
    gathers: int | None = None,
    pattern: HidePattern = "random",
    min_hidden: int = 1,
    max_rounds: int = 1,
) -> list[Holdout]:
    """Blind tests on one sample of `da`, in rounds until `min_hidden` traces are hidden.

    The first round is :func:`hide_traces` (which samples the gathers, and computes
    them for dask data); later rounds hide other traces of the same gathers
    (:meth:`Holdout.again`, seeds ``seed + 1``, ...), so the survey is read once. A
    round that hides no trace not hidden before is dropped, as is one that can hide
    none; at most `max_rounds` are tried.

    Parameters
    ----------
    da, fraction, seed, gathers, pattern
        As for :func:`hide_traces`.
    min_hidden : int, default 1
        Distinct hidden traces wanted over the rounds.
    max_rounds : int, default 1
        Most rounds tried.

    Returns
    -------
    list of Holdout
        At least one round.

    Raises
    ------
    InvalidDataError
        If the first round cannot hide a trace.

    Examples
    --------
    >>> import promethium as pm
    >>> da = pm.synthetic_gather(n_traces=40, n_samples=16)
    >>> rounds = blind_rounds(da, 0.1, min_hidden=10, max_rounds=8)
    >>> seen = frozenset().union(*(r.hidden_positions for r in rounds))
    >>> [r.seed for r in rounds], len(seen) >= 10
    ([0, 1, 2], True)
    """
    first = hide_traces(da, fraction, seed=seed, gathers=gathers, pattern=pattern)
    rounds, seen = [first], set(first.hidden_positions)
    for round_ in range(1, max_rounds):
        if len(seen) >= min_hidden:
            break
        try:
            again = first.again(seed + round_)
        except InvalidDataError:
            continue
        new = again.hidden_positions - seen
        if not new:  # e.g. every other trace of a decimated gather again: no trial
            continue
        rounds.append(again)
        seen |= new
    return rounds


def pooled_record(rounds: Sequence[Holdout]) -> dict[str, Any]:
    """The first round's :meth:`Holdout.record`; with more rounds, their seeds and counts.

    ``n_hidden`` counts the scored hides of all rounds (a trace hidden in two rounds
    twice: :func:`pool_scores` weighs them so); ``n_distinct_hidden`` the different
    traces among them.
    """
    first = rounds[0].record()
    if len(rounds) == 1:
        return first
    return {
        **first,
        "rounds": len(rounds),
        "seeds": [r.seed for r in rounds],
        "n_hidden": sum(r.n_hidden for r in rounds),
        "n_distinct_hidden": len(frozenset().union(*(r.hidden_positions for r in rounds))),
    }


def pool_scores(
    rounds: Sequence[Mapping[str, Any]], names: Sequence[str] = SCORE_NAMES
) -> dict[str, Any]:
    """Scores of several rounds (:meth:`HoldoutScore.as_dict`) as one, weighted by hidden traces.

    Each of `names` is the mean over the rounds weighted by their ``n_hidden``: an
    infinite score stays infinite, whatever the finite others; ``inf`` with ``-inf``
    (e.g. an SNR gain on a round whose zero-filled input was already exact) or a NaN
    gives NaN. ``n_hidden`` is the sum.

    Examples
    --------
    >>> pool_scores([{"snr_db": 10.0, "n_hidden": 1}, {"snr_db": 2.0, "n_hidden": 3}],
    ...             names=["snr_db"])
    {'snr_db': 4.0, 'n_hidden': 4}
    """
    weights = [int(r["n_hidden"]) for r in rounds]
    pooled: dict[str, Any] = {}
    with np.errstate(invalid="ignore"):
        for name in names:
            values = np.asarray([r[name] for r in rounds], dtype=float)
            pooled[name] = float(np.average(values, weights=weights))
    pooled["n_hidden"] = sum(weights)
    return pooled
