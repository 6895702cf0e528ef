"""The vectorized block computation against the per-patch loop it replaced."""

from __future__ import annotations

import numpy as np
from _block_reference import run_block as reference_run_block
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promethium.ml import block
from promethium.ml.block import BlockPlan, run_block
from promethium.ml.grid import PatchGrid


class Recording:
    """Records every batch and its keys; predicts from both channels and the keys."""

    wants_patch_keys = True

    def __init__(self, n_outputs: int) -> None:
        self.n_outputs = n_outputs
        self.batches: list[np.ndarray] = []
        self.keys: list[np.ndarray] = []

    def __call__(self, batch: np.ndarray, keys: np.ndarray) -> np.ndarray:
        assert batch.dtype == np.float32 and np.isfinite(batch).all()
        self.batches.append(batch.copy())
        self.keys.append(keys.copy())
        x, m = batch[:, 0], batch[:, 1]
        pred = np.tanh(x) + 0.5 * np.roll(x, 1, axis=1) + 0.25 * m + 1e-3 * keys[:, 1:2, None]
        if self.n_outputs == 0:
            return pred.astype(np.float32)
        return np.stack([pred * (i + 1) for i in range(self.n_outputs)], axis=1).astype(np.float32)


@st.composite
def blocks(draw: st.DrawFn) -> dict:
    """A block of random data: dead, NaN, silent and near-silent traces; a core."""
    batch = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    nt, nv = draw(st.integers(1, 30)), draw(st.integers(1, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    data = (rng.standard_normal((*batch, nt, nv)) * 3.0).astype(np.float32)
    live = rng.random((*batch, nt)) > draw(st.sampled_from([0.0, 0.3, 0.7, 1.0]))
    data[~live] = draw(st.sampled_from([0.0, np.nan]))  # never read
    if draw(st.booleans()):  # live samples that are NaN, and silent stretches
        data[..., : max(1, nt // 3), : max(1, nv // 2)] = 0.0
        data[rng.random(data.shape) < 0.05] = np.nan
    patch = (draw(st.integers(1, 12)), draw(st.integers(1, 12)))
    grid = PatchGrid.build((nt, nv), patch, draw(st.sampled_from([0.0, 0.5, 0.75, 0.9])))
    full = tuple((0, n) for n in data.shape)
    core, origin = full, full
    if draw(st.booleans()):  # a dask block: a core and its halo, where both exist
        t0 = draw(st.integers(0, nt - 1))
        t1 = draw(st.integers(t0 + 1, nt))
        v0 = draw(st.integers(0, nv - 1))
        v1 = draw(st.integers(v0 + 1, nv))
        if nt >= patch[0] and nv >= patch[1]:  # shorter axes lie whole in one block
            (ht, hv) = grid.halo
            lo_t, hi_t = max(0, t0 - ht), min(nt, t1 + ht)
            lo_v, hi_v = max(0, v0 - hv), min(nv, v1 + hv)
            data = data[..., lo_t:hi_t, lo_v:hi_v]
            live = live[..., lo_t:hi_t]
            core = (*full[:-2], (t0, t1), (v0, v1))
            origin = (*full[:-2], (lo_t, hi_t), (lo_v, hi_v))
    plan = BlockPlan(
        grid,
        batch,
        draw(st.integers(1, 7)),
        draw(st.booleans()),
        draw(st.sampled_from([0, 2])),
        "float32",
    )
    return {"data": data, "mask": live, "plan": plan, "core": core, "origin": origin}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks(), st.sampled_from([block.GROUP_SAMPLES, 64]))
def test_agrees_with_the_per_patch_reference(case: dict, group: int) -> None:
    """Same batches, same keys, same blended result, whatever the grouping of patches."""
    n_outputs = case["plan"].n_outputs
    ours, theirs = Recording(n_outputs), Recording(n_outputs)
    before = case["data"].copy()
    args = (case["data"], case["mask"], case["plan"])
    default, block.GROUP_SAMPLES = block.GROUP_SAMPLES, group  # 64: batches span groups
    try:
        out = run_block(*args, ours, case["core"], case["origin"])
    finally:
        block.GROUP_SAMPLES = default
    ref = reference_run_block(*args, theirs, case["core"], case["origin"])
    np.testing.assert_array_equal(case["data"], before)  # the input is never modified
    assert [len(b) for b in ours.batches] == [len(b) for b in theirs.batches]
    for a, b in zip(ours.keys, theirs.keys):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(ours.batches, theirs.batches):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    assert out.dtype == ref.dtype and out.shape == ref.shape
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)


def test_a_predictor_without_keys_is_called_without_them() -> None:
    grid = PatchGrid.build((10, 12), 4, 0.5)
    plan = BlockPlan(grid, (), 3, True, 0, "float32")
    data = np.random.default_rng(0).standard_normal((10, 12)).astype(np.float32)
    calls: list[int] = []

    def predictor(batch: np.ndarray) -> np.ndarray:
        calls.append(len(batch))
        return batch[:, 0]

    full = ((0, 10), (0, 12))
    out = run_block(data, np.ones(10, bool), plan, predictor, full, full)
    assert calls and max(calls) == 3 and sum(calls) == grid.n_patches()
    np.testing.assert_allclose(out[0], data, rtol=1e-5, atol=1e-6)
