"""Blind tests in rounds over one sample (Holdout.again, blind_rounds), pooled scores."""

from __future__ import annotations

import math

import dask
import numpy as np
import pytest
import xarray as xr

import promethium as pm
from promethium.errors import InvalidDataError
from promethium.holdout import hide_traces, score
from promethium.holdout_rounds import blind_rounds, pool_scores, pooled_record


def _shots(n_shots=12, n_traces=16, chunked=False):
    gathers = [pm.synthetic_gather(n_traces=n_traces, n_samples=32, seed=s) for s in range(n_shots)]
    da = xr.concat(gathers, dim="shot").assign_coords(shot=("shot", np.arange(n_shots)))
    da = pm.apply_trace_mask(
        da.transpose("shot", "offset", "time"), pm.random_mask(da, 0.3, seed=2)
    )
    return da.chunk({"shot": 1}) if chunked else da


def test_again_hides_other_traces_of_the_same_gathers():
    first = hide_traces(_shots(), 0.1, seed=0, gathers=3, pattern="survey")
    second = first.again(seed=1)
    assert second.gathers == first.gathers and second.n_gathers == first.n_gathers == 12
    assert second.seed == 1 and second.fraction == first.fraction and second.pattern == "survey"
    xr.testing.assert_identical(second.truth, first.truth)
    assert second.hidden_positions != first.hidden_positions
    assert all(g in first.gathers for g, _ in second.hidden_positions)
    # The hidden traces are live ones of the sample, and their truth is kept.
    live = np.asarray(first.truth.trace_mask.values, bool)
    assert not (np.asarray(second.hidden.values) & ~live).any()
    assert score(second, second.truth).ssim == 1.0


def test_hidden_positions_name_the_survey_gathers():
    blind = hide_traces(_shots(), 0.2, seed=4, gathers=2)
    rows = np.asarray(blind.hidden.values).reshape(2, -1)
    expected = {(g, int(i)) for g, row in zip(blind.gathers, rows) for i in np.flatnonzero(row)}
    assert blind.hidden_positions == expected and len(expected) == blind.n_hidden


def test_rounds_until_enough_distinct_traces_on_the_computed_sample():
    lazy = _shots(chunked=True)
    with dask.config.set(scheduler="sync"):
        one = blind_rounds(lazy, 0.1, gathers=3, pattern="survey")
        many = blind_rounds(lazy, 0.1, gathers=3, pattern="survey", min_hidden=12, max_rounds=8)
    assert len(one) == 1 and one[0].hidden_positions == many[0].hidden_positions
    assert len(many) > 1 and not any(dask.is_dask_collection(r.truth.data) for r in many)
    seen = frozenset().union(*(r.hidden_positions for r in many))
    assert len(seen) >= 12 and [r.seed for r in many] == list(range(len(many)))
    assert {r.gathers for r in many} == {many[0].gathers}
    capped = blind_rounds(lazy, 0.1, gathers=3, pattern="survey", min_hidden=10**6, max_rounds=3)
    assert len(capped) <= 3
    record = pooled_record(many)
    assert record["rounds"] == len(many) and record["seeds"] == [r.seed for r in many]
    assert record["n_hidden"] == sum(r.n_hidden for r in many) >= record["n_distinct_hidden"]
    assert record["n_distinct_hidden"] == len(seen) and pooled_record(one) == one[0].record()


def test_a_round_that_hides_nothing_new_is_dropped():
    section = pm.synthetic_section(n_traces=64, n_samples=32)
    live = np.zeros(64, bool)
    live[::2] = True  # decimated by 2: a round hides one half of the live traces
    decimated = pm.apply_trace_mask(section, live)
    rounds = blind_rounds(decimated, 0.1, pattern="survey", min_hidden=10**6, max_rounds=8)
    assert len(rounds) <= 2 and sum(r.n_hidden for r in rounds) <= 32


def test_the_first_round_must_hide_a_trace():
    with pytest.raises(InvalidDataError, match="no live trace can be hidden"):
        blind_rounds(pm.synthetic_gather(n_traces=4, n_samples=16), 0.1, max_rounds=4)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1.0, 4.0], 3.25),  # weighted by hidden traces: (1 * 1 + 4 * 3) / 4
        ([math.inf, -2.0], math.inf),  # perfect on one round, worse than zero fill on one
        ([-math.inf, 2.0], -math.inf),
        ([math.inf, -math.inf], math.nan),  # no mean, not either sign
        ([math.nan, 2.0], math.nan),
    ],
)
def test_round_scores_pool_as_a_weighted_mean(values, expected):
    rounds = [{"snr_db": v, "n_hidden": n} for v, n in zip(values, [1, 3])]
    pooled = pool_scores(rounds, ["snr_db"])
    assert pooled["n_hidden"] == 4
    assert pooled["snr_db"] == expected or (math.isnan(expected) and math.isnan(pooled["snr_db"]))


def test_pooled_scores_of_real_rounds_cover_every_score():
    rounds = blind_rounds(_shots(), 0.1, gathers=3, pattern="survey", min_hidden=20, max_rounds=8)
    scores = [score(r, r.truth).as_dict() for r in rounds]
    pooled = pool_scores(scores)
    assert set(pooled) == {"snr_improvement_db", "snr_db", "ssim", "mse", "coherence", "n_hidden"}
    assert pooled["ssim"] == 1.0 and pooled["mse"] == 0.0
    assert pooled["n_hidden"] == sum(r.n_hidden for r in rounds)
