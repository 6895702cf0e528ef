"""The acoustic physics losses: near zero for admissible wavefields, large otherwise."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from promethium.errors import ConfigError
from promethium.models.networks.physics import fk_cone_fraction, physics_loss, plane_wave_residual
from promethium.models.networks.sampling import Sampling
from promethium.synthetic import ricker, synthetic_gather

DX, DT = 5.0, 0.004  # well sampled: central differences are accurate
N_TRACES, N_SAMPLES = 48, 128
SAMPLING = Sampling(DX, DT)
LOSSES = [fk_cone_fraction, plane_wave_residual]


def _event(traveltime: np.ndarray, frequency: float = 25.0) -> torch.Tensor:
    """Band-limited (Ricker) event of constant amplitude at `traveltime` (s) per trace."""
    t = np.arange(N_SAMPLES) * DT
    return torch.tensor(ricker(t[None, :] - traveltime[:, None], frequency))[None, None]


def _plane(velocity: float, t0: float = 0.25, frequency: float = 25.0) -> torch.Tensor:
    x = np.arange(N_TRACES) * DX
    return _event(t0 + (x - x.mean()) / velocity, frequency)


def _hyperbola(velocity: float, t0: float = 0.2) -> torch.Tensor:
    x = np.arange(N_TRACES) * DX
    return _event(np.sqrt(t0**2 + (x / velocity) ** 2))


CLEAN = {
    "plane 2000 m/s": _plane(2000.0),
    "plane -3000 m/s": _plane(-3000.0),
    "flat": _plane(np.inf),
    "hyperbola 1500 m/s": _hyperbola(1500.0),
    "hyperbola 2500 m/s": _hyperbola(2500.0, t0=0.1),
}


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("name", sorted(CLEAN))
def test_admissible_wavefields_cost_nearly_nothing(loss, name):
    assert float(loss(CLEAN[name], SAMPLING, min_velocity=1000.0)) < 2e-3


def _decimated(u: torch.Tensor, factor: int) -> torch.Tensor:
    keep = torch.zeros(N_TRACES, 1, dtype=u.dtype)
    keep[::factor] = 1.0
    return u * keep


BAD = {
    "decimated by 2": _decimated(_plane(2000.0), 2),
    "decimated by 3": _decimated(_hyperbola(1500.0), 3),
    "white noise": torch.randn(
        1, 1, N_TRACES, N_SAMPLES, generator=torch.Generator().manual_seed(0)
    ),
    "slower than the bound": _plane(400.0, frequency=10.0),
}


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("name", sorted(BAD))
def test_aliased_noisy_or_too_slow_output_costs_much_more(loss, name):
    bad = float(loss(BAD[name], SAMPLING, min_velocity=1000.0))
    clean = max(float(loss(u, SAMPLING, min_velocity=1000.0)) for u in CLEAN.values())
    assert bad > 0.05
    assert bad > 30 * clean


@pytest.mark.parametrize("loss", LOSSES)
def test_noise_added_to_a_clean_event_raises_the_loss(loss):
    clean = _plane(2000.0)
    noisy = clean + 0.2 * torch.randn(clean.shape, generator=torch.Generator().manual_seed(1))
    assert float(loss(noisy, SAMPLING)) > 20 * float(loss(clean, SAMPLING))


@pytest.mark.parametrize("loss", LOSSES)
def test_slowest_velocity_decides_what_is_admissible(loss):
    u = _plane(1000.0)
    assert float(loss(u, SAMPLING, min_velocity=500.0)) < 2e-3
    assert float(loss(u, SAMPLING, min_velocity=2000.0)) > 0.1


@given(
    velocity=st.floats(1500.0, 1e5) | st.floats(-1e5, -1500.0),
    frequency=st.floats(8.0, 30.0),
    t0=st.floats(0.15, 0.35),
)
def test_plane_waves_within_the_cone_are_admissible(velocity, frequency, t0):
    u = _plane(velocity, t0, frequency)
    for loss in LOSSES:
        assert float(loss(u, SAMPLING, min_velocity=1000.0)) < 2e-3


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("scale", [1e-6, 1e-2, 1e3])
def test_scale_invariant(loss, scale):
    u = BAD["decimated by 3"]
    assert float(loss(scale * u, SAMPLING)) == pytest.approx(float(loss(u, SAMPLING)), rel=1e-6)


@pytest.mark.parametrize("constraint", ["fk_cone", "plane_wave"])
def test_units_of_the_coordinates_do_not_matter(constraint):
    u = BAD["decimated by 3"] + CLEAN["hyperbola 1500 m/s"]
    reference = float(physics_loss(u, SAMPLING, {"constraint": constraint}))
    for spacing, interval, velocity in [
        ("5 m", "4 ms", "1000 m/s"),
        ("0.005 km", "0.004 s", "1 km/s"),
        (f"{5 / 0.3048!r} ft", "4000 us", f"{1000 / 0.3048!r} ft/s"),
    ]:
        sampling = Sampling.from_quantities(spacing, interval)
        config = {"constraint": constraint, "min_velocity": velocity}
        assert float(physics_loss(u, sampling, config)) == pytest.approx(reference, rel=1e-6)


@pytest.mark.parametrize("loss", LOSSES)
def test_gradient_check(loss):
    u = torch.randn(2, 1, 6, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    u.requires_grad_(True)
    sampling = Sampling(10.0, 0.004)
    assert torch.autograd.gradcheck(lambda v: loss(v, sampling, min_velocity=1000.0), (u,))


def test_half_precision_is_computed_in_float32():
    u = CLEAN["plane 2000 m/s"].to(torch.bfloat16)
    assert fk_cone_fraction(u, SAMPLING).dtype == torch.float32


@pytest.mark.parametrize("loss", LOSSES)
def test_too_small_a_patch_is_refused(loss):
    with pytest.raises(ConfigError, match=r"at least \d of each; got shape \(1, 2\)"):
        loss(torch.zeros(1, 2), SAMPLING)


def test_zero_patch_costs_nothing():
    assert float(fk_cone_fraction(torch.zeros(1, 8, 8), SAMPLING)) == 0.0
    assert float(plane_wave_residual(torch.zeros(1, 8, 8), SAMPLING)) == 0.0


def test_physics_loss_refuses_a_bad_config():
    with pytest.raises(ConfigError, match="constraint="):
        physics_loss(CLEAN["flat"], SAMPLING, {"constraint": "elastic"})
    with pytest.raises(ConfigError, match="min_velocity"):
        physics_loss(CLEAN["flat"], SAMPLING, {"min_velocity": "1000 ms"})
    with pytest.raises(ConfigError, match="unknown key 'velocity'"):
        physics_loss(CLEAN["flat"], SAMPLING, {"velocity": 1000})


@pytest.mark.parametrize("spacing", [5.0, 25.0, 100.0])
def test_a_synthetic_gather_is_admissible_even_when_aliased(spacing):
    # Events down to 1500 m/s at ~35 Hz are spatially aliased from ~10 m spacing on, but
    # their aliases lie above min_velocity / (2 dx), where the whole k range is admissible.
    gather = synthetic_gather(n_traces=48, n_samples=128, offset_spacing_m=spacing, seed=3)
    u = torch.tensor(gather.values)[None, None]
    sampling = Sampling.from_dataarray(gather)
    assert float(fk_cone_fraction(u, sampling, min_velocity=1000.0)) < 1e-5
    decimated = float(fk_cone_fraction(_decimated(u, 2), sampling, min_velocity=1000.0))
    if spacing <= 25.0:  # at 100 m the constraint acts below 5 Hz only, where there is little
        assert decimated > 0.01
