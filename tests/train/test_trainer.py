"""The trainer: every architecture trains; checkpoints resume exactly; bad resumes refused."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from safetensors.torch import load_file

from promethium.errors import ConfigError
from promethium.ml.weights import load_weights, read_sidecar
from promethium.train.config import parse_config
from promethium.train.loop.callbacks import Callback
from promethium.train.loop.trainer import Trainer

from .conftest import tiny_raw


@pytest.mark.parametrize(
    "architecture", ["unet", "attention_unet", "residual_unet", "vae", "gan", "pinn"]
)
def test_each_architecture_trains_and_leaves_weights_with_a_sidecar(tmp_path, architecture):
    raw = tiny_raw(tmp_path, architecture, epochs=1)
    result = Trainer(parse_config(raw)).fit()
    assert result.epochs_run == 1 and result.best_epoch == 0
    assert math.isfinite(result.history[0]["train_loss"])
    assert math.isfinite(result.best_val_loss)
    sidecar = read_sidecar(result.weights)
    assert sidecar["architecture"] == architecture
    assert sidecar["config"] == parse_config(raw).model.params
    state, _ = load_weights(result.weights)
    assert state  # the network's tensors, loaded without unpickling
    assert set(result.metrics) == {"snr_improvement_db", "ssim", "mse", "coherence"}
    if architecture == "gan":
        assert {"reconstruction", "adversarial", "discriminator"} <= set(result.history[0]["parts"])
    if architecture == "pinn":
        assert {"data", "physics"} <= set(result.history[0]["parts"])


def test_training_lowers_the_validation_loss(tmp_path):
    raw = tiny_raw(tmp_path, epochs=6)
    raw["training"]["optimizer"] = {"learning_rate": 3e-3}
    result = Trainer(parse_config(raw)).fit()
    losses = [h["val_loss"] for h in result.history]
    assert min(losses[1:]) < losses[0]
    assert result.best_val_loss == min(losses)
    assert result.best_epoch == int(np.argmin(losses))


class _Crash(Exception):
    pass


class _CrashAfter(Callback):
    """Stops the process (as a kill would) right after step `step` was checkpointed."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_step_end(self, trainer, step):
        if step.global_step == self.step:
            raise _Crash


def _weights(path):
    return {k: v.numpy() for k, v in load_file(str(path)).items()}


@pytest.mark.parametrize("architecture", ["unet", "gan"])
def test_a_resumed_run_ends_exactly_like_an_uninterrupted_one(tmp_path, architecture):
    training = {"epochs": 3, "checkpoint_every_steps": 1}
    data = {"augmentation": {"noise_std": 0.05}}
    whole = tiny_raw(tmp_path / "whole", architecture, **training)
    whole["data"].update(data)
    expected = Trainer(parse_config(whole)).fit()

    broken = tiny_raw(tmp_path / "broken", architecture, **training)
    broken["data"].update(data)
    config = parse_config(broken)
    with pytest.raises(_Crash):
        Trainer(config, callbacks=[_CrashAfter(3)]).fit()  # mid-epoch 2 of 3
    resumed = Trainer(config, resume=True).fit()

    assert resumed.global_step == expected.global_step == 6
    assert resumed.history == expected.history  # same losses, epoch by epoch
    a, b = _weights(expected.last_weights), _weights(resumed.last_weights)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_checkpoints_are_json_and_safetensors_only(tmp_path):
    raw = tiny_raw(tmp_path, epochs=1)
    Trainer(parse_config(raw)).fit()
    root = tmp_path / "run" / "checkpoints"
    folder = root / (root / "latest").read_text().strip()
    assert sorted(p.name for p in folder.iterdir()) == ["state.json", "state.safetensors"]
    state = json.loads((folder / "state.json").read_text())
    assert state["progress"]["epoch"] == 1 and state["progress"]["global_step"] == 2
    assert {"optimizers", "schedulers", "scaler", "rng", "config"} <= set(state)
    tensors = load_file(str(folder / "state.safetensors"))
    assert "rng.torch" in tensors and any(k.startswith("opt_model.") for k in tensors)


