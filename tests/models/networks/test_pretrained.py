"""The shipped weight sets: pinned by sha256, used by default, with their numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import promethium as pm
from promethium.errors import ConfigError, PluginError
from promethium.ml.weights import save_weights, sha256_file
from promethium.models.networks import plugin, pretrained
from promethium.registry import Registry

ROOT = Path(__file__).resolve().parents[3]
TINY_UNET = {"in_channels": 2, "features": [4], "bottleneck": 8, "dropout": 0.0}
BENCHMARK = {"random50": 9.5, "decimate2": 7.25}


def _tiny_set(folder: Path, name: str = "unet") -> Path:
    """A small trained-format unet set with a sidecar carrying benchmark numbers."""
    import torch

    from promethium.models.networks.unet import UNet
    from promethium.train.export import update_sidecar

    torch.manual_seed(0)
    path = save_weights(UNet(**TINY_UNET), folder / f"{name}.safetensors", config=TINY_UNET,
                        architecture=name)  # fmt: skip
    update_sidecar(path, {"metrics": {"benchmark": {"snr_improvement_db": BENCHMARK}}})
    return path


@pytest.fixture
def shipped(monkeypatch, tmp_path):
    """Ship `_tiny_set` as the unet weights: the table and folder pretrained.py reads."""
    path = _tiny_set(tmp_path)
    monkeypatch.setattr(pretrained, "PRETRAINED", {"unet": sha256_file(path)})
    monkeypatch.setattr(pretrained, "pretrained_root", lambda: tmp_path)
    registry = Registry()
    plugin.promethium_register_models(registry)
    return registry, path


def _holed():
    gather = pm.synthetic_gather(n_traces=24, n_samples=48, seed=2)
    live = np.ones(24, bool)
    live[[4, 9, 10, 17]] = False
    return gather, pm.apply_trace_mask(gather, live), live


def test_no_shipped_set_is_none():
    assert pretrained.pretrained_weights("no-such-network") is None
    assert pretrained.pretrained_info("no-such-network") is None


def test_a_pinned_set_is_verified_and_a_changed_file_refused(tmp_path):
    path = _tiny_set(tmp_path)
    table = {"unet": sha256_file(path)}
    assert pretrained.pretrained_weights("unet", table=table, root=tmp_path) == path
    assert pretrained.pretrained_info("unet", table=table, root=tmp_path)["config"] == TINY_UNET
    with pytest.raises(PluginError) as err:
        pretrained.pretrained_weights("unet", table={"unet": "0" * 64}, root=tmp_path)
    message = str(err.value)
    assert str(path) in message and "0" * 64 in message and "Reinstall Promethium" in message
    path.unlink()
    with pytest.raises(PluginError, match=r"shipped weights of 'unet' are missing.*reinstall"):
        pretrained.pretrained_weights("unet", table=table, root=tmp_path)


@pytest.mark.filterwarnings("ignore:.*filled trace.*less than:UserWarning")
def test_a_network_without_weights_runs_its_shipped_set(shipped):
    registry, path = shipped
    spec = registry.get("unet")
    assert dict(spec.config) == {**TINY_UNET, "out_channels": 1} and spec.weights == path
    _, holed, live = _holed()
    out = pm.reconstruct(holed, model="unet", registry=registry, patch_size=16, device="cpu")
    record = json.loads(out.attrs["promethium_reconstruction"])
    assert record["weights"] == "shipped:unet" and record["weights_sha256"] == sha256_file(path)
    np.testing.assert_array_equal(out.values[live], holed.values[live])
    assert np.abs(out.values[~live]).sum() > 0
    # Explicit weights run as before and are named in the provenance.
    again = pm.reconstruct(holed, model="unet", registry=registry, weights=path,
                           patch_size=16, device="cpu")  # fmt: skip
    assert json.loads(again.attrs["promethium_reconstruction"])["weights"] == str(path)
    np.testing.assert_allclose(again.values, out.values, rtol=1e-6)


def test_params_that_conflict_with_the_shipped_set_are_refused(shipped):
    registry, _ = shipped
    with pytest.raises(ConfigError) as err:
        registry.build("unet", {"features": [8]})
    message = str(err.value)
    assert '"features": [4]' in message and '"features": [8]' in message
    assert 'pass config={"features": [4]}' in message
    # Giving the shipped value is no conflict.
    assert registry.build("unet", {"features": [4]}).in_channels == 2


def test_explicit_weights_bring_their_own_config(shipped, tmp_path):
    registry, _ = shipped
    import torch

    from promethium.models.networks.unet import UNet

    other = {"in_channels": 1, "out_channels": 1, "features": [2, 4], "bottleneck": 8,
             "dropout": 0.1}  # fmt: skip
    torch.manual_seed(1)
    path = save_weights(UNet(**other), tmp_path / "own" / "w.safetensors", config=other,
                        architecture="unet")  # fmt: skip
    model = registry.build("unet", {"weights": str(path)})
    assert model.in_channels == 1


def test_the_catalogue_shows_the_benchmark_numbers(shipped):
    from promethium.catalog import list_models

    registry, _ = shipped
    (row,) = list_models("unet", registry=registry)
    assert row.weights and dict(row.benchmark) == BENCHMARK
    assert list_models("vae", registry=registry)[0].benchmark == ()


@pytest.mark.parametrize("name", sorted(pretrained.PRETRAINED))
def test_promethium_plugins_prints_the_shipped_numbers(name):
    from rich.console import Console

    from promethium.cli.plugins import render_plugins

    console = Console(width=240, record=True)
    console.print(render_plugins(name))
    text = console.export_text()
    assert "SNR gain in dB on held-out gathers" in text and "decimate2" in text


def test_a_damaged_shipped_file_is_refused_when_built(shipped, tmp_path):
    registry, path = shipped
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(PluginError, match="Reinstall Promethium"):
        registry.build("unet")


@pytest.mark.parametrize("name", sorted(pretrained.PRETRAINED))
def test_each_shipped_set_matches_its_pin_recipe_and_card(name):
    path = pretrained.pretrained_weights(name)
    assert path is not None and sha256_file(path) == pretrained.PRETRAINED[name]
    info = pretrained.pretrained_info(name)
    assert info["architecture"] == name
    for key in ("recipe", "data", "metrics", "trained_on"):
        assert info[key], key
    assert info["trained_on"]["wall_time_s"] > 0 and info["trained_on"]["cpu"]
    assert info["data"]["source"] == "synthetic"  # never field data
    recipe = ROOT / "examples" / "configs" / "pretrained" / f"{name}.yaml"
    assert recipe.is_file() and (ROOT / "docs" / "models" / f"{name}.md").is_file()
    from promethium.train.config import load_config

    assert load_config(recipe).model.params == info["config"]
    assert set(info["metrics"]["benchmark"]["snr_improvement_db"]) >= {
        "random30", "random50", "decimate2", "decimate4", "gaps",
    }  # fmt: skip


def test_the_shipped_sets_stay_small():
    total = sum(
        (pretrained.pretrained_root() / f"{n}.safetensors").stat().st_size
        for n in pretrained.PRETRAINED
    )
    assert total < 60e6


@pytest.mark.filterwarnings("ignore:.*filled trace.*less than:UserWarning")
@pytest.mark.parametrize("name", sorted(pretrained.PRETRAINED))
def test_each_shipped_network_fills_a_gather_better_than_zeros(name):
    from promethium import metrics

    gather, holed, live = _holed()
    out = pm.reconstruct(holed, model=name, device="cpu")
    record = json.loads(out.attrs["promethium_reconstruction"])
    assert record["weights"] == f"shipped:{name}"
    assert record["weights_sha256"] == pretrained.PRETRAINED[name]
    assert metrics.snr_improvement(gather, holed, out, traces=~live) > 0
