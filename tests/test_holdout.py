"""Blind tests: hiding live traces of a sample and scoring on them only."""

from __future__ import annotations

import dask
import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

import promethium as pm
from promethium import metrics
from promethium.core.pattern import missing_pattern
from promethium.errors import ConfigError, InvalidDataError
from promethium.holdout import SAMPLE_DIM, hide_traces, score


def _survey(n_shots: int, n_traces: int, live: np.ndarray, chunked: bool = False) -> xr.DataArray:
    rng = np.random.default_rng(n_shots * 1000 + n_traces)
    values = rng.standard_normal((n_shots, n_traces, 16)).astype(np.float32)
    values[~live] = 0.0
    da = xr.DataArray(
        values,
        dims=("shot", "offset", "time"),
        coords={"shot": np.arange(n_shots) * 10, "offset": np.arange(n_traces) * 25.0},
    ).assign_coords(trace_mask=(("shot", "offset"), live))
    return da.chunk({"shot": 1}) if chunked else da


def _expected_count(fraction: float, n_live: int) -> int:
    exact = fraction * n_live
    return int(np.floor(exact)) if exact - np.floor(exact) <= 0.5 else int(np.ceil(exact))


@given(
    n_shots=st.integers(1, 4),
    n_traces=st.integers(4, 40),
    dead=st.floats(0.0, 0.6),
    fraction=st.floats(0.02, 0.5),
    seed=st.integers(0, 2**16),
    pattern=st.sampled_from(["random", "survey"]),
    data=st.data(),
)
def test_hidden_traces_are_live_counted_and_kept_as_truth(
    n_shots, n_traces, dead, fraction, seed, pattern, data
):
    rng = np.random.default_rng(seed)
    live = rng.random((n_shots, n_traces)) >= dead
    live[:, :2] = True  # at least two live traces per gather
    if data.draw(st.booleans()):
        live[:, 1::2] = False  # regular decimation
        live[:, 0] = True
    da = _survey(n_shots, n_traces, live)
    before = da.copy(deep=True)
    counts = live.sum(axis=1)
    regular = [pattern == "survey" and missing_pattern(row) == "regular" for row in live]
    if not any(regular) and all(_expected_count(fraction, int(n)) == 0 for n in counts):
        with pytest.raises(InvalidDataError, match="needs at least"):
            hide_traces(da, fraction, seed=seed, pattern=pattern)
        return
    blind = hide_traces(da, fraction, seed=seed, pattern=pattern)
    xr.testing.assert_identical(da, before)  # the input is never modified
    hidden = blind.hidden.values
    assert not (hidden & ~live).any()  # hidden ⊆ live
    for row in range(n_shots):
        if pattern == "survey" and missing_pattern(live[row]) == "regular":
            assert hidden[row].sum() == counts[row] // 2  # every other live trace
        else:
            assert hidden[row].sum() == _expected_count(fraction, int(counts[row]))
    np.testing.assert_array_equal(blind.data.trace_mask.values, live & ~hidden)
    assert (blind.data.values[hidden] == 0).all()
    np.testing.assert_array_equal(blind.truth.values, da.values)
    np.testing.assert_array_equal(blind.data.values[~hidden], da.values[~hidden])
    perfect = score(blind, blind.truth)
    assert perfect.snr_db == float("inf") and perfect.snr_improvement_db == float("inf")
    assert perfect.ssim == 1.0 and perfect.mse == 0.0 and perfect.coherence == 1.0
    assert np.isinf(perfect.trace_snr_db.values[hidden]).all()
    assert np.isnan(perfect.trace_snr_db.values[~hidden]).all()


@given(seed=st.integers(0, 1000), pattern=st.sampled_from(["random", "survey"]))
def test_same_seed_same_holdout(seed, pattern):
    live = np.ones((3, 30), bool)
    live[:, 10:13] = False
    da = _survey(3, 30, live)
    a = hide_traces(da, 0.2, seed=seed, pattern=pattern)
    b = hide_traces(da, 0.2, seed=seed, pattern=pattern)
    np.testing.assert_array_equal(a.hidden.values, b.hidden.values)


