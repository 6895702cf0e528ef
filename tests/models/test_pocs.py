from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import torch

import promethium as pm
from promethium.errors import ConfigError
from promethium.metrics import snr
from promethium.models.classical.linear import LinearInterpolation
from promethium.models.classical.pocs import (
    POCS,
    POCSOptions,
    POCSPredictor,
    pocs_windows,
    threshold_schedule,
)
from promethium.testing import assert_reconstruction_contract


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _holed(da, fraction, seed):
    mask = pm.random_mask(da, fraction, seed=seed)
    return pm.apply_trace_mask(da, mask), ~mask.values


def test_threshold_schedule_exponential_and_linear():
    p = threshold_schedule(5, 0.9, 0.009)
    np.testing.assert_allclose(p[[0, -1]], [0.9, 0.009])
    np.testing.assert_allclose(p[1:] / p[:-1], (0.01) ** 0.25)
    lin = threshold_schedule(5, 0.9, 0.1, "linear")
    np.testing.assert_allclose(np.diff(lin), -0.2)
    assert threshold_schedule(1, 0.9, 0.1).tolist() == [0.1]


def test_pocs_windows_keeps_live_traces_and_recovers_plane_waves():
    t = np.arange(48)
    truth = np.sin(0.4 * (t[None, :] - 0.7 * t[:, None])) + 0.5 * np.cos(
        0.25 * (t[None, :] + 0.3 * t[:, None])
    )
    rng = np.random.default_rng(0)
    live = rng.random(48) > 0.4
    out = pocs_windows((truth * live[:, None])[None], live[None], n_iter=60)[0]
    np.testing.assert_allclose(out[live], truth[live], atol=1e-6)
    assert snr(truth[~live], out[~live]) > 15.0


@pytest.mark.parametrize("options", [{"thresholding": "soft"}, {"schedule": "linear"}])
def test_variants_improve_on_zero_fill(options):
    da = pm.synthetic_section(n_traces=48, n_samples=64, seed=1)
    holed, missing = _holed(da, 0.4, 1)
    out = POCS().reconstruct(holed, POCSOptions(n_iter=20, **options))
    assert snr(da, out, missing) > 3.0


def test_predictor_is_small_and_picklable():
    predictor = POCSPredictor(10, 0.99, 0.01, "exponential", "hard", 0.5)
    clone = pickle.loads(pickle.dumps(predictor))
    assert len(pickle.dumps(predictor)) < 1000
    assert clone.device == "auto" and "device='auto'" in repr(clone)
    batch = np.zeros((2, 2, 8, 8), np.float32)
    batch[:, 1, ::2] = 1.0
    batch[:, 0, ::2] = 1.0
    batch[0, 0, 0, 0] = np.nan  # never propagated
    out = clone(batch)
    assert out.shape == (2, 8, 8) and out.dtype == np.float32 and np.isfinite(out).all()


def test_section_snr_gain_and_beats_linear():
    gains, margins = [], []
    for seed in range(3):
        da = pm.synthetic_section(n_traces=64, n_samples=128, seed=seed)
        holed, missing = _holed(da, 0.4, seed + 10)
        out = POCS().reconstruct(holed)
        lin = LinearInterpolation().reconstruct(holed)
        gain = pm.metrics.snr_improvement(da, holed, out, missing)
        gains.append(gain)
        margins.append(snr(da, out, missing) - snr(da, lin, missing))
    # Measured gains over zero fill 18.3, 25.6, 22.0 dB; margins over linear 6.0, 8.1, 7.6 dB.
    assert min(gains) > 16.0, gains
    assert min(margins) > 4.0, margins


def test_gather_snr_gain_and_beats_linear():
    da = pm.synthetic_gather(n_traces=96, n_samples=256, seed=0)
    holed, missing = _holed(da, 0.3, 10)
    out = POCS().reconstruct(holed)
    lin = LinearInterpolation().reconstruct(holed)
    # Measured 15.0 dB over zero fill; linear 3.7 dB (steep hyperbolas alias it).
    assert pm.metrics.snr_improvement(da, holed, out, missing) > 12.0
    assert snr(da, out, missing) > snr(da, lin, missing) + 6.0


def test_contract_and_chunk_invariance():
    assert_reconstruction_contract("pocs", rtol=1e-4, n_iter=10)
    da = pm.synthetic_shots(n_shots=2, n_traces=40, n_samples=96)
    holed, _ = _holed(da, 0.3, 0)
    model, options = POCS(), POCSOptions(n_iter=8, patch_size=(16, 24))
    eager = model.reconstruct(holed, options)
    lazy = model.reconstruct(holed.chunk({"shot": 1, "offset": 17, "time": 40}), options)
    np.testing.assert_allclose(lazy.compute().values, eager.values, atol=1e-5)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"n_iter": 0}, r"got n_iter=0: .*n_iter must be an integer >= 1\."),
        ({"p_min": 0.5, "p_max": 0.1}, r"need p_min <= p_max; got p_min=0\.5, p_max=0\.1"),
        ({"schedule": "cosine"}, r"schedule must be one of 'exponential', 'linear'"),
        ({"thresholding": "hrad"}, r"one of 'hard', 'soft'\. Did you mean 'hard'\?"),
        ({"pad": -1.0}, r"pad must be a number in \[0\.0, 4\.0\]"),
        ({"overlap": 1.0}, r"overlap must be a number in \[0\.0, 1\.0\)"),
        ({"patch_size": 2}, r"got patch_size=2: .*each an integer >= 4"),
        ({"patch_size": (8, 8, 8)}, r"got patch_size=\(8, 8, 8\)"),
        ({"batch_size": 0}, r"batch_size must be an integer >= 1"),
        ({"niter": 3}, r"does not accept the option 'niter'.*Did you mean 'n_iter'\?"),
        ({"device": "gpu"}, r"got device='gpu': unknown device 'gpu'; use auto, cpu, cuda"),
    ],
)
def test_bad_options_are_refused_at_the_front_door(options, match):
    da = pm.synthetic_section(n_traces=8, n_samples=16)
    holed = pm.apply_trace_mask(da, pm.regular_mask(da, 2))
    with pytest.raises(ConfigError, match=r"^model 'pocs'.*" + match):
        pm.reconstruct(holed, model="pocs", **options)


