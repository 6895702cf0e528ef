"""pm.finetune: the gain it brings, the weight set it writes, what it never touches."""

from __future__ import annotations

import json
import warnings

import pytest

import promethium as pm
from promethium.errors import PromethiumWarning
from promethium.ml.weights import load_weights, read_sidecar, weights_sha256


def _line(n_traces=64, seed=5):
    """A stacked section: a generator the gather-trained weights never saw."""
    return pm.synthetic_section(n_traces=n_traces, n_samples=128, seed=seed)


def test_finetuning_gains_on_data_from_another_generator(gather_weights, fd_gather, tmp_path):
    """The start never saw this generator: analytic gathers in, wave-equation gathers out.

    `gather_weights` trained on :func:`promethium.synthetic_gather` shot gathers: sums
    of Ricker wavelets along hyperbolae. `fd_gather` comes from another generator,
    acoustic finite-difference modelling (:mod:`promethium.modeling`) with direct
    waves, refractions, diffractions and reflections, in an ``anticline`` velocity
    model, a family that no training recipe uses (the shipped weights train on FD
    gathers of the ``layered_faulted`` family only; ``test_data.py`` checks both).
    """
    result = pm.finetune(
        fd_gather, "unet", weights=gather_weights, output=tmp_path / "tuned", steps=100,
        fraction=0.2, patch_size=32, inference={"patch_size": 32},
    )  # fmt: skip
    # Measured: about -0.3 dB before and +4 dB after on these held-out traces.
    assert result.after["snr_db"] > result.before["snr_db"] + 2.0
    assert result.after["mse"] < 0.6 * result.before["mse"]
    assert result.improved and result.gain_db > 2.0
    # pm.reconstruct fills the gather's missing traces with the new weights.
    config = read_sidecar(result.weights)["config"]
    holed = pm.apply_trace_mask(fd_gather, pm.random_mask(fd_gather, 0.3, seed=1))
    out = pm.reconstruct(holed, "unet", weights=result.weights, config=config, patch_size=32)
    assert out.shape == fd_gather.shape and bool(out.trace_filled.any())


def test_the_weight_set_and_its_sidecar(tiny_weights, tmp_path):
    output = tmp_path / "tuned"
    result = pm.finetune(_line(), "unet", weights=tiny_weights, output=output, steps=4)
    assert sorted(p.name for p in output.iterdir()) == ["unet.json", "unet.safetensors"]
    assert [p.name for p in tmp_path.iterdir()] == ["tuned"]  # no staging left behind
    assert result.weights == output / "unet.safetensors"
    assert result.sidecar == output / "unet.json"
    _state, info = load_weights(result.weights)  # the sha256 is verified
    assert info["architecture"] == "unet" and info["config"] == read_sidecar(tiny_weights)["config"]
    meta = info["metadata"]
    assert meta["finetuned_from"] == {
        "name": "unet.safetensors",
        "sha256": weights_sha256(tiny_weights),
    }
    assert meta["scores"] == {"before": result.before, "after": result.after}
    assert meta["recipe"]["steps"] == 4 and meta["recipe"]["fraction"] == 0.1
    assert meta["steps"] == result.steps == 4
    survey = meta["survey"]
    assert survey["dims"] == ["cdp", "time"] and survey["shape"] == [64, 128]
    assert survey["source"] is None and survey["n_live"] == 64
    assert survey["holdout"]["n_hidden"] == 6 and len(survey["sample_sha256"]) == 64
    assert set(result.before) == {"snr_improvement_db", "snr_db", "ssim", "mse", "coherence"}
    assert "gain:" in result.describe() and str(result.weights) in result.describe()


def test_a_decimated_survey_is_judged_on_traces_held_out_like_its_gaps(tiny_weights, tmp_path):
    """The verdict scores every other live trace, as the survey's decimation misses them."""
    line = _line()
    holed = pm.apply_trace_mask(line, pm.regular_mask(line, 2))
    result = pm.finetune(holed, "unet", weights=tiny_weights, output=tmp_path / "t", steps=2)
    held = read_sidecar(result.weights)["metadata"]["survey"]["holdout"]
    assert held["pattern"] == "survey" and held["n_live"] == 32
    assert held["n_hidden"] == 16  # not 10 % of the live traces at random: 3