def test_survey_pattern_doubles_the_period_of_regular_decimation():
    live = np.zeros((1, 64), bool)
    live[0, ::2] = True
    blind = hide_traces(_survey(1, 64, live), 0.1, seed=3, pattern="survey")
    hidden = np.flatnonzero(blind.hidden.values[0])
    assert hidden.size == 16  # half the live traces, whatever the fraction
    assert set(np.diff(hidden)) == {4}
    kept = np.flatnonzero(blind.data.trace_mask.values[0])
    assert set(np.diff(kept)) == {4}  # decimation by 4: still regular
    assert missing_pattern(blind.data.trace_mask.values[0]) == "regular"


def test_survey_pattern_hides_runs_as_long_as_the_surveys_gaps():
    live = np.ones((1, 80), bool)
    live[0, 20:24] = False
    live[0, 50:54] = False
    blind = hide_traces(_survey(1, 80, live), 0.1, seed=0, pattern="survey")
    hidden = blind.hidden.values[0]
    assert hidden.sum() == 7
    runs = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], hidden, [0]]).astype(int))))[::2]
    assert sorted(runs) == [3, 4]  # one run of 4, the rest of the count in one run
    # kept apart from the survey's gaps: no missing run is longer than 4 afterwards
    missing = ~blind.data.trace_mask.values[0]
    gaps = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], missing, [0]]).astype(int))))
    assert gaps[::2].max() == 4


def test_random_pattern_hides_single_traces_anywhere():
    live = np.ones((1, 200), bool)
    blind = hide_traces(_survey(1, 200, live), 0.5, seed=1)
    assert blind.n_hidden == 100
    assert blind.record() == {
        "fraction": 0.5,
        "seed": 1,
        "pattern": "random",
        "gathers": "0",
        "n_sampled": 1,
        "n_gathers": 1,
        "n_hidden": 100,
        "n_live": 200,
    }


