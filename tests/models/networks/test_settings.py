"""A training configuration file drives inference: its model and inference sections."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

import promethium as pm
from promethium.errors import ConfigError
from promethium.models.networks.settings import InferenceSettings, inference_settings

from .test_plugin import TINY, holed_gather, tiny_weights

CONFIG = {
    "model": {"architecture": "unet", "params": TINY["unet"]},
    "data": {"synthetic": {}, "patch_size": 16, "stride": 8},
    "inference": {"batch_size": 3, "patch_size": 16, "device": "cpu", "aggregate": "median"},
}


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "unet.yaml"
    path.write_text(yaml.safe_dump(CONFIG))
    return path


def test_settings_are_the_model_and_the_inference_keys_the_file_sets(config_file):
    settings = inference_settings(config_file)
    assert settings.model == "unet"
    assert settings.config["features"] == [4] and settings.config["dropout"] == 0.1
    assert settings.options == {
        "batch_size": 3, "patch_size": [16, 16], "device": "cpu", "aggregate": "median"
    }  # fmt: skip
    assert inference_settings(config_file, ["inference.batch_size=2"]).options["batch_size"] == 2
    assert isinstance(settings, InferenceSettings)


def test_the_seed_example_configs_validate():
    for name in ("unet", "vae", "gan", "pinn"):
        settings = inference_settings(f"examples/configs/{name}.yaml")
        assert settings.model == name and settings.options["patch_size"] == [256, 256]


def test_a_bad_file_names_the_key(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({**CONFIG, "inference": {"overlap": 2}}))
    with pytest.raises(ConfigError, match=r"inference\.overlap"):
        inference_settings(path)


@pytest.mark.filterwarnings("ignore:.*filled trace.*less than:UserWarning")
def test_python_and_command_line_apply_the_file(config_file, tmp_path, capsys):
    from promethium.cli import main

    weights = tiny_weights(tmp_path, "unet")
    _, holed, _ = holed_gather()
    out = pm.reconstruct(holed, **inference_settings(config_file).kwargs(), weights=weights)
    record = json.loads(out.attrs["promethium_reconstruction"])
    assert record["model"] == "unet" and record["options"]["batch_size"] == 3
    assert record["options"]["aggregate"] == "median"
    source, target = tmp_path / "in.sgy", tmp_path / "out.sgy"
    pm.to_segy(holed, source)
    argv = ["reconstruct", str(source), str(target), "--config", str(config_file)]
    argv += ["--config", f"weights={weights}", "--batch-size", "2", "-q"]
    assert main([*argv, "--dry-run"]) == 0
    plan = capsys.readouterr().out
    assert "unet" in plan and "batch_size" in plan
    assert main(argv) == 0
    np.testing.assert_allclose(pm.open_segy(target).values, out.values, rtol=1e-5, atol=1e-6)
    two = ["--config", "a.yaml", "--config", "b.yaml", "--overwrite"]
    assert main(["reconstruct", str(source), str(target), *two]) == 1
    assert "takes one configuration file" in capsys.readouterr().err