def test_a_finetuning_is_reproducible(tiny_weights, tmp_path):
    runs = [
        pm.finetune(_line(), "unet", weights=tiny_weights, output=tmp_path / n, steps=3, seed=1)
        for n in ("a", "b")
    ]
    assert runs[0].after == runs[1].after
    assert weights_sha256(runs[0].weights) == weights_sha256(runs[1].weights)


def test_the_input_file_is_never_modified(tiny_weights, tmp_path):
    path = tmp_path / "line.sgy"
    da = pm.apply_trace_mask(_line(), pm.random_mask(_line(), 0.2, seed=2))
    pm.to_segy(da, path)
    before = path.read_bytes()
    opened = pm.open_segy(path)
    result = pm.finetune(opened, "unet", weights=tiny_weights, output=tmp_path / "t", steps=2)
    assert path.read_bytes() == before
    survey = read_sidecar(result.weights)["metadata"]["survey"]
    assert survey["source"] == str(path) and survey["file_bytes"] == len(before)
    assert survey["n_live"] == int(opened.trace_mask.sum()) == 51


def test_an_array_in_memory_is_never_modified(tiny_weights, tmp_path):
    da = pm.apply_trace_mask(_line(), pm.random_mask(_line(), 0.2, seed=2))
    copy = da.copy(deep=True)
    pm.finetune(da, "unet", weights=tiny_weights, output=tmp_path / "t", steps=2)
    assert da.identical(copy)


def test_a_lazy_survey_of_many_gathers_streams_its_patches(tiny_weights, tmp_path):
    shots = pm.synthetic_shots(n_shots=6, n_traces=24, n_samples=64)
    store = tmp_path / "shots.zarr"
    pm.to_zarr(shots.chunk({shots.dims[0]: 1}), store)
    lazy = pm.open_zarr(store)
    result = pm.finetune(
        lazy, "unet", weights=tiny_weights, output=tmp_path / "t", steps=3, gathers=2
    )
    holdout = read_sidecar(result.weights)["metadata"]["survey"]["holdout"]
    assert holdout["n_gathers"] == 6 and len(holdout["gathers"].split(",")) == 2
    assert result.steps == 3


def test_a_finetuning_that_does_not_gain_says_so(tiny_weights, tmp_path):
    with pytest.warns(PromethiumWarning, match="did not improve the held-out traces"):
        result = pm.finetune(
            _line(), "unet", weights=tiny_weights, output=tmp_path / "t", steps=1,
            learning_rate=1.0,
        )  # fmt: skip
    assert not result.improved and "no gain" in result.describe()


def test_overwrite_replaces_the_folder_only_once_the_new_set_is_done(tiny_weights, tmp_path):
    output = tmp_path / "tuned"
    output.mkdir()
    (output / "old.txt").write_text("old")
    pm.finetune(_line(), "unet", weights=tiny_weights, output=output, steps=2, overwrite=True)
    assert sorted(p.name for p in output.iterdir()) == ["unet.json", "unet.safetensors"]
    assert [p.name for p in tmp_path.iterdir()] == ["tuned"]


@pytest.mark.parametrize("overwrite", [False, True])
def test_an_interrupted_finetuning_leaves_no_weight_set(
    tiny_weights, tmp_path, monkeypatch, overwrite
):
    import promethium.ml.weights as weights_module

    real = weights_module.save_weights
    calls = []

    def interrupted(module, path, **kwargs):
        calls.append(path)
        if len(calls) == 2:  # the trainer's first save went through; stop in the next
            real(module, path, **kwargs)
            raise KeyboardInterrupt
        return real(module, path, **kwargs)

    monkeypatch.setattr(weights_module, "save_weights", interrupted)
    output = tmp_path / "tuned"
    if overwrite:
        output.mkdir()
        (output / "old.txt").write_text("kept")
    with pytest.raises(KeyboardInterrupt):
        pm.finetune(_line(), "unet", weights=tiny_weights, output=output, steps=50,
                    validate_every=1, overwrite=overwrite)  # fmt: skip
    assert [p.name for p in tmp_path.iterdir()] == (["tuned"] if overwrite else [])
    if overwrite:
        assert [p.name for p in output.iterdir()] == ["old.txt"]