def test_options_declare_units_and_help():
    rows = {row.name: row for row in POCSOptions.describe()}
    assert rows["patch_size"].default == (32, 32) and rows["patch_size"].unit == "traces, samples"
    assert rows["n_iter"].help == "POCS iterations per window."
    assert POCSOptions(patch_size="16,24").patch_size == (16, 24)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        (
            {"n_iter": 10**11},
            r"n_iter=100000000000 on 32 x 32 windows \(2304 padded samples\) "
            r"would take about 13\.3 days per window on one core",
        ),
        ({"n_iter": 10**7, "patch_size": 512}, r"would take about \d.* (days|hours) per window"),
    ],
)
def test_absurd_requests_are_refused_with_an_estimate(options, match):
    da = pm.synthetic_section(n_traces=8, n_samples=16)
    holed = pm.apply_trace_mask(da, pm.regular_mask(da, 2))
    with pytest.raises(ConfigError, match=match):
        pm.reconstruct(holed, model="pocs", **options)
    # A long but sane request is accepted (nothing runs: the input is lazy).
    POCS().reconstruct(holed.chunk({"cdp": 4}), POCSOptions(n_iter=2000))


def test_option_of_the_wrong_type_is_a_config_error():
    from promethium.errors import ConfigError

    da = pm.synthetic_gather(n_traces=8, n_samples=16)
    with pytest.raises(ConfigError, match=r"overlap='half'"):
        pm.reconstruct(
            pm.apply_trace_mask(da, pm.regular_mask(da, 2)), model="pocs", overlap="half"
        )


@pytest.mark.parametrize("lazy", [False, True])
def test_pocs_warns_on_regular_decimation_and_names_the_better_choice(lazy):
    da = pm.synthetic_gather(n_traces=64, n_samples=64)
    holed = pm.apply_trace_mask(da, pm.regular_mask(da, 2))
    if lazy:  # the mask is inferred lazily: the warning comes with the compute
        holed = holed.drop_vars("trace_mask").chunk({"offset": 16})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = pm.reconstruct(holed, model="pocs")
        out.compute()
    messages = [str(w.message) for w in caught if issubclass(w.category, pm.PromethiumWarning)]
    assert any("1 of 1 gather(s) miss traces at regular intervals" in m for m in messages)
    assert any("model='linear'" in m and "model='auto'" in m for m in messages)


def test_pocs_does_not_warn_on_random_traces():
    da = pm.synthetic_gather(n_traces=64, n_samples=64)
    holed = pm.apply_trace_mask(da, pm.random_mask(da, 0.3))
    with warnings.catch_warnings():
        warnings.simplefilter("error", pm.PromethiumWarning)
        pm.reconstruct(holed, model="pocs")


def test_device_is_resolved_and_recorded_in_the_provenance():
    import json

    da = pm.synthetic_gather(n_traces=32, n_samples=48)
    holed = pm.apply_trace_mask(da, pm.random_mask(da, 0.3, seed=1))
    out = pm.reconstruct(holed, model="pocs", n_iter=5)
    record = json.loads(out.attrs["promethium_reconstruction"])
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert (record["options"]["device"], record["device"]) == ("auto", expected)
    assert record["precision"] is None
    on_cpu = pm.reconstruct(holed, model="pocs", n_iter=5, device="cpu")
    assert json.loads(on_cpu.attrs["promethium_reconstruction"])["device"] == "cpu"
    np.testing.assert_allclose(on_cpu.values, out.values, atol=1e-4)


def test_cuda_without_cuda_is_refused_before_anything_runs():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    da = pm.synthetic_gather(n_traces=16, n_samples=32)
    holed = pm.apply_trace_mask(da, pm.random_mask(da, 0.3, seed=1)).chunk({"offset": 8})
    with pytest.raises(ConfigError, match=r"device='cuda' was requested but CUDA is not"):
        POCS().reconstruct(holed, POCSOptions(device="cuda"))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_reconstruction_matches_the_cpu():
    da = pm.synthetic_section(n_traces=64, n_samples=128, seed=2)
    holed, missing = _holed(da, 0.4, 3)
    cpu = POCS().reconstruct(holed, POCSOptions(device="cpu"))
    gpu = POCS().reconstruct(holed, POCSOptions(device="cuda"))
    assert abs(snr(da, gpu, missing) - snr(da, cpu, missing)) < 0.1
    np.testing.assert_allclose(gpu.values, cpu.values, atol=1e-3 * float(np.abs(da).max()))
