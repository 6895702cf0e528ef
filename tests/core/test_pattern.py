"""The missing-trace pattern classifier: regular decimation versus the rest."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

import promethium as pm
from promethium.core.pattern import (
    FOURIER_UNFIT,
    MAX_PERIOD,
    MIN_FOURIER_LIVE,
    gather_patterns,
    missing_pattern,
)
from promethium.errors import InvalidDataError


@given(
    n=st.integers(6 * MAX_PERIOD, 400),
    period=st.integers(2, MAX_PERIOD),
    phase=st.integers(0, MAX_PERIOD - 1),
    keep_many=st.booleans(),
)
def test_periodic_decimation_is_regular(n, period, phase, keep_many):
    residue = (np.arange(n) - phase) % period
    # keep one in `period`, or miss one in `period`: both are periodic gaps
    live = residue != 0 if keep_many else residue == 0
    assert missing_pattern(live) == "regular"


@given(n=st.integers(64, 400), period=st.integers(2, 4), seed=st.integers(0, 2**32 - 1))
def test_decimation_with_a_few_extra_dead_traces_stays_regular(n, period, seed):
    live = np.arange(n) % period == 0
    rng = np.random.default_rng(seed)
    live[rng.choice(n, size=n // 40, replace=False)] = False
    assert missing_pattern(live) == "regular"


@pytest.mark.parametrize("fraction", [0.02, 0.1, 0.3, 0.5, 0.7])
def test_random_missing_traces_are_irregular(fraction):
    rng = np.random.default_rng(7)
    verdicts = [missing_pattern(rng.random(128) > fraction) for _ in range(200)]
    assert verdicts.count("regular") == 0


@given(n_gaps=st.integers(1, 4), width=st.integers(1, 30), seed=st.integers(0, 1000))
def test_contiguous_gaps_are_irregular(n_gaps, width, seed):
    da = xr.DataArray(np.ones((200, 2)), dims=("trace", "time"))
    live = pm.gap_mask(da, n_gaps, width, seed=seed).values
    assert missing_pattern(live) == "irregular"


def test_edges_are_ignored_and_trivial_lines_named():
    live = np.arange(40) % 2 == 0
    live[:9] = False  # a run of missing traces before the line starts
    live[30:] = False
    assert missing_pattern(live) == "regular"
    assert missing_pattern(np.ones(10, bool)) == "complete"
    assert missing_pattern(np.zeros(10, bool)) == "empty"
    assert missing_pattern(np.array([True, False, True])) == "sparse"  # too few live


@given(n=st.integers(2, 200), n_live=st.integers(1, MIN_FOURIER_LIVE - 1), seed=st.integers(0, 999))
def test_lines_with_too_few_live_traces_for_fourier_are_sparse(n, n_live, seed):
    live = np.zeros(n, bool)
    live[np.random.default_rng(seed).choice(n, size=min(n_live, n - 1), replace=False)] = True
    assert missing_pattern(live) == "sparse"
    assert "sparse" in FOURIER_UNFIT


@pytest.mark.parametrize("period", range(2, MAX_PERIOD + 1))
def test_a_decimated_line_is_sparse_or_regular_never_irregular(period):
    for n_live in range(1, MIN_FOURIER_LIVE + 2):
        live = np.zeros(period * n_live + 3, bool)
        live[1 : 1 + period * n_live : period] = True
        assert missing_pattern(live) in FOURIER_UNFIT, (period, n_live)


def test_non_1d_line_is_refused():
    with pytest.raises(InvalidDataError, match="must be 1-D"):
        missing_pattern(np.ones((2, 3), bool))


def test_gather_patterns_per_batch_index():
    da = xr.DataArray(np.ones((2, 3, 64, 4)), dims=("iline", "shot", "xline", "time"))
    live = np.ones((2, 3, 64), bool)
    live[0, 1, ::2] = False
    live[1, 2, 10:20] = False
    live[1, 0] = False
    mask = pm.with_trace_mask(da, live).trace_mask
    out = gather_patterns(mask)
    assert out.shape == (2, 3)
    assert out.tolist() == [
        ["complete", "regular", "complete"],
        ["empty", "complete", "irregular"],
    ]
