"""The built-in networks as registered models: config, weights, the engine runs each."""

from __future__ import annotations

import json

import numpy as np
import pytest

import promethium as pm
from promethium.errors import ConfigError, PluginError
from promethium.ml.weights import save_weights
from promethium.models.networks import plugin, pretrained
from promethium.models.networks.configs import UNetConfig
from promethium.registry import Registry

#: Small configurations of each model (a few thousand parameters).
TINY = {
    "unet": {"features": [4], "bottleneck": 8},
    "attention_unet": {"features": [4], "bottleneck": 8},
    "residual_unet": {"features": [4], "bottleneck": 8},
    "vae": {"latent_dim": 4, "encoder_features": [4]},
    "gan": {
        "generator": {"architecture": "unet", "params": {"features": [4], "bottleneck": 8}},
        "discriminator": {"params": {"features": [4, 8]}},
    },
    "pinn": {"backbone_params": {"features": [4], "bottleneck": 8}},
}


@pytest.fixture
def registry():
    registry = Registry()
    plugin.promethium_register_models(registry)
    return registry


def tiny_weights(tmp_path, name, config=None, architecture=None):
    """Save a freshly initialised small network of model `name`; return the path."""
    import torch

    from promethium.ml.torch_model import _import_reference

    entry = plugin.NETWORK_MODELS[name]
    params = entry.config_type.model_validate(config or TINY[name]).model_dump(mode="json")
    torch.manual_seed(3)
    net = _import_reference(entry.network)(**params)
    path = tmp_path / f"{name}.safetensors"
    return save_weights(net, path, config=params, architecture=architecture or name)


def holed_gather():
    gather = pm.synthetic_gather(n_traces=16, n_samples=32, seed=1)
    live = np.ones(16, bool)
    live[[3, 8, 9]] = False
    return gather, pm.apply_trace_mask(gather, live), live


def test_registers_the_seed_networks_with_their_params_as_config(registry):
    assert set(plugin.NETWORK_MODELS) <= set(registry.list())
    spec = registry.get("unet")
    assert spec.family == "unet" and spec.options is plugin.NetworkOptions
    # The default config is the shipped weights' (see test_pretrained.py), else the seed's.
    for name in plugin.NETWORK_MODELS:
        assert dict(registry.get(name).config) == plugin.default_config(name)


def test_without_shipped_weights_the_default_config_is_the_seeds(monkeypatch):
    monkeypatch.setattr(pretrained, "PRETRAINED", {})
    registry = Registry()
    plugin.promethium_register_models(registry)
    assert dict(registry.get("unet").config) == {
        "in_channels": 1,
        "out_channels": 1,
        "features": [64, 128, 256, 512],
        "bottleneck": 1024,
        "dropout": 0.1,
    }
    assert registry.get("unet").weights is None
    assert registry.get("gan").config["adversarial_weight"] == 0.01
    assert registry.get("pinn").config["backbone"] == "unet"
    assert registry.get("vae").config["latent_dim"] == 256
    # The seed's inference defaults, but the patch the shipped weights were trained for.
    opts = plugin.NetworkOptions()
    assert (opts.patch_size, opts.overlap, opts.batch_size) == ((128, 128), 0.5, 8)


def test_registered_through_the_entry_point_group():
    from importlib.metadata import entry_points

    eps = {ep.name: ep.value for ep in entry_points(group="promethium")}
    if "builtin-networks" not in eps:
        pytest.skip("the package metadata predates the builtin-networks entry point")
    assert eps["builtin-networks"] == "promethium.models.networks.plugin"
    assert "pinn" in pm.list_models() or "pinn" in [m.name for m in pm.list_models()]


@pytest.mark.parametrize("name", sorted(plugin.NETWORK_MODELS))
def test_without_weights_refuses_and_says_how_to_train(monkeypatch, name):
    monkeypatch.setattr(pretrained, "PRETRAINED", {})  # a network with none shipped
    registry = Registry()
    plugin.promethium_register_models(registry)
    with pytest.raises(ConfigError, match="has no trained weights") as err:
        registry.build(name)
    message = str(err.value)
    assert f"promethium train --config examples/configs/{name}.yaml" in message
    assert "docs/training.md" in message and "weights=" in message
    _, holed, _ = holed_gather()
    with pytest.raises(ConfigError, match="has no trained weights"):
        pm.reconstruct(holed, model=name, registry=registry)


