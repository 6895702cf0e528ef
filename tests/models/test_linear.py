from __future__ import annotations

import dask
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.errors import ConfigError, PromethiumWarning
from promethium.metrics import snr
from promethium.models.classical.linear import LinearInterpolation, LinearOptions, linear_fill


def _planar(x: np.ndarray, n_samples: int = 16) -> np.ndarray:
    """Data linear along x at each time sample: d(x, t) = a(t) + b(t) x."""
    t = np.arange(n_samples)
    return (np.sin(0.3 * t)[None, :] + np.cos(0.2 * t)[None, :] * x[:, None]).astype(np.float64)


def _da(data: np.ndarray, x: np.ndarray, dim: str = "offset") -> xr.DataArray:
    return xr.DataArray(
        data,
        dims=(dim, "time"),
        coords={
            dim: (dim, x, {"units": "m"}),
            "time": ("time", np.arange(data.shape[1]) * 4.0, {"units": "ms"}),
        },
    )


def test_linear_fill_exact_on_irregular_coordinate():
    x = np.array([0.0, 1.0, 5.0, 6.0, 20.0, 21.0, 30.0])
    truth = _planar(x)
    live = np.array([True, False, True, False, False, True, True])
    out = linear_fill(truth.T * live, live, x)
    np.testing.assert_allclose(out, truth.T, atol=1e-12)


def test_linear_fill_unsorted_coordinate_uses_neighbours_in_space():
    x = np.array([3.0, 0.0, 2.0, 1.0])
    data = np.array([[3.0, 0.0, 0.0, 0.0]])
    live = np.array([True, True, False, False])
    np.testing.assert_allclose(linear_fill(data, live, x), [[3.0, 0.0, 2.0, 1.0]])


def test_edges_nearest_or_zero():
    x = np.arange(5.0)
    data = np.array([[0.0, 2.0, 0.0, 4.0, 0.0]])
    live = np.array([False, True, False, True, False])
    np.testing.assert_allclose(linear_fill(data, live, x), [[2.0, 2.0, 3.0, 4.0, 4.0]])
    np.testing.assert_allclose(
        linear_fill(data, live, x, edges="zero"), [[0.0, 2.0, 3.0, 4.0, 0.0]]
    )


def test_panel_without_live_trace_is_zero():
    out = linear_fill(np.full((1, 3), np.nan), np.zeros(3, bool), np.arange(3.0))
    np.testing.assert_array_equal(out, 0.0)


def test_reconstruct_uses_coordinate_not_index():
    x = np.array([0.0, 10.0, 11.0, 12.0, 40.0])
    truth = _da(_planar(x), x)
    live = np.array([True, False, True, False, True])
    holed = pm.apply_trace_mask(truth, live)
    out = LinearInterpolation().reconstruct(holed)
    xr.testing.assert_allclose(out.drop_vars("trace_mask"), truth, atol=1e-9)
    assert out.attrs["interpolation_coordinate"] == "offset"
    # Index-based interpolation would be wrong here.
    by_index = linear_fill(holed.values.T, live, np.arange(5.0)).T
    assert not np.allclose(by_index, truth.values)


def test_coord_option_and_index_fallback():
    da = pm.synthetic_section(n_traces=12, n_samples=16)
    holed = pm.apply_trace_mask(da, pm.regular_mask(da, 2))
    out = LinearInterpolation().reconstruct(holed, LinearOptions(coord="cdp_x"))
    assert out.attrs["interpolation_coordinate"] == "cdp_x"
    bare = holed.drop_vars(["cdp", "cdp_x"])
    with pytest.warns(PromethiumWarning, match="no numeric coordinate"):
        out2 = LinearInterpolation().reconstruct(bare)
    assert "trace index" in out2.attrs["interpolation_coordinate"]
    # cdp_x is regular, so index and coordinate agree.
    np.testing.assert_allclose(out.values, out2.values, rtol=1e-6)