def test_checkpoint_state_is_strict_json_and_non_finite_numbers_come_back(tmp_path):
    import torch

    from promethium.train.checkpoint import load_checkpoint, save_checkpoint

    state = {"progress": {"best_val_loss": math.inf}, "schedulers": {"best": -math.inf}}
    folder = save_checkpoint(tmp_path, 3, {"w": torch.ones(2)}, state)

    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    json.loads((folder / "state.json").read_text(), parse_constant=refuse)
    _, loaded = load_checkpoint(folder)
    assert loaded["progress"] == {"best_val_loss": math.inf}
    assert loaded["schedulers"] == {"best": -math.inf}


def test_resume_refuses_a_checkpoint_of_another_architecture_or_config(tmp_path):
    raw = tiny_raw(tmp_path, epochs=1)
    Trainer(parse_config(raw)).fit()
    other = tiny_raw(tmp_path, "residual_unet", epochs=1)
    with pytest.raises(ConfigError, match="was written for model 'unet'"):
        Trainer(parse_config(other), resume=True).fit()
    changed = tiny_raw(tmp_path, epochs=1, batch_size=1)
    with pytest.raises(ConfigError, match=r"\['training.batch_size'\] differ"):
        Trainer(parse_config(changed), resume=True).fit()
    longer = tiny_raw(tmp_path, epochs=2)  # more epochs: allowed
    assert Trainer(parse_config(longer), resume=True).fit().epochs_run == 2


def test_a_fresh_run_never_overwrites_checkpoints_and_resume_needs_one(tmp_path):
    raw = tiny_raw(tmp_path, epochs=1)
    with pytest.raises(ConfigError, match="holds no checkpoint; start without --resume"):
        Trainer(parse_config(raw), resume=True).fit()
    Trainer(parse_config(raw)).fit()
    with pytest.raises(ConfigError, match="holds checkpoints of an earlier run; pass --resume"):
        Trainer(parse_config(raw)).fit()


def test_early_stopping_ends_a_run_that_stalls(tmp_path):
    raw = tiny_raw(tmp_path, epochs=20)
    raw["training"]["optimizer"] = {"learning_rate": 1e-9}
    raw["training"]["early_stopping"] = {"patience": 2, "min_delta": 1.0}
    result = Trainer(parse_config(raw)).fit()
    assert result.stopped_early and result.epochs_run == 3


def test_mixed_precision_on_the_cpu_is_bfloat16_and_said(tmp_path, caplog):
    raw = tiny_raw(tmp_path, epochs=1, mixed_precision=True)
    with caplog.at_level("INFO", logger="promethium.train"):
        result = Trainer(parse_config(raw)).fit()
    assert result.precision == "bfloat16 autocast on cpu without gradient scaling"
    assert "bfloat16 autocast on cpu" in caplog.text
    assert math.isfinite(result.best_val_loss)


@pytest.mark.slow
def test_a_run_killed_with_sigkill_resumes_exactly(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    import yaml

    training = {"epochs": 6, "checkpoint_every_steps": 1}
    whole = tiny_raw(tmp_path / "whole", **training)
    expected = Trainer(parse_config(whole)).fit()
    killed = tiny_raw(tmp_path / "killed", **training)
    config = tmp_path / "killed.yaml"
    config.write_text(yaml.safe_dump(killed))
    latest = tmp_path / "killed" / "run" / "checkpoints" / "latest"
    root = Path(__file__).parents[2]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(root)}
    command = [sys.executable, "-m", "promethium.train", "--config", str(config), "-q"]
    process = subprocess.Popen(command, cwd=root, env=env)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if latest.is_file() and latest.read_text().strip() >= "step-00000003":
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    assert process.wait(timeout=60) == -signal.SIGKILL, "the run ended before it was killed"
    resumed = Trainer(parse_config(killed), resume=True).fit()
    assert resumed.history == expected.history
    a, b = _weights(expected.last_weights), _weights(resumed.last_weights)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