@pytest.mark.filterwarnings("ignore:.*filled trace.*less than:UserWarning")
@pytest.mark.parametrize("name", sorted(plugin.NETWORK_MODELS))
def test_the_engine_runs_each_network_with_its_weights(registry, tmp_path, name):
    path = tiny_weights(tmp_path, name)
    gather, holed, live = holed_gather()
    out = pm.reconstruct(
        holed,
        model=name,
        registry=registry,
        config={**TINY[name], "weights": str(path)},
        patch_size=16,
        device="cpu",
    )
    assert out.shape == gather.shape and np.isfinite(out.values).all()
    np.testing.assert_array_equal(out.values[live], holed.values[live])
    assert np.abs(out.values[~live]).sum() > 0
    record = json.loads(out.attrs["promethium_reconstruction"])
    assert record["model"] == name and record["plugin"] == ""
    model = registry.build(name, {**TINY[name], "weights": str(path)})
    assert model.in_channels == 1


def test_in_channels_follow_the_config(registry, tmp_path):
    config = {"features": [4], "bottleneck": 8, "in_channels": 2}
    path = tiny_weights(tmp_path, "unet", config)
    model = registry.build("unet", {**config, "weights": str(path)})
    assert model.in_channels == 2
    gan = {"generator": {"params": {"features": [4], "bottleneck": 8, "in_channels": 2}}}
    gan_path = tiny_weights(tmp_path, "gan", gan)
    assert registry.build("gan", {**gan, "weights": str(gan_path)}).in_channels == 2
    _, holed, _ = holed_gather()
    out = pm.reconstruct(
        holed, model="unet", registry=registry, config={**config, "weights": str(path)},
        patch_size=16, device="cpu",
    )  # fmt: skip
    assert np.isfinite(out.values).all()


def test_weights_of_another_architecture_are_refused_naming_both(registry, tmp_path):
    path = tiny_weights(tmp_path, "unet", architecture="vae")
    with pytest.raises(ConfigError, match="trained for architecture 'vae', not for model 'unet'"):
        registry.build("unet", {**TINY["unet"], "weights": str(path)})


def test_weights_of_another_config_are_refused_naming_both(registry, tmp_path):
    path = tiny_weights(tmp_path, "unet")
    with pytest.raises(ConfigError) as err:
        registry.build("unet", {"features": [8], "bottleneck": 8, "weights": str(path)})
    message = str(err.value)
    assert '"features": [4]' in message and '"features": [8]' in message
    assert 'config={"features": [4]}' in message


def test_a_plain_checkpoint_that_does_not_fit_is_a_plugin_error(registry, tmp_path):
    import torch

    checkpoint = tmp_path / "net.pt"
    torch.save(torch.nn.Conv2d(1, 1, 1).state_dict(), checkpoint)
    with pytest.raises(PluginError, match="do not fit network"):
        registry.build("unet", {**TINY["unet"], "weights": str(checkpoint)}).reconstruct(
            holed_gather()[1], plugin.NetworkOptions(patch_size=16, device="cpu")
        )


def test_bad_params_are_a_config_error_naming_the_key(registry, tmp_path):
    path = tiny_weights(tmp_path, "unet")
    with pytest.raises(ConfigError, match=r"no config key 'feature'.*Did you mean 'features'"):
        registry.build("unet", {"feature": [4], "weights": str(path)})
    with pytest.raises(ConfigError, match=r"invalid params for model 'unet': features\.0=0"):
        registry.build("unet", {"features": [0], "weights": str(path)})


def test_uncertainty_defaults_to_the_seed_ensemble():
    opts = plugin.NetworkOptions.model_validate({"return_uncertainty": True})
    assert (opts.ensemble_size, opts.dropout_inference) == (5, True)
    opts = plugin.NetworkOptions.model_validate({"return_uncertainty": "true"})
    assert (opts.ensemble_size, opts.dropout_inference) == (5, True)
    given = plugin.NetworkOptions.model_validate({"return_uncertainty": True, "ensemble_size": 1})
    assert (given.ensemble_size, given.dropout_inference) == (1, False)
    assert plugin.NetworkOptions().ensemble_size is None


def test_network_in_channels_reads_nested_params():
    assert plugin.network_in_channels(UNetConfig(in_channels=2)) == 2
    pinn = plugin.NETWORK_MODELS["pinn"].config_type.model_validate(
        {"backbone_params": {"in_channels": 2}}
    )
    assert plugin.network_in_channels(pinn) == 2


