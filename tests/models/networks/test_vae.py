"""VAE: shapes, parameter count, posterior mean and samples, the beta-VAE loss."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from promethium.errors import ConfigError
from promethium.models.networks.blocks import ConvBlock
from promethium.models.networks.configs import VAEConfig
from promethium.models.networks.vae import VAE

SMALL = {"latent_dim": 3, "encoder_features": [4, 8]}


def n_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def expected_count(
    in_channels=1, out_channels=1, latent_dim=256, encoder_features=(64, 128, 256), **_
) -> int:
    block = lambda i, o: 9 * o * (i + o) + 4 * o  # noqa: E731
    total, channels = 0, in_channels
    for width in encoder_features:
        total += block(channels, width)
        channels = width
    total += 2 * (channels * latent_dim + latent_dim) + latent_dim * channels + channels
    for width in reversed(encoder_features):
        total += 4 * channels * width + width + block(width, width)
        channels = width
    return total + channels * out_channels + out_channels


@pytest.mark.parametrize("size", [(33, 47), (64, 129), (1, 2)])
def test_any_patch_size_keeps_its_shape(size):
    vae = VAE(**SMALL).eval()
    with torch.no_grad():
        assert vae(torch.randn(2, 1, *size)).shape == (2, 1, *size)
        assert vae.sample(torch.randn(2, 1, *size), 3).shape == (3, 2, 1, *size)


@pytest.mark.parametrize(
    "params",
    [SMALL, {**SMALL, "in_channels": 2, "latent_dim": 5}, {"encoder_features": [3, 6, 12]}, {}],
)
def test_parameter_count_follows_the_layer_formula(params):
    assert n_params(VAE(**params)) == expected_count(**params)


def test_latent_is_spatial_at_the_coarsest_level():
    posterior = VAE(**SMALL).eval().posterior(torch.zeros(1, 1, 33, 47))
    assert posterior.mean.shape == posterior.log_var.shape == (1, 3, 9, 12)  # 36 x 48 / 4


def test_eval_decodes_the_posterior_mean():
    torch.manual_seed(0)
    vae = VAE(**SMALL).eval()
    x = torch.randn(2, 1, 16, 20)
    with torch.no_grad():
        posterior = vae.posterior(x)
        assert torch.equal(vae(x), vae.decode(posterior.mean, posterior.padding))
        assert torch.equal(vae(x), vae(x))


def test_posterior_samples_spread_and_are_reproducible():
    torch.manual_seed(0)
    vae = VAE(**SMALL).eval()
    x = torch.randn(1, 1, 16, 20)
    with torch.no_grad():
        first = vae.sample(x, 4, generator=torch.Generator().manual_seed(7))
        again = vae.sample(x, 4, generator=torch.Generator().manual_seed(7))
    assert torch.equal(first, again)
    assert float(first.std(dim=0).mean()) > 0


def test_loss_is_reconstruction_plus_beta_kl(masked_problem):
    inputs, target, _ = masked_problem
    torch.manual_seed(0)
    vae = VAE(**SMALL, beta=0.5).eval()
    torch.manual_seed(1)
    out = vae.loss(inputs, target)
    assert set(out.parts) == {"reconstruction", "kl"}
    assert float(out.parts["kl"].detach()) > 0
    assert torch.allclose(out.total, out.parts["reconstruction"] + 0.5 * out.parts["kl"])


def test_kl_is_zero_for_a_standard_normal_posterior():
    vae = VAE(**SMALL).eval()
    for head in (vae.mean, vae.log_var):
        torch.nn.init.zeros_(head.weight)
        torch.nn.init.zeros_(head.bias)
    x = torch.randn(1, 1, 8, 8)
    assert float(vae.loss(x, x).parts["kl"].detach()) == 0.0


def test_a_few_steps_lower_the_masked_reconstruction_loss(masked_problem, train_steps):
    inputs, target, _ = masked_problem
    torch.manual_seed(0)
    vae = VAE(**SMALL).train()
    losses = train_steps(vae, lambda: vae.loss(inputs, target).total, steps=12)
    assert sum(losses[-3:]) < 0.7 * sum(losses[:3])


def test_bad_params_name_the_key():
    with pytest.raises(ConfigError, match=r"invalid params for VAE: beta=-1\.0: Input should be"):
        VAE(beta=-1.0)
    with pytest.raises(ConfigError, match=r"unknown key 'features'"):
        VAE(features=[4])


def test_config_is_the_seeds():
    assert VAEConfig().model_dump() == {
        "in_channels": 1,
        "out_channels": 1,
        "latent_dim": 256,
        "encoder_features": (64, 128, 256),
        "beta": 1.0,
    }
    assert not any(isinstance(m, torch.nn.Dropout2d) and m.p > 0 for m in VAE(**SMALL).modules())
    assert isinstance(VAE(**SMALL).encoders[0], ConvBlock)


def test_runs_in_the_patch_engine(engine_reconstruct):
    gather, _, out = engine_reconstruct(VAE, SMALL)
    assert out.shape == gather.shape and np.isfinite(out.values).all()
