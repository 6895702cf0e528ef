"""The patch-inference engine: blending, normalization, dask equality, laziness."""

from __future__ import annotations

import threading

import dask.array as dska
import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.errors import ConfigError, PluginError
from promethium.ml.engine import RECHUNK_ATTR, predict_patches, predict_patches_stack


def make_panel(shape: tuple[int, ...], seed: int = 0, dead: float = 0.3) -> xr.DataArray:
    """Random data (batch..., trace, time) with a trace mask; dead traces are zero."""
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(shape).astype(np.float32) * 3.0
    live = rng.random(shape[:-1]) >= dead
    data[~live] = 0.0
    dims = (*tuple(f"b{i}" for i in range(len(shape) - 2)), "trace", "time")
    da = xr.DataArray(data, dims=dims, name="amp", attrs={"units": "1"})
    da = da.assign_coords(time=("time", np.arange(shape[-1]) * 4.0, {"units": "ms"}))
    return pm.with_trace_mask(da, live)


def identity(batch: np.ndarray) -> np.ndarray:
    return batch[:, 0].copy()


class Nonlinear:
    """A deterministic predictor that uses both channels and neighbouring samples."""

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        x, m = batch[:, 0], batch[:, 1]
        return (np.tanh(x) + 0.5 * np.roll(x, 1, axis=1) + 0.25 * m).astype(np.float32)


class Counting:
    """Counts calls (in this process), checks inputs, returns channel 0."""

    def __init__(self) -> None:
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        assert batch.dtype == np.float32 and batch.ndim == 4 and batch.shape[1] == 2
        assert np.isfinite(batch).all()
        with self.lock:
            self.calls += 1
        return batch[:, 0].copy()


