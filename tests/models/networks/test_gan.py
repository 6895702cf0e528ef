"""GAN: generator by name, PatchGAN discriminator, alternating losses."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from promethium.errors import ConfigError
from promethium.models.networks.backbones import backbone_names, build_backbone
from promethium.models.networks.configs import GANConfig
from promethium.models.networks.gan import GAN, PatchGAN
from promethium.models.networks.unet import AttentionUNet, UNet

GENERATOR = {"architecture": "unet", "params": {"features": [4, 8], "bottleneck": 16}}
SMALL = {"generator": GENERATOR, "discriminator": {"params": {"features": [4, 8, 8]}}}


def n_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def patchgan_count(in_channels: int, features=(64, 128, 256, 512)) -> int:
    total = 16 * in_channels * features[0] + features[0]
    for previous, width in itertools.pairwise(features):
        total += 16 * previous * width + 2 * width
    return total + 16 * features[-1] + 1


@pytest.mark.parametrize("size", [(33, 47), (64, 129), (3, 5)])
def test_any_patch_size_keeps_its_shape_and_is_judged(size):
    gan = GAN(**SMALL).eval()
    x = torch.randn(2, 1, *size)
    with torch.no_grad():
        assert gan(x).shape == (2, 1, *size)
        logits = gan.discriminator(torch.cat([x, gan(x)], dim=1))
    assert logits.shape[:2] == (2, 1) and min(logits.shape[-2:]) >= 1


def test_patchgan_is_pix2pix_70x70_by_default():
    disc = PatchGAN(2)
    assert n_params(disc) == patchgan_count(2) == 2_764_609  # pix2pix: 2,768,705 with 6 channels
    assert disc(torch.zeros(1, 2, 256, 256)).shape == (1, 1, 30, 30)


@pytest.mark.parametrize("features", [(4, 8), (3, 5, 7, 9)])
def test_parameter_counts_follow_the_config(features):
    gan = GAN(generator=GENERATOR, discriminator={"params": {"features": list(features)}})
    assert n_params(gan.discriminator) == patchgan_count(2, features)
    generator = UNet(**GENERATOR["params"])
    assert n_params(gan) == n_params(generator) + patchgan_count(2, features)


def test_discriminator_sees_condition_and_candidate_channels():
    gan = GAN(generator={"params": {**GENERATOR["params"], "in_channels": 2, "out_channels": 3}})
    assert gan.discriminator.body[0].in_channels == 5


def test_generator_is_looked_up_by_name():
    gan = GAN(generator={"architecture": "attention_unet", "params": GENERATOR["params"]})
    assert isinstance(gan.generator, AttentionUNet)
    assert {"attention_unet", "residual_unet", "unet"} <= set(backbone_names())
    with pytest.raises(ConfigError, match=r"unknown backbone 'resnet'; known backbones: \["):
        GAN(generator={"architecture": "resnet"})
    with pytest.raises(ConfigError, match=r"invalid params for UNet: unknown key 'depth'"):
        build_backbone("unet", depth=3)


def test_generator_loss_is_l1_plus_weighted_adversarial(masked_problem):
    inputs, target, _ = masked_problem
    gan = GAN(**SMALL, adversarial_weight=0.5).eval()
    out = gan.generator_loss(inputs, target)
    expected = (out.prediction - target).abs().mean()
    assert torch.allclose(out.parts["reconstruction"], expected)
    assert torch.allclose(out.total, expected + 0.5 * out.parts["adversarial"])
    out.total.backward()
    assert all(p.grad is None for p in gan.discriminator.parameters())
    assert all(p.requires_grad for p in gan.discriminator.parameters())
    assert any(p.grad is not None for p in gan.generator.parameters())


def test_discriminator_loss_does_not_reach_the_generator(masked_problem):
    inputs, target, _ = masked_problem
    gan = GAN(**SMALL)
    prediction = gan(inputs)
    out = gan.discriminator_loss(inputs, target, prediction)
    out.total.backward()
    assert torch.allclose(out.total, 0.5 * (out.parts["real"] + out.parts["fake"]))
    assert all(p.grad is None for p in gan.generator.parameters())


def test_alternating_steps_lower_both_losses(masked_problem):
    inputs, target, missing = masked_problem
    torch.manual_seed(0)
    generator = {**GENERATOR, "params": {**GENERATOR["params"], "dropout": 0}}
    gan = GAN(**{**SMALL, "generator": generator})
    gan.train()
    opt_g = torch.optim.Adam(gan.generator.parameters(), lr=1e-2)
    opt_d = torch.optim.Adam(gan.discriminator.parameters(), lr=1e-3)
    reconstruction, discrimination = [], []
    for _ in range(10):
        opt_g.zero_grad()
        g_out = gan.generator_loss(inputs, target, weight=missing)
        g_out.total.backward()
        opt_g.step()
        opt_d.zero_grad()
        d_out = gan.discriminator_loss(inputs, target, g_out.prediction)
        d_out.total.backward()
        opt_d.step()
        reconstruction.append(float(g_out.parts["reconstruction"].detach()))
        discrimination.append(float(d_out.total.detach()))
    assert reconstruction[-1] < 0.7 * reconstruction[0]
    assert discrimination[-1] < discrimination[0]


def test_config_is_the_seeds():
    assert GAN.__name__ == "GAN"
    assert GANConfig().model_dump() == {
        "generator": {"architecture": "unet", "params": {}},
        "discriminator": {"architecture": "patchgan", "params": {"features": (64, 128, 256, 512)}},
        "adversarial_weight": 0.01,
    }
    with pytest.raises(ConfigError, match=r"discriminator\.architecture='pixelgan'"):
        GAN(discriminator={"architecture": "pixelgan"})
    with pytest.raises(
        ConfigError, match=r"unknown key 'discriminator\.params\.layers'.*'features'"
    ):
        GAN(discriminator={"params": {"layers": 3}})


def test_inference_runs_the_generator_in_the_patch_engine(engine_reconstruct):
    gather, _, out = engine_reconstruct(GAN, SMALL)
    assert out.shape == gather.shape and np.isfinite(out.values).all()


def test_a_generator_without_channels_is_refused(make_plugin):
    from promethium.plugins import clear_plugin_cache

    make_plugin("identity-net", IDENTITY_PLUGIN)
    clear_plugin_cache()
    try:
        with pytest.raises(ConfigError, match=r"'identity' does not expose config\.in_channels"):
            GAN(generator={"architecture": "identity"})
    finally:
        clear_plugin_cache()


#: A plugin registering torch's Identity as a network model (never built as a model).
IDENTITY_PLUGIN = """
import promethium as pm

@pm.hookimpl
def promethium_register_models(registry):
    registry.add(pm.ModelSpec(name="identity", family="demo", factory=dict,
                              network="torch.nn:Identity"))
"""
