"""The batched POCS kernel against the NumPy reference it replaced."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _pocs_reference import reference_pocs_windows, reference_threshold_schedule
from hypothesis import given, settings
from hypothesis import strategies as st

from promethium.models.classical import _pocs_kernel as kernel
from promethium.models.classical._pocs_kernel import (
    padded_shape,
    pocs_windows,
    threshold_schedule,
)


def _plane_waves(rng: np.random.Generator, b: int, nt: int, nv: int) -> np.ndarray:
    """``b`` windows of two dipping plane waves each (sparse in f-k, like seismic)."""
    t, x = np.arange(nv)[None, None, :], np.arange(nt)[None, :, None]
    out = np.zeros((b, nt, nv))
    for _ in range(2):
        f = rng.uniform(0.1, 0.6, (b, 1, 1))
        p = rng.uniform(-1.0, 1.0, (b, 1, 1))
        out += rng.uniform(0.5, 1.5, (b, 1, 1)) * np.sin(f * (t - p * x) + rng.uniform(0, 6))
    return out


def _relative_rms(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2) / max(np.mean(b**2), 1e-30)))


@st.composite
def window_batches(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, dict]:
    """A batch of windows (plane waves or noise), masks and options."""
    b = draw(st.integers(1, 5))
    nt = draw(st.integers(4, 20))
    nv = draw(st.integers(4, 24))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    data = _plane_waves(rng, b, nt, nv) if draw(st.booleans()) else rng.normal(size=(b, nt, nv))
    live = rng.random((b, nt)) > draw(st.sampled_from([0.0, 0.2, 0.5, 0.8]))
    options = {
        "n_iter": draw(st.integers(1, 12)),
        "pad": draw(st.sampled_from([0.0, 0.25, 0.5, 1.0])),
        "thresholding": draw(st.sampled_from(["hard", "soft"])),
        "schedule": draw(st.sampled_from(["exponential", "linear"])),
        "p_max": 0.9,
        "p_min": draw(st.sampled_from([0.001, 0.05])),
    }
    # Missing traces hold arbitrary values, NaN included: never read.
    junk = rng.choice([0.0, 7.0, np.nan])
    windows = np.where(live[:, :, None], data, junk).astype(draw(st.sampled_from(["f4", "f8"])))
    return windows, live, options


@settings(max_examples=30, deadline=None)
@given(window_batches())
def test_agrees_with_the_per_window_reference(case):
    windows, live, options = case
    before = windows.copy()
    out = pocs_windows(windows, live, **options)
    ref = reference_pocs_windows(np.nan_to_num(windows, nan=0.0), live, **options)
    np.testing.assert_array_equal(windows, before)  # the input is never modified
    assert out.dtype == np.float32 and out.shape == windows.shape and np.isfinite(out).all()
    # Observed traces are returned exactly as given (as float32); so are complete windows.
    np.testing.assert_array_equal(out[live], windows.astype(np.float32)[live])
    complete = live.all(axis=1)
    np.testing.assert_array_equal(out[complete], windows.astype(np.float32)[complete])
    # float32 against float64: ~1e-6 relative; a hard threshold decision that flips on a
    # coefficient equal to the threshold within rounding moves a window by at most ~1e-3.
    for o, r in zip(out[~complete], ref[~complete]):
        assert _relative_rms(o, r) < 2e-3


def test_agreement_on_seismic_like_windows_is_close():
    rng = np.random.default_rng(0)
    windows = _plane_waves(rng, 64, 32, 32)
    live = rng.random((64, 32)) > 0.5
    for thresholding in ("hard", "soft"):
        out = pocs_windows(windows * live[..., None], live, n_iter=50, thresholding=thresholding)
        ref = reference_pocs_windows(windows * live[..., None], live, n_iter=50,
                                     thresholding=thresholding)  # fmt: skip
        assert _relative_rms(out, ref) < 1e-3
        # ... and both fill the gaps, against the truth, equally well.
        err_new = _relative_rms(out[~live], windows[~live])
        err_ref = _relative_rms(ref[~live], windows[~live])
        assert abs(err_new - err_ref) < 1e-3 * max(err_ref, 1e-3) + 1e-5


def test_deterministic_and_independent_of_the_rest_of_the_batch():
    rng = np.random.default_rng(1)
    windows = rng.normal(size=(70, 16, 20)).astype(np.float32)  # more than one CPU chunk
    live = rng.random((70, 16)) > 0.4
    first = pocs_windows(windows, live, n_iter=20)
    np.testing.assert_array_equal(pocs_windows(windows, live, n_iter=20), first)
    alone = np.concatenate([pocs_windows(windows[i : i + 1], live[i : i + 1], n_iter=20)
                            for i in (0, 33, 69)])  # fmt: skip
    np.testing.assert_allclose(alone, first[[0, 33, 69]], rtol=0, atol=1e-5)


def test_all_complete_windows_return_a_copy_without_iterating():
    windows = np.arange(2 * 4 * 5, dtype=np.float64).reshape(2, 4, 5)
    out = pocs_windows(windows, np.ones((2, 4), bool), n_iter=10)
    assert out.dtype == np.float32 and not np.shares_memory(out, windows)
    np.testing.assert_array_equal(out, windows)


@pytest.mark.parametrize("thresholding", ["hard", "soft"])
def test_numpy_and_torch_iterations_agree_on_the_cpu(thresholding):
    """The CPU path (NumPy elementwise) and the torch path (used on CUDA) run the same steps."""
    rng = np.random.default_rng(2)
    windows = _plane_waves(rng, 8, 12, 16).astype(np.float32)
    live = rng.random((8, 12)) > 0.4
    live[:, 0] = False
    observed, free = kernel._padded(windows, live, padded_shape(12, 16, 0.5))
    levels = threshold_schedule(15, 0.99, 0.001).astype(np.float32)
    hard = thresholding == "hard"
    on_cpu = kernel._iterate_cpu(observed.copy(), live, 16, levels, hard=hard)
    in_torch = kernel._iterate_torch(
        *(torch.from_numpy(a) for a in (observed, free, levels)), hard=hard
    ).numpy()
    # The torch path returns the padded iterate, live traces included; the CPU path
    # the data traces, live ones left to the caller.
    missing = ~live
    np.testing.assert_allclose(on_cpu[missing], in_torch[:, :12][missing], rtol=0, atol=1e-5)


def test_cpu_kernel_runs_torch_on_one_thread_and_restores_the_count(monkeypatch):
    """Intra-op threads only wait on the kernel's small operations (see _OneTorchThread)."""
    import threading

    seen: list[int] = []
    fft = torch.fft.fft

    def recording_fft(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return fft(*args, **kwargs)

    monkeypatch.setattr(torch.fft, "fft", recording_fft)
    rng = np.random.default_rng(5)
    windows, live = rng.normal(size=(3, 8, 8)), rng.random((3, 8)) > 0.5
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        pocs_windows(windows, live, n_iter=3)
        assert seen and set(seen) == {1}
        assert torch.get_num_threads() == 2
        # Concurrent calls from other threads: each runs on one thread; the count is
        # restored when the last one ends.
        counts: list[int] = []

        def run() -> None:
            pocs_windows(windows, live, n_iter=30)
            counts.append(torch.get_num_threads())

        workers = [threading.Thread(target=run) for _ in range(3)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert len(counts) == 3 and set(seen) == {1}
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_threshold_schedule_is_the_reference_schedule():
    for args in [(1, 0.9, 0.1), (7, 0.99, 0.001), (5, 0.5, 0.5)]:
        for schedule in ("exponential", "linear"):
            np.testing.assert_allclose(
                threshold_schedule(*args, schedule), reference_threshold_schedule(*args, schedule)
            )


def test_padded_shape_matches_the_reference_rounding():
    assert padded_shape(32, 32, 0.5) == (48, 48)
    assert padded_shape(5, 7, 0.5) == (5 + round(2.5), 7 + round(3.5)) == (7, 11)
    assert padded_shape(16, 24, 0.0) == (16, 24)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_agrees_with_the_cpu():
    rng = np.random.default_rng(3)
    windows = _plane_waves(rng, 300, 32, 32)
    live = rng.random((300, 32)) > 0.5
    for thresholding in ("hard", "soft"):
        cpu = pocs_windows(windows, live, n_iter=50, thresholding=thresholding)
        gpu = pocs_windows(windows, live, n_iter=50, thresholding=thresholding, device="cuda")
        np.testing.assert_array_equal(gpu[live], cpu[live])
        assert _relative_rms(gpu, cpu) < 1e-3
