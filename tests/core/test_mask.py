import dask.array as dska
import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

import promethium as pm
from promethium.core.mask import get_trace_mask
from promethium.errors import InvalidDataError


def _panel(n_batch, n_traces, n_samples=8):
    shape = (n_batch, n_traces, n_samples) if n_batch else (n_traces, n_samples)
    dims = ("shot", "offset", "time") if n_batch else ("offset", "time")
    return xr.DataArray(
        np.ones(shape, dtype=np.float32),
        dims=dims,
        coords={"time": ("time", np.arange(n_samples) * 2.0, {"units": "ms"})},
    )


def test_infer_marks_zero_and_nan_traces_missing():
    data = np.ones((4, 5), dtype=np.float32)
    data[1] = 0.0
    data[2] = np.nan
    data[3, :2] = 0.0  # partly zero is live
    mask = pm.infer_trace_mask(xr.DataArray(data, dims=("trace", "time")))
    assert mask.values.tolist() == [True, False, False, True]
    assert mask.dims == ("trace",)


def test_infer_is_lazy_on_dask():
    da = _panel(2, 6).chunk({"offset": 2})
    mask = pm.infer_trace_mask(da)
    assert isinstance(mask.data, dska.Array)
    assert mask.values.all()


@given(
    n_batch=st.integers(0, 3),
    n_traces=st.integers(1, 60),
    fraction=st.floats(0.0, 0.95),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_mask_removes_exact_count_and_is_reproducible(n_batch, n_traces, fraction, seed):
    da = _panel(n_batch, n_traces)
    mask = pm.random_mask(da, fraction, seed=seed)
    assert mask.dims == da.dims[:-1] and mask.dtype == bool
    missing = (~mask.values).reshape(-1, n_traces).sum(axis=-1)
    assert (missing == round(fraction * n_traces)).all()
    assert (pm.random_mask(da, fraction, seed=seed).values == mask.values).all()


@given(n_traces=st.integers(1, 80), keep_every=st.integers(1, 9), data=st.data())
def test_regular_mask_keeps_every_kth(n_traces, keep_every, data):
    offset = data.draw(st.integers(0, keep_every - 1))
    mask = pm.regular_mask(_panel(2, n_traces), keep_every, offset=offset)
    live = np.flatnonzero(mask.values[0])
    assert (live % keep_every == offset).all()
    assert live.size == len(range(offset, n_traces, keep_every))
    assert (mask.values[0] == mask.values[1]).all()


@given(
    n_traces=st.integers(1, 120),
    n_gaps=st.integers(0, 6),
    gap_width=st.integers(1, 10),
    seed=st.integers(0, 1000),
)
def test_gap_mask_makes_separate_gaps_of_exact_width(n_traces, n_gaps, gap_width, seed):
    da = _panel(0, n_traces)
    if n_gaps * (gap_width + 1) - 1 > n_traces:
        with pytest.raises(InvalidDataError, match="do not fit"):
            pm.gap_mask(da, n_gaps, gap_width, seed=seed)
        return
    live = pm.gap_mask(da, n_gaps, gap_width, seed=seed).values
    assert (~live).sum() == n_gaps * gap_width
    # Runs of missing traces: exactly n_gaps of them, each gap_width long.
    edges = np.diff(np.concatenate([[1], live.astype(int), [1]]))
    starts, stops = np.flatnonzero(edges == -1), np.flatnonzero(edges == 1)
    assert starts.size == n_gaps
    assert ((stops - starts) == gap_width).all()


def test_mask_helpers_reject_bad_parameters():
    da = _panel(0, 10)
    with pytest.raises(InvalidDataError, match="fraction"):
        pm.random_mask(da, 1.0)
    with pytest.raises(InvalidDataError, match="keep_every"):
        pm.regular_mask(da, 0)
    with pytest.raises(InvalidDataError, match="offset"):
        pm.regular_mask(da, 3, offset=3)


def test_apply_trace_mask_kills_traces_and_combines_masks():
    da = _panel(0, 6)
    first = np.array([True, False, True, True, True, True])
    second = np.array([True, True, True, False, True, True])
    out = pm.apply_trace_mask(pm.apply_trace_mask(da, first), second)
    assert out.coords["trace_mask"].values.tolist() == (first & second).tolist()
    assert (out.values[~(first & second)] == 0).all()
    assert (da.values == 1).all()  # input untouched


def test_get_trace_mask_rejects_bad_coordinate():
    da = _panel(0, 3).assign_coords(trace_mask=("offset", np.array([1, 0, 1])))
    with pytest.raises(InvalidDataError, match="must be boolean"):
        get_trace_mask(da)


def test_with_trace_mask_checks_shape():
    with pytest.raises(InvalidDataError, match="shape"):
        pm.with_trace_mask(_panel(0, 3), np.ones(4, dtype=bool))


def test_masks_are_matched_by_label_not_position(gather):
    mask = pm.regular_mask(gather, 2)
    reversed_gather = gather.isel(offset=slice(None, None, -1))
    out = pm.with_trace_mask(reversed_gather, mask)
    live = out.offset.values[out.trace_mask.values]
    np.testing.assert_array_equal(np.sort(live), gather.offset.values[::2])
    killed = pm.apply_trace_mask(reversed_gather, mask)
    assert (killed.sel(offset=gather.offset.values[1]) == 0).all()
    assert (killed.sel(offset=gather.offset.values[0]) != 0).any()


@pytest.mark.parametrize(
    ("mask", "match"),
    [
        ("abc", "boolean with shape"),
        (np.ones(3, dtype=bool), r"shape \(48,\)"),
        (np.ones(48, dtype=float), "dtype float64"),
    ],
)
def test_bad_masks_are_invalid_data(gather, mask, match):
    for function in (pm.with_trace_mask, pm.apply_trace_mask):
        with pytest.raises(InvalidDataError, match=match):
            function(gather, mask)


def test_mask_built_for_other_traces_is_refused(gather):
    other = pm.regular_mask(gather, 2).assign_coords(offset=gather.offset + 1000.0)
    for function in (pm.with_trace_mask, pm.apply_trace_mask):
        with pytest.raises(InvalidDataError, match="labels along 'offset' differ"):
            function(gather, other)
