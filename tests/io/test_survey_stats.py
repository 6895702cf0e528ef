from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from promethium.io.survey_stats import fold_stats, key_stats


@given(
    st.lists(st.integers(-10_000, 10_000), min_size=1, max_size=40),
    st.integers(1, 50),
)
def test_key_stats_step_divides_every_difference(values, scale):
    v = np.array(values, dtype=np.int64) * scale
    s = key_stats("k", v)
    distinct = np.unique(v)
    assert (s.min, s.max, s.count) == (distinct[0], distinct[-1], distinct.size)
    if distinct.size > 1:
        assert all(d % s.step == 0 for d in np.diff(distinct))
        assert s.step % scale == 0
        assert 0 < s.regularity <= 1
        assert s.regular == (distinct.size == (distinct[-1] - distinct[0]) // s.step + 1)
    else:
        assert s.step == 0 and s.describe() == "constant"


def test_key_stats_ignores_nan_and_handles_empty():
    s = key_stats("offset", np.array([np.nan, 10.0, 20.0, 30.0]))
    assert (s.min, s.max, s.step, s.count, s.regular) == (10.0, 30.0, 10.0, 3, True)
    empty = key_stats("offset", np.array([np.nan]))
    assert empty.count == 0 and math.isnan(empty.min)


def test_fold_counts_traces_per_bin():
    f = fold_stats("cdp", [np.array([1, 1, 2, 3, 3, 3])])
    assert f is not None and (f.n_bins, f.min, f.max, f.mean) == (3, 1, 3, 2.0)
    assert fold_stats("cdp", [np.array([], dtype=int)]) is None