#: A third-party plugin whose network model serves as a backbone and a generator.
TINY_BACKBONE_PLUGIN = """
from types import SimpleNamespace

import torch

import promethium as pm


class TinyNet(torch.nn.Module):
    def __init__(self, in_channels=1, out_channels=1, width=3, dropout=0.1):
        super().__init__()
        self.config = SimpleNamespace(in_channels=in_channels, out_channels=out_channels)
        self.body = torch.nn.Sequential(
            torch.nn.Conv2d(in_channels, width, 3, padding=1), torch.nn.ReLU(),
            torch.nn.Dropout2d(dropout), torch.nn.Conv2d(width, out_channels, 3, padding=1),
        )

    def forward(self, x):
        return self.body(x)


@pm.hookimpl
def promethium_register_models(registry):
    registry.add(pm.ModelSpec(name="tiny-net", family="demo", factory=dict,
                              network=__name__ + ":TinyNet"))
"""


@pytest.fixture
def tiny_backbone_plugin(make_plugin):
    from promethium.plugins import clear_plugin_cache

    make_plugin("tiny-backbone", TINY_BACKBONE_PLUGIN)
    clear_plugin_cache()
    yield
    clear_plugin_cache()


def test_backbones_are_looked_up_in_the_given_registry(registry):
    from promethium.models.networks.backbones import backbone_names, build_backbone
    from promethium.models.networks.unet import ResidualUNet
    from promethium.plugin import ModelSpec

    registry.add(
        ModelSpec(name="mine", family="demo", factory=dict,
                  network="promethium.models.networks.unet:ResidualUNet")
    )  # fmt: skip
    registry.add(ModelSpec(name="no-net", family="demo", factory=dict))
    assert isinstance(build_backbone("mine", registry=registry, features=[4]), ResidualUNet)
    assert "mine" in backbone_names(registry) and "no-net" not in backbone_names(registry)
    with pytest.raises(ConfigError, match=r"model 'no-net' is no network; known backbones: \["):
        build_backbone("no-net", registry=registry)
    with pytest.raises(ConfigError, match=r"unknown backbone 'vit'.*'residual_unet'"):
        build_backbone("vit", registry=registry)
    registry.add(ModelSpec(name="broken", family="demo", factory=dict, network="json:dumps"))
    with pytest.raises(PluginError, match=r"built str, not a torch.nn.Module"):
        build_backbone("broken", registry=registry, obj=1)


@pytest.mark.filterwarnings("ignore:.*filled trace.*less than:UserWarning")
def test_a_third_party_backbone_plugs_into_gan_and_pinn(tiny_backbone_plugin, tmp_path):
    from promethium.models.networks.gan import GAN
    from promethium.models.networks.pinn import PINN

    pinn = PINN(backbone="tiny-net", backbone_params={"width": 2})
    assert type(pinn.backbone).__name__ == "TinyNet"
    critic = {"params": {"features": [4, 8]}}
    gan = GAN(generator={"architecture": "tiny-net"}, discriminator=critic)
    assert type(gan.generator).__name__ == "TinyNet"
    assert gan.discriminator.body[0].in_channels == 2
    config = {"backbone": "tiny-net", "backbone_params": {"width": 2}}
    path = tiny_weights(tmp_path, "pinn", config)
    _, holed, live = holed_gather()
    out = pm.reconstruct(
        holed, model="pinn", config={**config, "weights": str(path)}, patch_size=16, device="cpu"
    )
    assert np.isfinite(out.values).all() and np.abs(out.values[~live]).sum() > 0


@pytest.mark.filterwarnings("ignore:.*filled trace.*less than:UserWarning")
def test_reconstruct_and_create_model_take_weights(tmp_path):
    from promethium.ml.options import TorchOptions
    from promethium.ml.weights import sha256_file

    path = tiny_weights(tmp_path, "unet")
    _, holed, live = holed_gather()
    out = pm.reconstruct(
        holed, model="unet", weights=path, config=TINY["unet"], patch_size=16, device="cpu"
    )
    record = json.loads(out.attrs["promethium_reconstruction"])
    assert record["weights_sha256"] == sha256_file(path)
    assert record["config"]["weights"] == str(path) and record["plugin"] == "builtin-networks"
    model = pm.create_model("unet", weights=path, **TINY["unet"])
    assert model.weights == (path,)
    direct = model.reconstruct(holed, TorchOptions(patch_size=16, device="cpu"))
    np.testing.assert_allclose(out.values[~live], direct.values[~live], rtol=1e-5, atol=1e-6)
    with pytest.raises(ConfigError, match="model 'linear' has no config key 'weights'"):
        pm.reconstruct(holed, model="linear", weights=path)


