import re

import dask.array as dska
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.core.history import history_steps
from promethium.errors import ConfigError, InvalidDataError
from promethium.ops import Decimate, KillTraces, Normalize


def _untimed(da):
    """`da` with its history lines stripped of their UTC timestamps (runs differ)."""
    return da.assign_attrs(history="\n".join(history_steps(da)))


@pytest.fixture(scope="module")
def shots():
    return pm.synthetic_shots(n_shots=2, n_traces=10, n_samples=32, seed=8)


def test_explicit_mask_zeroes_dead_traces(shots):
    mask = np.ones((2, 10), dtype=bool)
    mask[0, [1, 5]] = False
    out = KillTraces(mask)(shots)
    np.testing.assert_array_equal(out.trace_mask.values, mask)
    assert (out.values[0, [1, 5]] == 0).all()
    np.testing.assert_array_equal(out.values[mask], shots.values[mask])
    assert "\n".join(history_steps(out)) == "promethium: KillTraces(mask=<18 of 20 live>)"
    assert out.dtype == shots.dtype


def test_mask_over_some_dims_broadcasts(shots):
    mask = xr.DataArray(np.arange(10) % 3 != 0, dims="offset")
    out = KillTraces(mask)(shots)
    np.testing.assert_array_equal(out.trace_mask.values, np.broadcast_to(mask.values, (2, 10)))


def test_masks_combine(shots):
    out = (Decimate(2) | Decimate(3))(shots)
    expected = (np.arange(10) % 2 == 0) & (np.arange(10) % 3 == 0)
    np.testing.assert_array_equal(out.trace_mask.values[0], expected)
    assert len(history_steps(out)) == 2


def test_helpers_build_the_masks(shots):
    random = KillTraces(fraction=0.3, seed=0)(shots)
    np.testing.assert_array_equal(
        random.trace_mask.values, pm.random_mask(shots, 0.3, seed=0).values
    )
    assert random.trace_mask.sum().item() == 14
    gaps = KillTraces(n_gaps=2, gap_width=2, seed=3)(shots)
    np.testing.assert_array_equal(gaps.trace_mask.values, pm.gap_mask(shots, 2, 2, seed=3).values)
    dec = Decimate(keep_every=2, offset=1)(shots)
    assert dec.trace_mask.values[0].tolist() == [False, True] * 5
    assert repr(Decimate(3)) == "Decimate(keep_every=3, offset=0)"


@settings(max_examples=8, deadline=None)
@given(chunks=st.tuples(st.integers(1, 2), st.integers(1, 10), st.integers(4, 32)))
def test_lazy_equals_in_memory(shots, chunks):
    op = KillTraces(fraction=0.4, seed=1)
    lazy = op(shots.chunk(dict(zip(shots.dims, chunks))))
    assert isinstance(lazy.data, dska.Array)
    xr.testing.assert_identical(_untimed(lazy.compute()), _untimed(op(shots)))


def test_keeps_coords_through_other_ops(shots):
    out = (Decimate(2) | Normalize())(shots)
    assert out.trace_mask.dims == ("shot", "offset")
    assert (out.values[:, 1::2] == 0).all() and not np.isnan(out.values).any()


def test_errors(shots):
    with pytest.raises(ConfigError, match="exactly one of"):
        KillTraces()
    with pytest.raises(ConfigError, match="exactly one of"):
        KillTraces(np.ones(3, bool), fraction=0.2)
    with pytest.raises(ConfigError, match="exactly one of"):
        KillTraces(n_gaps=2)
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "KillTraces: got fraction=1.0: input should be less than 1; "
            "fraction must be a number in [0, 1) or None."
        ),
    ):
        KillTraces(fraction=1.0)
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "Decimate: got keep_every=0: input should be greater than or equal to 1; "
            "keep_every must be an integer >= 1."
        ),
    ):
        Decimate(0)
    with pytest.raises(
        ConfigError, match=re.escape("Decimate: offset must be below keep_every (2); got 2.")
    ):
        Decimate(2, offset=2)
    with pytest.raises(InvalidDataError, match=r"shape \(2, 10\) of the trace dims"):
        KillTraces(np.ones(10, bool))(shots)
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "dtype float64, not bool; mask must be a boolean DataArray or array, or None."
        ),
    ):
        KillTraces(xr.DataArray(np.ones(10), dims="offset"))


def test_labelled_mask_is_matched_by_label_not_position(shots):
    """A mask with the data's labels in another order kills the traces it names."""
    mask = xr.DataArray(np.arange(10) != 2, dims="offset", coords={"offset": shots.offset.values})
    reversed_mask = mask.isel(offset=slice(None, None, -1))
    out = KillTraces(reversed_mask)(shots)
    killed = shots.offset.values[~out.trace_mask.values[0]]
    np.testing.assert_array_equal(killed, [shots.offset.values[2]])
    assert (out.sel(offset=shots.offset.values[2]) == 0).all()
    xr.testing.assert_identical(_untimed(out), _untimed(KillTraces(mask)(shots)))


@settings(max_examples=10, deadline=None)
@given(order=st.permutations(range(10)), seed=st.integers(0, 2**16))
def test_shuffled_labels_give_the_same_result(shots, order, seed):
    rng = np.random.default_rng(seed)
    values = rng.random((2, 10)) > 0.3
    mask = xr.DataArray(
        values, dims=("shot", "offset"), coords={"shot": shots.shot, "offset": shots.offset}
    )
    shuffled = mask.isel(offset=list(order), shot=[1, 0])
    out = KillTraces(shuffled)(shots.chunk({"offset": 3}))
    np.testing.assert_array_equal(out.trace_mask.values, values)
    expected = np.where(values[..., None], shots.values, 0.0)
    np.testing.assert_array_equal(out.values, expected)


def test_mask_for_other_traces_is_refused(shots):
    other = xr.DataArray(
        np.ones(10, bool), dims="offset", coords={"offset": shots.offset.values + 1.0}
    )
    with pytest.raises(InvalidDataError, match="trace mask labels along 'offset' differ"):
        KillTraces(other)(shots)
