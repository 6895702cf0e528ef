"""Starting from a weight set (training.init_weights) and exporting a shippable set."""

from __future__ import annotations

import json

import pytest

from promethium.errors import ConfigError
from promethium.ml.weights import load_weights, read_sidecar, sha256_file
from promethium.train.config import parse_config
from promethium.train.export import export_weights, machine, update_sidecar
from promethium.train.loop.trainer import Trainer

from .conftest import tiny_raw


def _train(tmp_path, architecture="unet", name="run", **training):
    raw = tiny_raw(tmp_path, architecture, epochs=1, **training)
    raw["training"]["output_dir"] = str(tmp_path / name)
    config = parse_config(raw)
    return config, Trainer(config).fit()


def test_export_writes_the_best_weights_with_recipe_data_metrics_and_machine(tmp_path):
    config, result = _train(tmp_path)
    target = export_weights(result, config, tmp_path / "ship", recipe="recipe.yaml")
    assert target == tmp_path / "ship" / "unet.safetensors"
    info = read_sidecar(target)
    assert info["architecture"] == "unet" and info["config"] == config.model.params
    assert info["sha256"] == sha256_file(target)
    assert info["recipe"] == {"file": "recipe.yaml", "config": config.model_dump(mode="json")}
    assert info["data"]["source"] == "synthetic" and info["data"]["synthetic"]["n_train"] == 2
    assert info["metrics"]["validation"] == result.metrics and info["metrics"]["best_epoch"] == 0
    trained_on = info["trained_on"]
    assert trained_on["wall_time_s"] == round(result.wall_time_s, 2) and result.wall_time_s > 0
    assert trained_on["cores"] >= 1 and trained_on["cpu"] == machine()["cpu"]
    assert trained_on["steps"] == result.global_step and trained_on["torch_version"]
    best, _ = load_weights(result.weights)
    shipped, _ = load_weights(target)
    assert all((best[k] == shipped[k]).all() for k in best)


def test_update_sidecar_merges_metrics_and_keeps_the_hash(tmp_path):
    config, result = _train(tmp_path)
    target = export_weights(result, config, tmp_path / "ship")
    before = read_sidecar(target)
    update_sidecar(target, {"metrics": {"benchmark": {"snr_improvement_db": {"random_50": 3.0}}}})
    after = read_sidecar(target)
    assert after["metrics"]["validation"] == before["metrics"]["validation"]
    assert after["metrics"]["benchmark"]["snr_improvement_db"] == {"random_50": 3.0}
    assert after["sha256"] == before["sha256"] == sha256_file(target)


def test_the_command_line_exports(tmp_path, capsys):
    import yaml

    from promethium.train.__main__ import main

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(tiny_raw(tmp_path, epochs=1)))
    assert main(["--config", str(path), "--export", str(tmp_path / "ship"), "-q"]) == 0
    info = json.loads((tmp_path / "ship" / "unet.json").read_text())
    assert info["recipe"]["file"] == str(path) and info["trained_on"]["epochs"] == 1


@pytest.mark.parametrize(("architecture", "into"), [("unet", ""), ("pinn", "backbone"),
                                                     ("gan", "generator")])  # fmt: skip
def test_init_weights_start_a_run_from_a_unet_set(tmp_path, architecture, into):
    _, base = _train(tmp_path, name="base")
    start, _ = load_weights(base.weights)
    raw = tiny_raw(tmp_path, architecture, epochs=1, init_weights=str(base.weights))
    raw["training"]["output_dir"] = str(tmp_path / architecture)
    raw["training"]["optimizer"] = {"learning_rate": 1e-12}  # the weights barely move
    trainer = Trainer(parse_config(raw))
    result = trainer.fit()
    state, _ = load_weights(result.weights)
    prefix = f"{into}." if into else ""
    for key, value in start.items():
        if "running_" in key or "num_batches" in key:
            continue  # batch-norm statistics follow the data
        assert (state[prefix + key] - value).abs().max() < 1e-6, key
    info = read_sidecar(result.weights)["metadata"]["init_weights"]
    assert info["into"] == into and info["sha256"] == sha256_file(base.weights)
    assert info["architecture"] == "unet" and info["path"] == str(base.weights)


def test_init_weights_that_do_not_fit_are_refused_naming_the_keys(tmp_path):
    _, base = _train(tmp_path, name="base")
    raw = tiny_raw(tmp_path, "vae", epochs=1, init_weights=str(base.weights))
    with pytest.raises(ConfigError, match=r"training.init_weights .* does not fit.*missing \["):
        Trainer(parse_config(raw)).fit()
    raw = tiny_raw(tmp_path, epochs=1, init_weights=str(base.weights))
    raw["model"]["params"]["features"] = [8]
    with pytest.raises(ConfigError, match=r"is \(4, 2, 3, 3\) in the set, \(8, 2, 3, 3\) here"):
        Trainer(parse_config(raw)).fit()


def test_export_without_an_epoch_is_refused(tmp_path):
    config, result = _train(tmp_path)
    result.weights.unlink()
    with pytest.raises(ConfigError, match="no best weights"):
        export_weights(result, config, tmp_path / "ship")