def test_auto_tries_every_shipped_network():
    from promethium.models.auto import default_candidates
    from promethium.plugins import default_registry

    assert set(pretrained.PRETRAINED) <= set(default_candidates(default_registry()))


@pytest.mark.filterwarnings("ignore:.*filled trace.*less than:UserWarning")
@pytest.mark.parametrize("name", sorted(plugin.NETWORK_MODELS))
def test_every_network_passes_the_reconstruction_contract(registry, tmp_path, name):
    import dataclasses

    from promethium.testing import assert_reconstruction_contract

    path = tiny_weights(tmp_path, name)
    spec = registry.get(name)
    spec = dataclasses.replace(spec, config={**spec.config, **TINY[name], "weights": str(path)})
    assert_reconstruction_contract(
        spec, check_live=False, patch_size=16, batch_size=4, device="cpu"
    )


@pytest.mark.filterwarnings("ignore:.*filled trace.*less than:UserWarning")
@pytest.mark.parametrize("name", ["unet", "gan", "pinn"])
def test_uncertainty_out_of_the_box_is_mc_dropout(tmp_path, name):
    path = tiny_weights(tmp_path, name)
    _, holed, live = holed_gather()
    out = pm.reconstruct(
        holed, model=name, weights=path, config=TINY[name], return_uncertainty=True,
        patch_size=16, device="cpu",
    )  # fmt: skip
    std = out["std"].values
    assert (std[~live].max(axis=-1) > 0).all() and (std[live] == 0).all()
    options = json.loads(out.attrs["promethium_reconstruction"])["options"]
    assert (options["ensemble_size"], options["dropout_inference"]) == (5, True)
    again = pm.reconstruct(
        holed, model=name, weights=path, config=TINY[name], return_uncertainty=True,
        patch_size=16, device="cpu",
    )  # fmt: skip
    np.testing.assert_array_equal(again["std"].values, std)  # seeded: reproducible


@pytest.mark.filterwarnings("ignore:.*filled trace.*less than:UserWarning")
def test_vae_uncertainty_comes_from_posterior_samples(tmp_path):
    from promethium.ml.options import TorchOptions

    path = tiny_weights(tmp_path, "vae")
    _, holed, live = holed_gather()
    kwargs = {"weights": path, "config": TINY["vae"], "patch_size": 16, "device": "cpu"}
    out = pm.reconstruct(holed, model="vae", return_uncertainty=True, **kwargs)
    std = out["std"].values
    assert (std[~live].max(axis=-1) > 0).all() and (std[live] == 0).all()
    again = pm.reconstruct(holed, model="vae", return_uncertainty=True, **kwargs)
    np.testing.assert_array_equal(again["std"].values, std)
    # Without MC passes the VAE decodes the posterior mean: deterministic, std-free.
    model = pm.create_model("vae", weights=path, **TINY["vae"])
    plain = model.reconstruct(holed, TorchOptions(patch_size=16, device="cpu"))
    mean_only = model.reconstruct(holed, TorchOptions(patch_size=16, device="cpu"))
    np.testing.assert_array_equal(plain.values, mean_only.values)
    # The posterior samples are seeded by patch, not by chunking.
    chunked = pm.reconstruct(
        holed.chunk({"offset": 5}), model="vae", return_uncertainty=True, **kwargs
    )
    np.testing.assert_allclose(chunked["std"].values, std, rtol=1e-5, atol=1e-6)


@pytest.mark.filterwarnings("ignore:.*filled trace.*less than:UserWarning")
def test_the_command_line_runs_a_network_with_weights(tmp_path, capsys):
    from promethium.cli import main

    path = tiny_weights(tmp_path, "unet")
    _, holed, live = holed_gather()
    source, target = tmp_path / "in.sgy", tmp_path / "out.sgy"
    pm.to_segy(holed, source)
    base = ["reconstruct", str(source), str(target), "-m", "unet", "-o", "patch_size=16"]
    tiny = ["--config", "features=[4]", "--config", "bottleneck=8"]
    assert main([*base, *tiny, "--config", f"weights={path}", "-o", "device=cpu", "-q"]) == 0
    out = pm.open_segy(target)
    np.testing.assert_allclose(out.values[live], holed.values[live], rtol=1e-6)
    assert np.abs(out.values[~live]).sum() > 0
