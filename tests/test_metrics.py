import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from promethium import metrics
from promethium.errors import InvalidDataError


def test_snr_matches_definition(rng):
    ref = rng.standard_normal((5, 50))
    est = ref + 0.1 * rng.standard_normal((5, 50))
    expected = 10 * np.log10(np.sum(ref**2) / np.sum((ref - est) ** 2))
    assert metrics.snr(ref, est) == pytest.approx(expected)
    assert metrics.snr(ref, ref) == float("inf")


def test_snr_improvement_over_zero_fill_scores_selected_traces(rng):
    ref = rng.standard_normal((6, 20))
    missing = np.array([False, True, False, True, False, False])
    degraded = np.where(missing[:, None], 0.0, ref)
    recon = np.where(missing[:, None], 0.9 * ref, ref)
    # Zero fill on the missing traces is 0 dB; 0.9*ref is 20 dB.
    assert metrics.snr(ref, degraded, traces=missing) == pytest.approx(0.0)
    assert metrics.snr_improvement(ref, degraded, recon, traces=missing) == pytest.approx(20.0)


@given(scale=st.floats(0.1, 10.0), seed=st.integers(0, 100))
def test_ssim_and_coherence_are_one_for_identical_and_scale_invariant_coherence(scale, seed):
    ref = np.random.default_rng(seed).standard_normal((12, 30))
    assert metrics.ssim(ref, ref) == pytest.approx(1.0)
    assert metrics.coherence(ref, scale * ref) == pytest.approx(1.0)
    assert metrics.mse(ref, ref) == 0.0


def test_ssim_drops_with_noise(rng):
    ref = np.cumsum(rng.standard_normal((20, 40)), axis=1)
    noisy = ref + rng.standard_normal(ref.shape) * ref.std()
    assert metrics.ssim(ref, noisy) < 0.8


def test_coherence_of_sign_flipped_traces_is_zero(rng):
    ref = rng.standard_normal((4, 16))
    assert metrics.coherence(ref, -ref) == 0.0


def test_metric_errors_name_the_problem():
    with pytest.raises(InvalidDataError, match="same shape"):
        metrics.mse(np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(InvalidDataError, match="selects no trace"):
        metrics.snr(np.ones((2, 3)), np.ones((2, 3)), traces=np.zeros(2, dtype=bool))
    with pytest.raises(InvalidDataError, match="boolean over the trace dims"):
        metrics.snr(np.ones((2, 3)), np.ones((2, 3)), traces=np.ones(3, dtype=bool))


def test_dataarrays_are_scored_by_dim_name_and_label():
    import promethium as pm

    shots = pm.synthetic_shots(2, 8, 16)
    estimate = shots + 0.01
    expected = metrics.snr(shots, estimate)
    shuffled = estimate.transpose("shot", "time", "offset").isel(offset=slice(None, None, -1))
    assert metrics.snr(shots, shuffled) == pytest.approx(expected)
    assert metrics.ssim(shots, shuffled) == pytest.approx(metrics.ssim(shots, estimate))
    mask = pm.regular_mask(shots, 2)
    flipped_mask = mask.isel(offset=slice(None, None, -1))
    assert metrics.snr(shots, shuffled, traces=flipped_mask) == pytest.approx(
        metrics.snr(shots, estimate, traces=mask)
    )
    with pytest.raises(InvalidDataError, match="labels along 'offset' differ"):
        metrics.mse(shots, estimate.assign_coords(offset=estimate.offset + 1))


def test_trace_snr_is_snr_of_each_trace(rng):
    ref = rng.standard_normal((3, 4, 25))
    est = ref + 0.1 * rng.standard_normal(ref.shape)
    est[1, 2] = ref[1, 2]
    per_trace = metrics.trace_snr(ref, est)
    assert per_trace.shape == (3, 4) and per_trace[1, 2] == float("inf")
    assert per_trace[0, 1] == pytest.approx(metrics.snr(ref[0, 1:2], est[0, 1:2]))
    with pytest.raises(InvalidDataError, match="same shape"):
        metrics.trace_snr(ref, est[:2])


def test_ssim_on_selected_traces_averages_the_map_over_them(rng):
    ref = np.cumsum(rng.standard_normal((20, 40)), axis=1)
    noisy = ref.copy()
    noisy[5] += rng.standard_normal(40) * ref.std()
    keep = np.zeros(20, bool)
    keep[12:] = True  # far from the noisy trace: windows never reach it
    assert metrics.ssim(ref, noisy, traces=keep) == pytest.approx(1.0)
    only = np.zeros(20, bool)
    only[5] = True
    assert metrics.ssim(ref, noisy, traces=only) < metrics.ssim(ref, noisy)
    with pytest.raises(InvalidDataError, match="selects no trace"):
        metrics.ssim(ref, noisy, traces=np.zeros(20, bool))