def random_chunks(draw: st.DrawFn, n: int) -> tuple[int, ...]:
    chunks: list[int] = []
    while sum(chunks) < n:
        chunks.append(min(draw(st.integers(1, max(1, n // 2 + 1))), n - sum(chunks)))
    return tuple(chunks)


@st.composite
def panels_and_grids(draw: st.DrawFn) -> tuple[tuple[int, int], tuple[int, int], float]:
    shape = (draw(st.integers(1, 40)), draw(st.integers(1, 40)))
    patch = (draw(st.integers(1, 16)), draw(st.integers(1, 16)))
    return shape, patch, draw(st.sampled_from([0.0, 0.25, 0.5, 0.75, 0.9]))


@given(panels_and_grids(), st.booleans())
@settings(max_examples=40, deadline=None)
def test_identity_reproduces_input(case: tuple, normalize: bool) -> None:
    shape, patch, overlap = case
    da = make_panel(shape, seed=sum(shape))
    out = predict_patches(da, identity, patch_size=patch, overlap=overlap, normalize=normalize)
    np.testing.assert_allclose(out.values, da.values, rtol=1e-5, atol=1e-5)


@given(panels_and_grids())
@settings(max_examples=30, deadline=None)
def test_constant_prediction_blends_to_the_constant(case: tuple) -> None:
    """Partition of unity through the engine: weights sum to one at every sample."""
    shape, patch, overlap = case
    da = make_panel(shape, dead=0.0)
    out = predict_patches(
        da,
        lambda b: np.full(b[:, 0].shape, 2.5, np.float32),
        patch_size=patch,
        overlap=overlap,
        normalize=False,
    )
    np.testing.assert_allclose(out.values, 2.5, rtol=1e-6)


def constant(value: float) -> object:
    """A predictor returning `value` everywhere (normalized units)."""

    def predict(batch: np.ndarray) -> np.ndarray:
        return np.full(batch[:, 0].shape, value, np.float32)

    return predict


def covered_by_a_live_patch(live: np.ndarray, n_v: int, patch: tuple[int, int], overlap: float):
    """Samples ``(trace, vertical)`` inside at least one patch holding a live trace."""
    from promethium.ml.grid import PatchGrid

    grid = PatchGrid.build((live.size, n_v), patch, overlap)
    covered = np.zeros(grid.padded[0], dtype=bool)
    live_padded = np.pad(live.astype(np.uint8), (0, grid.padded[0] - live.size), "reflect")
    for s in grid.starts(0):
        if live_padded[s : s + patch[0]].any():
            covered[s : s + patch[0]] = True
    return np.broadcast_to(covered[: live.size, None], (live.size, n_v))


@st.composite
def gapped_panels(draw: st.DrawFn) -> tuple[np.ndarray, int, tuple[int, int], float]:
    """Trace masks with dead gaps of up to three patches, plus a grid."""
    patch = (draw(st.integers(2, 12)), draw(st.integers(1, 12)))
    live: list[bool] = []
    n = draw(st.integers(1, 60))
    while len(live) < n:
        run = draw(st.integers(1, 3 * patch[0]))
        live.extend([draw(st.booleans())] * run)
    overlap = draw(st.sampled_from([0.0, 0.25, 0.5, 0.75]))
    return np.array(live[:n]), draw(st.integers(1, 30)), patch, overlap


@given(st.data(), gapped_panels())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_constant_prediction_survives_wide_gaps_for_any_chunking(
    data: st.DataObject, case: tuple
) -> None:
    """Skipped (all-dead) patches must not dilute their neighbours' predictions."""
    live, n_v, patch, overlap = case
    da = pm.apply_trace_mask(make_panel((live.size, n_v), dead=0.0), live)
    covered = covered_by_a_live_patch(live, n_v, patch, overlap)
    kwargs = {"patch_size": patch, "overlap": overlap, "normalize": False}
    out = predict_patches(da, constant(2.5), **kwargs)
    np.testing.assert_allclose(out.values[covered], 2.5, rtol=1e-6)
    np.testing.assert_array_equal(out.values[~covered], 0.0)
    chunks = {"trace": random_chunks(data.draw, live.size), "time": random_chunks(data.draw, n_v)}
    lazy = predict_patches(da.chunk(chunks), constant(2.5), **kwargs)
    np.testing.assert_allclose(lazy.values, out.values, rtol=1e-6)


def test_constant_prediction_fills_a_gap_wider_than_a_patch() -> None:
    """The reviewer's case: a 24-trace gap, 16-trace patches, a constant model."""
    da = make_panel((64, 32), dead=0.0) * 0 + 1.0
    live = np.ones(64, dtype=bool)
    live[20:44] = False
    da = pm.apply_trace_mask(da, live)
    out = predict_patches(da, constant(1.0), patch_size=(16, 32), overlap=0.5)
    np.testing.assert_allclose(out.values, 1.0, rtol=1e-6)


@given(st.data(), panels_and_grids())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_dask_chunking_equals_in_memory(data: st.DataObject, case: tuple) -> None:
    shape, patch, overlap = case
    da = make_panel(shape, seed=7)
    ref = predict_patches(da, Nonlinear(), patch_size=patch, overlap=overlap, batch_size=3)
    chunks = {
        "trace": random_chunks(data.draw, shape[0]),
        "time": random_chunks(data.draw, shape[1]),
    }
    lazy = predict_patches(
        da.chunk(chunks), Nonlinear(), patch_size=patch, overlap=overlap, batch_size=5
    )
    assert isinstance(lazy.data, dska.Array)
    np.testing.assert_allclose(lazy.values, ref.values, rtol=1e-5, atol=1e-5)


def test_lazy_stays_lazy_until_compute() -> None:
    da = make_panel((60, 50)).chunk({"trace": 20})
    counter = Counting()
    out = predict_patches(da, counter, patch_size=16)
    assert isinstance(out.data, dska.Array)
    assert counter.calls == 0
    out.compute(scheduler="threads")
    assert counter.calls > 0


def test_lazy_trace_mask_is_not_computed() -> None:
    da = make_panel((40, 30))
    lazy_mask = dska.from_array(da.trace_mask.values, chunks=7)
    da = da.chunk({"trace": 13}).assign_coords(trace_mask=("trace", lazy_mask))
    counter = Counting()
    out = predict_patches(da, counter, patch_size=8)
    assert counter.calls == 0 and isinstance(out.coords["trace_mask"].data, dska.Array)
    np.testing.assert_allclose(out.values, da.values, atol=1e-5)


def test_rechunk_is_recorded_and_large_chunks_are_kept() -> None:
    da = make_panel((64, 48))
    small = predict_patches(da.chunk({"trace": 5}), identity, patch_size=16)
    assert "trace: (5, 5," in small.attrs[RECHUNK_ATTR]
    assert min(small.chunks[0]) >= 15
    big = predict_patches(da.chunk({"trace": 32, "time": 24}), identity, patch_size=16)
    assert RECHUNK_ATTR not in big.attrs
    assert big.chunks == ((32, 32), (24, 24))


def test_axis_shorter_than_a_patch_becomes_one_chunk_recorded() -> None:
    da = make_panel((12, 40))
    out = predict_patches(da.chunk({"trace": 4}), Nonlinear(), patch_size=16)
    assert out.chunks[0] == (12,)
    assert "trace: (4, 4, 4) -> (12,)" in out.attrs[RECHUNK_ATTR]
    ref = predict_patches(da, Nonlinear(), patch_size=16)
    np.testing.assert_allclose(out.values, ref.values, atol=1e-5)


def test_multiple_batch_dims_map_block_by_block() -> None:
    da = make_panel((2, 3, 20, 30), seed=5)
    ref = predict_patches(da, Nonlinear(), patch_size=8)
    for i in range(2):
        for j in range(3):
            one = predict_patches(da[i, j], Nonlinear(), patch_size=8)
            np.testing.assert_allclose(ref[i, j].values, one.values, atol=1e-6)
    lazy = predict_patches(da.chunk({"b0": 1, "b1": 2, "trace": 9}), Nonlinear(), patch_size=8)
    np.testing.assert_allclose(lazy.values, ref.values, atol=1e-5)
    assert lazy.dims == da.dims and lazy.name == "amp" and lazy.attrs["units"] == "1"


def test_input_smaller_than_a_patch_is_reflect_padded_not_zero_filled() -> None:
    da = make_panel((3, 5), dead=0.0) * 0 + 1.0
    da = da.assign_coords(trace_mask=("trace", np.ones(3, bool)))
    seen = []

    def check(batch: np.ndarray) -> np.ndarray:
        seen.append(batch.shape)
        assert np.all(batch[:, 0] == 1.0) and np.all(batch[:, 1] == 1.0)  # no zero padding
        return batch[:, 0].copy()

    out = predict_patches(da, check, patch_size=(8, 16))
    assert seen == [(1, 2, 8, 16)]
    assert out.shape == (3, 5)
    np.testing.assert_array_equal(out.values, 1.0)
    one = make_panel((1, 1), dead=0.0)
    np.testing.assert_allclose(predict_patches(one, identity, patch_size=4).values, one.values)


def test_missing_traces_are_zero_nan_never_fed_and_mask_is_channel_one() -> None:
    da = make_panel((20, 16), dead=0.4)
    values = da.values.copy()
    values[~da.trace_mask.values] = 99.0  # garbage in missing traces must not be fed
    values[3, 4] = np.nan  # a NaN sample inside a live trace (3 is live below)
    da = da.copy(data=values)
    da.trace_mask.values[3] = True
    live = da.trace_mask.values

    def check(batch: np.ndarray) -> np.ndarray:
        assert np.isfinite(batch).all()
        assert not np.any(batch[:, 0] == 99.0 / 1.0)
        assert set(np.unique(batch[:, 1])) <= {0.0, 1.0}
        return batch[:, 0].copy()

    out = predict_patches(da, check, patch_size=8)
    assert np.isfinite(out.values).all()
    assert np.all(out.values[~live] == 0.0)  # missing traces predicted from zeros
    assert out.values[3, 4] == 0.0


def test_patches_are_normalized_by_rms_of_live_samples() -> None:
    da = make_panel((16, 16), dead=0.25) * 1000.0
    da = pm.with_trace_mask(da, make_panel((16, 16), dead=0.25).trace_mask.values)
    rms = []

    def check(batch: np.ndarray) -> np.ndarray:
        for x, m in zip(batch[:, 0], batch[:, 1]):
            rms.append(np.sqrt(np.mean(x[m > 0] ** 2)))
        return batch[:, 0].copy()

    predict_patches(da, check, patch_size=8)
    np.testing.assert_allclose(rms, 1.0, rtol=1e-5)


def test_patch_without_live_traces_predicts_zero_without_calling() -> None:
    da = make_panel((2, 16, 8), dead=0.0)
    mask = da.trace_mask.values.copy()
    mask[1] = False
    da = pm.apply_trace_mask(da, mask)
    counter = Counting()
    out = predict_patches(da, counter, patch_size=8, overlap=0.0)
    assert counter.calls == 1  # panel 0: two patches in one batch; panel 1 skipped
    np.testing.assert_array_equal(out.values[1], 0.0)


def test_batches_respect_batch_size() -> None:
    sizes: list[int] = []

    def record(batch: np.ndarray) -> np.ndarray:
        sizes.append(batch.shape[0])
        return batch[:, 0].copy()

    predict_patches(make_panel((40, 40), dead=0.0), record, patch_size=8, batch_size=3)
    assert max(sizes) == 3 and sum(sizes) == 81


def test_stack_blends_each_output_channel() -> None:
    da = make_panel((24, 20))

    def two(batch: np.ndarray) -> np.ndarray:
        return np.stack([batch[:, 0], 2.0 * batch[:, 0]], axis=1)

    a, b = predict_patches_stack(da.chunk({"trace": 10}), two, 2, patch_size=8)
    assert isinstance(a.data, dska.Array)
    np.testing.assert_allclose(a.values, da.values, atol=1e-5)
    np.testing.assert_allclose(b.values, 2.0 * da.values, atol=1e-5)


def test_wrong_prediction_shape_is_a_plugin_error() -> None:
    with pytest.raises(PluginError, match=r"expected \(2, 8, 8\)"):
        predict_patches(make_panel((2, 8, 8), dead=0.0), lambda b: b, patch_size=8)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2.0}, "batch_size"),
        ({"overlap": 1.0}, "overlap"),
        ({"patch_size": (0, 4)}, "patch_size"),
    ],
)
def test_bad_options_are_config_errors(kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        predict_patches(make_panel((8, 8)), identity, **kwargs)


def test_integer_input_gives_float32_and_input_is_not_modified() -> None:
    da = make_panel((10, 12), dead=0.0)
    before = da.copy(deep=True)
    as_int = (da * 100).astype(np.int32)
    out = predict_patches(as_int, identity, patch_size=4)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.values, as_int.values, atol=1e-3)
    xr.testing.assert_identical(da, before)


def test_near_silent_patches_give_finite_output():
    """A tiny but positive RMS must not overflow when normalizing in float32."""
    import promethium as pm
    from promethium.ml.engine import predict_patches

    da = pm.synthetic_gather(n_traces=16, n_samples=64, seed=1)
    quiet = xr.zeros_like(da)
    quiet[:, 10] = np.float32(1.4e-45)  # the smallest float32: the patch RMS underflows it
    quiet = pm.with_trace_mask(quiet, np.ones(16, dtype=bool))
    out = predict_patches(quiet, lambda batch: batch[:, 0], patch_size=16, overlap=0.5)
    assert np.isfinite(out.values).all()


def test_silent_patches_contribute_zeros_with_their_weight() -> None:
    """Live but all-zero data is information (silence), unlike a dead patch."""
    from promethium.ml.blend import patch_weights

    data = np.zeros((32, 8), dtype=np.float32)
    data[16:] = 2.0
    da = pm.with_trace_mask(make_panel((32, 8), dead=0.0).copy(data=data), np.ones(32, bool))
    calls: list[int] = []

    def one(batch: np.ndarray) -> np.ndarray:
        calls.append(batch.shape[0])
        return np.ones(batch[:, 0].shape, np.float32)

    out = predict_patches(da, one, patch_size=(16, 8), overlap=0.5)
    assert sum(calls) == 2  # patches at 8 and 16; the silent one at 0 is not sent
    w0, w8 = patch_weights(16, 0, 32)[8:16], patch_weights(16, 8, 32)[:8]
    scale8 = np.sqrt(0.5) * 2.0  # RMS of patch 8..23: half zeros, half 2.0
    np.testing.assert_allclose(out.values[8:16, 0], w8 * scale8 / (w0 + w8), rtol=1e-6)
    np.testing.assert_array_equal(out.values[:8], 0.0)


def test_a_huge_batch_size_allocates_only_the_patches_there_are():
    import promethium as pm
    from promethium.ml.engine import predict_patches

    da = pm.synthetic_gather(n_traces=24, n_samples=64)
    sizes = []

    def copy(batch):
        sizes.append(batch.shape[0])
        return batch[:, 0]

    out = predict_patches(da, copy, patch_size=16, batch_size=10**12)
    expected = predict_patches(da, lambda b: b[:, 0], patch_size=16, batch_size=3)
    np.testing.assert_array_equal(out.values, expected.values)
    assert len(sizes) == 1 and sizes[0] < 100