def test_the_default_output_is_a_new_folder_under_runs(tiny_weights, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = pm.finetune(_line(), "unet", weights=tiny_weights, steps=1)
    assert result.weights.parent.parent == (tmp_path / "runs" / "finetune").resolve()
    assert result.weights.parent.name.startswith("unet-")


def test_history_and_early_stopping(tiny_weights, tmp_path):
    result = pm.finetune(
        _line(), "unet", weights=tiny_weights, output=tmp_path / "t", steps=40,
        validate_every=2, patience=1, learning_rate=1.0,
    )  # fmt: skip
    assert result.stopped_early and result.steps < 40
    assert len(result.history) == result.steps // 2
    assert 0 < result.best_step <= result.steps
    assert json.loads(json.dumps(result.history)) == result.history


def test_without_weights_it_starts_from_the_shipped_set(tiny_weights, tmp_path, monkeypatch):
    import shutil

    from promethium.ml.weights import sidecar_path
    from promethium.models.networks import pretrained

    shipped = tmp_path / "shipped"
    shipped.mkdir()
    shutil.copy(tiny_weights, shipped / "unet.safetensors")
    shutil.copy(sidecar_path(tiny_weights), shipped / "unet.json")
    monkeypatch.setattr(pretrained, "PRETRAINED", {"unet": weights_sha256(tiny_weights)})
    monkeypatch.setattr(pretrained, "pretrained_root", lambda: shipped)
    result = pm.finetune(_line(), "unet", output=tmp_path / "t", steps=1)
    assert result.finetuned_from == {
        "name": "pretrained:unet",
        "sha256": weights_sha256(tiny_weights),
    }


def test_the_finetuned_weights_record_the_sampling_they_have_seen(tiny_weights, tmp_path):
    """The sampling check survives fine-tuning: the survey's sampling joins the start's."""
    import shutil

    from promethium.ml.trained_sampling import TrainedSampling
    from promethium.ml.weights import sidecar_path
    from promethium.train.export import update_sidecar

    start = tmp_path / "start" / "unet.safetensors"
    start.parent.mkdir()
    shutil.copy(tiny_weights, start)
    shutil.copy(sidecar_path(tiny_weights), sidecar_path(start))
    synthetic = {"kind": "fd", "dt_ms": [2.0, 4.0], "trace_spacing_m": [6.25, 25.0]}
    update_sidecar(start, {"data": {"synthetic": synthetic}})
    line = pm.synthetic_section(n_traces=64, n_samples=128, dt_ms=8.0, trace_spacing_m=50.0)
    result = pm.finetune(line, "unet", weights=start, output=tmp_path / "tuned", steps=1)
    recorded = read_sidecar(result.weights)["metadata"]["trained_sampling"]
    assert recorded == {
        "sample_interval_ms": [2.0, 4.0, 8.0],
        "trace_spacing_m": [6.25, 25.0, 50.0],
    }
    model = pm.create_model("unet", weights=result.weights)
    assert model.trained_sampling == TrainedSampling((2.0, 4.0, 8.0), (6.25, 25.0, 50.0))
    assert model.trained_sampling.interval_within(8.0) and model.trained_sampling.spacing_within(
        50.0
    )
    with warnings.catch_warnings():  # the fine-tuning survey is within: no sampling warning
        warnings.simplefilter("error", PromethiumWarning)
        pm.reconstruct(pm.apply_trace_mask(line, pm.random_mask(line, 0.3, seed=2)), "unet",
                       weights=result.weights, patch_size=16)  # fmt: skip
    # Weights that record no sampling give fine-tuned weights that record none.
    plain = pm.finetune(line, "unet", weights=tiny_weights, output=tmp_path / "plain", steps=1)
    assert read_sidecar(plain.weights)["metadata"]["trained_sampling"] is None
    assert pm.create_model("unet", weights=plain.weights).trained_sampling is None