def test_bad_options_raise_config_error():
    da = pm.synthetic_section(n_traces=8, n_samples=16)
    with pytest.raises(ConfigError, match="cdp_x"):
        LinearInterpolation().reconstruct(da, LinearOptions(coord="cdpx"))
    with pytest.raises(ConfigError, match="numeric coordinate along the trace dim"):
        LinearInterpolation().reconstruct(da, LinearOptions(coord="time"))
    holed = pm.apply_trace_mask(da, pm.regular_mask(da, 2))
    with pytest.raises(ConfigError, match=r"edges must be one of 'nearest', 'zero'"):
        pm.reconstruct(holed, model="linear", edges="linear")


def test_split_trace_axis_is_merged_explicitly_keeping_chunk_size():
    da = pm.synthetic_gather(n_traces=16, n_samples=32)
    holed = pm.apply_trace_mask(da, pm.regular_mask(da, 2))
    lazy = LinearInterpolation().reconstruct(holed.chunk({"offset": 4}))
    assert lazy.chunksizes["offset"] == (16,)
    assert max(lazy.chunksizes["time"]) == 8  # 4 of 16 traces x 32 samples = 16 x 8
    assert "offset: 4 chunks -> 1 chunks" in lazy.attrs["promethium_rechunked"]
    eager = LinearInterpolation().reconstruct(holed)
    np.testing.assert_allclose(lazy.values, eager.values, rtol=1e-6)


def test_lazy_and_chunk_invariant_with_batch_dims():
    shots = pm.synthetic_shots(n_shots=3, n_traces=20, n_samples=40)
    holed = pm.apply_trace_mask(shots, pm.random_mask(shots, 0.4, seed=1))
    eager = LinearInterpolation().reconstruct(holed)
    calls = []

    def scheduler(dsk, keys, **kwargs):
        calls.append(keys)
        return dask.get(dsk, keys, **kwargs)

    lazy_in = holed.chunk({"shot": 1, "time": 16})
    with dask.config.set(scheduler=scheduler):
        lazy = LinearInterpolation().reconstruct(lazy_in)
    assert calls == [], "reconstruct computed something"
    assert lazy.chunks == lazy_in.chunks
    np.testing.assert_array_equal(lazy.compute().values, eager.values)
    assert lazy.dims == shots.dims and lazy.coords.keys() == holed.coords.keys()


def test_beats_zero_fill_on_section():
    da = pm.synthetic_section(n_traces=64, n_samples=128, seed=1)
    mask = pm.random_mask(da, 0.4, seed=2)
    out = LinearInterpolation().reconstruct(pm.apply_trace_mask(da, mask))
    assert snr(da, out, ~mask.values) > 12.0  # measured 15.1 dB


@settings(max_examples=30, deadline=None)
@given(
    steps=st.lists(st.floats(0.5, 50.0), min_size=3, max_size=20),
    data=st.data(),
)
def test_property_exact_on_linear_data(steps, data):
    x = np.cumsum(steps)
    n = x.size
    live = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    if not live.any():
        live[0] = True
    truth = _planar(x, 8)
    out = linear_fill(truth.T * live, live, x)
    inside = (x >= x[live].min()) & (x <= x[live].max())
    np.testing.assert_allclose(out[:, inside], truth.T[:, inside], atol=1e-9)
    np.testing.assert_array_equal(out[:, live], truth.T[:, live])


def test_split_trace_axis_with_chunked_batch_dims_and_numpy_mask():
    shots = pm.synthetic_shots(n_shots=4, n_traces=12, n_samples=16)
    mask = pm.random_mask(shots, 0.3, seed=2)
    holed = pm.apply_trace_mask(shots, mask)
    chunked = pm.with_trace_mask(holed.chunk({"shot": 2, "offset": 5}), mask.values)  # NumPy
    lazy = LinearInterpolation().reconstruct(chunked)
    eager = LinearInterpolation().reconstruct(holed)
    np.testing.assert_allclose(lazy.values, eager.values, rtol=1e-6)
