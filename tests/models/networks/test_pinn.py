"""PINN: a backbone by name, trained on data + physics_weight x physics."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from promethium.errors import ConfigError
from promethium.models.networks.configs import PhysicsConfig, PINNConfig
from promethium.models.networks.physics import physics_loss
from promethium.models.networks.pinn import PINN
from promethium.models.networks.sampling import Sampling
from promethium.models.networks.unet import ResidualUNet, UNet

BACKBONE = {"features": [4, 8], "bottleneck": 16}
SAMPLING = Sampling.from_quantities("12.5 m", "8 ms")


def n_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("size", [(33, 47), (64, 129), (2, 3)])
def test_any_patch_size_keeps_its_shape(size):
    pinn = PINN(backbone_params=BACKBONE).eval()
    with torch.no_grad():
        assert pinn(torch.randn(2, 1, *size)).shape == (2, 1, *size)


def test_parameters_are_the_backbones():
    assert n_params(PINN(backbone_params=BACKBONE)) == n_params(UNet(**BACKBONE))
    pinn = PINN(backbone="residual_unet", backbone_params=BACKBONE, physics_weight=1.0)
    assert isinstance(pinn.backbone, ResidualUNet)
    assert n_params(pinn) == n_params(ResidualUNet(**BACKBONE))


@pytest.mark.parametrize("constraint", ["fk_cone", "plane_wave"])
def test_loss_is_data_plus_weighted_physics(masked_problem, constraint):
    inputs, target, _ = masked_problem
    physics = {"constraint": constraint, "min_velocity": "1500 m/s"}
    pinn = PINN(backbone_params=BACKBONE, physics_weight=0.3, physics=physics).eval()
    out = pinn.loss(inputs, target, sampling=SAMPLING)
    expected_physics = physics_loss(out.prediction, SAMPLING, physics)
    assert torch.allclose(out.parts["physics"], expected_physics)
    assert torch.allclose(out.parts["data"], (out.prediction - target).square().mean())
    assert torch.allclose(out.total, out.parts["data"] + 0.3 * out.parts["physics"])


def test_a_few_steps_lower_the_loss(masked_problem, train_steps):
    inputs, target, _ = masked_problem
    torch.manual_seed(0)
    pinn = PINN(backbone_params={**BACKBONE, "dropout": 0.0}, physics_weight=1.0).train()
    losses = train_steps(pinn, lambda: pinn.loss(inputs, target, sampling=SAMPLING).total)
    assert losses[-1] < 0.7 * losses[0]


def test_the_physics_term_pulls_towards_admissible_output(masked_problem, train_steps):
    inputs, _, _ = masked_problem
    noise = torch.randn(inputs.shape, generator=torch.Generator().manual_seed(3))
    torch.manual_seed(0)
    pinn = PINN(backbone_params={**BACKBONE, "dropout": 0.0}, physics_weight=10.0).train()
    with torch.no_grad():
        before = float(physics_loss(pinn(noise), SAMPLING))
    train_steps(pinn, lambda: pinn.loss(noise, noise, sampling=SAMPLING).total)
    with torch.no_grad():
        after = float(physics_loss(pinn(noise), SAMPLING))
    assert after < before


def test_loss_needs_the_sampling(masked_problem):
    inputs, target, _ = masked_problem
    with pytest.raises(ConfigError, match=r"needs the patches' sampling: pass sampling="):
        PINN(backbone_params=BACKBONE).loss(inputs, target)


def test_bad_params_name_the_key():
    with pytest.raises(ConfigError, match=r"wave_equation='elastic': Input should be 'acoustic'"):
        PINN(wave_equation="elastic")
    with pytest.raises(ConfigError, match=r"physics\.min_velocity="):
        PINN(physics={"min_velocity": "fast"})
    with pytest.raises(ConfigError, match=r"physics\.min_velocity=inf: Input should be a finite"):
        PINN(physics={"min_velocity": float("inf")})
    with pytest.raises(ConfigError, match=r"physics_weight=nan: Input should be a finite"):
        PINN(physics_weight=float("nan"))
    with pytest.raises(ConfigError, match=r"physics\.slope_window=.*both sizes must be odd"):
        PINN(physics={"slope_window": [4, 9]})
    with pytest.raises(ConfigError, match=r"unknown backbone 'vit'"):
        PINN(backbone="vit")


def test_config_is_the_seeds_and_round_trips_through_json():
    config = PINNConfig()
    assert (config.backbone, config.physics_weight, config.wave_equation) == (
        "unet",
        0.1,
        "acoustic",
    )
    assert config.physics == PhysicsConfig(constraint="fk_cone", min_velocity=1000.0)
    assert PhysicsConfig(min_velocity="3.6 km/h").min_velocity == pytest.approx(1.0)
    again = PINNConfig.model_validate_json(
        PINNConfig(physics={"min_velocity": "2 km/s"}).model_dump_json()
    )
    assert again.physics.min_velocity == 2000.0


def test_runs_in_the_patch_engine_with_mc_dropout(engine_reconstruct):
    gather, live, out = engine_reconstruct(
        PINN,
        {"backbone_params": BACKBONE, "physics": {"min_velocity": "1500 m/s"}},
        ensemble_size=3,
        dropout_inference=True,
        return_uncertainty=True,
    )
    assert out["mean"].shape == gather.shape
    assert np.all(out["std"].values[~live] > 0)
