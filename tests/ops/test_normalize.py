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
from promethium.ops import Bandpass, Denormalize, Normalize


@pytest.fixture(scope="module")
def shots():
    da = pm.synthetic_shots(n_shots=3, n_traces=12, n_samples=64, seed=1)
    da[1, 4] = 0.0  # a dead trace
    return da


@pytest.mark.parametrize("method", ["rms", "max"])
def test_trace_scope_matches_reference(shots, method):
    out = Normalize("trace", method)(shots)
    x = shots.values.astype(np.float64)
    ref = np.sqrt((x**2).mean(-1)) if method == "rms" else np.abs(x).max(-1)
    np.testing.assert_allclose(out.norm_scale.values, ref, rtol=1e-6)
    assert out.norm_scale.dims == ("shot", "offset")
    live = ref > 0
    np.testing.assert_allclose(out.values[live], (x[live] / ref[live][:, None]), rtol=1e-5)
    if method == "max":
        np.testing.assert_allclose(np.abs(out.values).max(-1)[live], 1.0, rtol=1e-6)


def test_gather_scope_has_one_factor_per_panel(shots):
    out = Normalize("gather", "max")(shots)
    assert out.norm_scale.dims == ("shot",)
    np.testing.assert_allclose(np.abs(out.values).max(axis=(1, 2)), 1.0, rtol=1e-6)
    two_d = Normalize("gather")(shots.isel(shot=0))
    assert two_d.norm_scale.dims == ()


@pytest.mark.parametrize("scope", ["trace", "gather"])
def test_dead_traces_stay_zero_and_inverse_restores(shots, scope):
    out = Normalize(scope)(shots)
    assert not np.isnan(out.values).any()
    assert (out.values[1, 4] == 0).all()
    back = Denormalize()(out)
    assert "norm_scale" not in back.coords
    np.testing.assert_allclose(back.values, shots.values, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(Normalize.inverse(out).values, shots.values, rtol=1e-5, atol=1e-7)


def test_normalizing_twice_is_undone_once(shots):
    twice = Normalize("trace") | Normalize("gather", "max")
    np.testing.assert_allclose(
        Denormalize()(twice(shots)).values, shots.values, rtol=1e-5, atol=1e-7
    )


def test_all_zero_data_give_zero_not_nan():
    da = pm.synthetic_gather(n_traces=4, n_samples=16) * 0.0
    out = Normalize()(da)
    assert (out.values == 0).all() and (out.norm_scale.values == 0).all()


@settings(max_examples=10, deadline=None)
@given(
    chunks=st.tuples(st.integers(1, 3), st.integers(3, 12), st.integers(16, 64)),
    scope=st.sampled_from(["trace", "gather"]),
    method=st.sampled_from(["rms", "max"]),
)
def test_lazy_equals_in_memory(shots, chunks, scope, method):
    op = Normalize(scope, method)
    lazy = op(shots.chunk(dict(zip(shots.dims, chunks))))
    assert isinstance(lazy.data, dska.Array)
    assert isinstance(lazy.norm_scale.data, dska.Array)
    eager = op(shots)
    np.testing.assert_allclose(lazy.values, eager.values, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(lazy.norm_scale.values, eager.norm_scale.values, rtol=1e-6)
    back = Denormalize()(lazy)
    assert isinstance(back.data, dska.Array)
    np.testing.assert_allclose(back.values, shots.values, rtol=1e-5, atol=1e-7)


def test_keeps_coords_mask_and_records_history(shots):
    da = pm.with_trace_mask(shots, np.ones((3, 12), dtype=bool))
    out = (Normalize() | Bandpass(5, 60))(da)
    assert out.coords["trace_mask"].dims == ("shot", "offset")
    assert out.offset.attrs == shots.offset.attrs and out.time.attrs["units"] == "ms"
    assert history_steps(out) == [
        "promethium: Normalize(scope='trace', method='rms')",
        "promethium: Bandpass(low=5, high=60, order=4)",
    ]
    assert out.dtype == np.float32


def test_transform_on_a_block_agrees(shots):
    op = Normalize("trace", "max")
    block = op.transform(shots.values, op._context(shots))
    np.testing.assert_allclose(block, op(shots).values, rtol=1e-6)


def test_bad_parameters():
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "Normalize: got scope='shot': input should be 'trace' or 'gather'; "
            "scope must be one of 'trace', 'gather'."
        ),
    ):
        Normalize(scope="shot")
    with pytest.raises(ConfigError, match="method must be one of"):
        Normalize(method="std")


def test_denormalize_needs_the_factors(shots):
    with pytest.raises(InvalidDataError, match="no 'norm_scale' coordinate"):
        Denormalize()(shots)


def test_factors_survive_zarr(shots, tmp_path):
    from promethium.io.zarr import open_zarr, to_zarr

    out = Normalize()(shots.chunk({"offset": 4}))
    back = Denormalize()(open_zarr(to_zarr(out, tmp_path / "n.zarr")))
    xr.testing.assert_allclose(
        back.compute().drop_vars("norm_scale", errors="ignore"),
        shots.assign_attrs(back.attrs),
        rtol=1e-5,
        atol=1e-7,
    )