def test_lazy_survey_computes_only_the_sampled_gathers():
    live = np.ones((12, 20), bool)
    da = _survey(12, 20, live, chunked=True)
    read = []

    def record(block, block_info=None):
        read.append(block_info[0]["chunk-location"][0])
        return block

    da = da.copy(data=da.data.map_blocks(record, dtype=da.dtype))
    blind = hide_traces(da, 0.1, seed=7)
    assert len(blind.gathers) == 4  # DEFAULT_GATHERS of a dask-backed survey
    assert sorted(set(read)) == list(blind.gathers)  # one chunk per shot: only those read
    assert [g // 3 for g in blind.gathers] == [0, 1, 2, 3]  # one from each quarter
    assert blind.data.sizes["shot"] == 4
    np.testing.assert_array_equal(blind.data.shot.values, np.array(blind.gathers) * 10)
    assert not dask.is_dask_collection(blind.data.data)
    assert hide_traces(da, 0.1, seed=7).gathers == blind.gathers
    many = hide_traces(da, 0.1, seed=7, gathers=6)
    # a gather's hidden traces depend on the seed and its own index only
    for row, gather in enumerate(many.gathers):
        if gather in blind.gathers:
            np.testing.assert_array_equal(
                many.hidden.values[row], blind.hidden.values[blind.gathers.index(gather)]
            )


def test_in_memory_survey_takes_every_gather_and_only_sampled_ones_when_asked():
    da = _survey(5, 20, np.ones((5, 20), bool))
    assert hide_traces(da).gathers == (0, 1, 2, 3, 4)
    assert len(hide_traces(da, gathers=2).gathers) == 2
    assert hide_traces(da, gathers=50).gathers == (0, 1, 2, 3, 4)


def test_two_batch_dims_stack_the_sampled_gathers():
    values = np.random.default_rng(0).standard_normal((3, 4, 10, 8))
    da = xr.DataArray(values, dims=("inline", "crossline", "offset", "time"))
    blind = hide_traces(da, 0.2, gathers=3, seed=2)
    assert blind.data.dims == (SAMPLE_DIM, "offset", "time")
    flat = values.reshape(12, 10, 8)
    np.testing.assert_array_equal(blind.truth.values, flat[list(blind.gathers)])
    assert blind.n_gathers == 12


def test_single_panel_without_batch_dims(gather):
    blind = hide_traces(gather, 0.1)
    assert blind.data.dims == gather.dims and blind.gathers == (0,)
    assert blind.n_hidden == round(0.1 * gather.sizes["offset"])


def test_never_hides_dead_or_absent_traces(gather):
    holed = pm.apply_trace_mask(gather, pm.random_mask(gather, 0.5, seed=1))
    blind = hide_traces(holed, 0.5, seed=4)
    assert not (blind.hidden.values & ~holed.trace_mask.values).any()
    inferred = holed.drop_vars("trace_mask")  # dead traces are all zero: inferred missing
    blind = hide_traces(inferred, 0.5, seed=4)
    assert not (blind.hidden.values & ~holed.trace_mask.values).any()


def test_score_uses_the_metrics_on_hidden_traces_only(gather):
    blind = hide_traces(gather, 0.25, seed=2)
    estimate = blind.truth * 0.9
    estimate = estimate.where(blind.hidden, 5.0)  # live traces wildly wrong: not scored
    result = score(blind, estimate)
    hidden = blind.hidden
    assert result.snr_db == pytest.approx(20.0)
    assert result.snr_improvement_db == pytest.approx(20.0)  # zero fill scores 0 dB there
    assert result.mse == metrics.mse(blind.truth, estimate, hidden)
    assert result.coherence == pytest.approx(1.0)
    assert result.ssim == metrics.ssim(blind.truth, estimate, traces=hidden)
    np.testing.assert_allclose(result.trace_snr_db.values[hidden.values], 20.0, rtol=1e-6)
    nothing = score(blind, blind.data)
    assert nothing.snr_db == 0.0 and nothing.coherence == 0.0
    assert score(blind, estimate.chunk()).snr_db == pytest.approx(20.0)
    assert score(blind, estimate.values).snr_db == pytest.approx(20.0)


def test_score_aligns_a_labelled_estimate(gather):
    blind = hide_traces(gather, 0.25, seed=2)
    flipped = blind.truth.isel(offset=slice(None, None, -1))
    assert score(blind, flipped).snr_db == float("inf")


@pytest.mark.parametrize("fraction", [0, -0.1, 0.51, 1.0, float("nan"), True, "0.1", None])
def test_fraction_outside_range_is_refused(gather, fraction):
    message = (
        "hide_traces: fraction must be a number in (0, 0.5] (the share of live traces "
        f"hidden); got {fraction!r}."
    )
    with pytest.raises(ConfigError) as info:
        hide_traces(gather, fraction)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, "hide_traces: seed must be an integer >= 0; got -1."),
        ({"seed": 1.5}, "hide_traces: seed must be an integer >= 0; got 1.5."),
        ({"gathers": 0}, "hide_traces: gathers must be an integer >= 1; got 0."),
        ({"gathers": True}, "hide_traces: gathers must be an integer >= 1; got True."),
        (
            {"pattern": "gaps"},
            "hide_traces: pattern must be one of random, survey; got 'gaps'.",
        ),
    ],
)
def test_bad_options_are_refused(gather, kwargs, message):
    with pytest.raises(ConfigError) as info:
        hide_traces(gather, **kwargs)
    assert str(info.value) == message


def test_too_few_live_traces_names_how_many_are_needed():
    live = np.zeros((2, 20), bool)
    live[:, :4] = True
    da = _survey(2, 20, live)
    with pytest.raises(InvalidDataError) as info:
        hide_traces(da, 0.1)
    assert str(info.value) == (
        "hide_traces: no live trace can be hidden: hiding 0.1 of a gather's live traces "
        "(rounded half down) needs at least 6 live traces in one gather; the 2 sampled "
        "gather(s) of {'shot': 2, 'offset': 20, 'time': 16} hold at most 4. Raise fraction "
        "or sample more gathers."
    )
    assert hide_traces(da, 0.2).n_hidden == 2  # 0.2 * 4 = 0.8 rounds to 1 per gather


def test_data_without_a_trace_dim_is_refused():
    with pytest.raises(InvalidDataError, match="needs a trace dim"):
        hide_traces(xr.DataArray(np.ones(8), dims=("time",)))
