"""Velocity models: families, ranges, determinism, and independence of the grid."""

from __future__ import annotations

import numpy as np
import pytest

from promethium.errors import ConfigError
from promethium.modeling import (
    EVALUATION_FAMILIES,
    FAMILIES,
    TRAINING_FAMILIES,
    VelocityModel,
    velocity_model,
)


def test_training_and_evaluation_families_are_disjoint_and_cover_all():
    assert set(TRAINING_FAMILIES).isdisjoint(EVALUATION_FAMILIES)
    assert set(TRAINING_FAMILIES) | set(EVALUATION_FAMILIES) == set(FAMILIES)
    assert "layered_faulted" in TRAINING_FAMILIES and "anticline" in EVALUATION_FAMILIES


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_velocities_stay_in_range_under_a_slow_weathering_layer(family, seed):
    model = velocity_model(family, nz=150, nx=120, spacing_m=10.0, seed=seed)
    assert model.values.dtype == np.float32 and model.shape == (150, 120)
    assert 1500.0 <= model.vmin and model.vmax <= 4500.0
    assert np.unique(model.values[0]).size <= 3  # the weathering layer at the surface
    assert model.values[0].max() <= 1800.0


@pytest.mark.parametrize("family", FAMILIES)
def test_velocities_increase_with_depth_on_average(family):
    models = [velocity_model(family, nz=150, nx=60, spacing_m=10.0, seed=s) for s in range(10)]
    top = np.mean([m.values[8:40].mean() for m in models])
    bottom = np.mean([m.values[-35:].mean() for m in models])
    assert bottom > top + 300.0


@pytest.mark.parametrize("family", FAMILIES)
def test_the_same_seed_gives_the_same_model_and_another_seed_another(family):
    a = velocity_model(family, nz=60, nx=80, spacing_m=10.0, seed=7)
    b = velocity_model(family, nz=60, nx=80, spacing_m=10.0, seed=7)
    c = velocity_model(family, nz=60, nx=80, spacing_m=10.0, seed=8)
    assert np.array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)
    assert a.family == family and a.seed == 7


@pytest.mark.parametrize("family", FAMILIES)
def test_a_seed_gives_the_same_geology_at_any_grid_spacing(family):
    fine = velocity_model(family, nz=201, nx=201, spacing_m=5.0, seed=3)
    coarse = velocity_model(family, nz=101, nx=101, spacing_m=10.0, seed=3)
    same = np.isclose(fine.values[::2, ::2], coarse.values, rtol=1e-3)
    assert same.mean() > 0.95  # all but the cells at interfaces


def test_anticline_has_a_high_velocity_body_and_layered_faulted_has_inversions_somewhere():
    assert all(
        velocity_model("anticline", nz=150, nx=150, spacing_m=10.0, seed=s).vmax >= 4200
        for s in range(4)
    )
    inversions = 0
    for seed in range(10):
        column = velocity_model("layered_faulted", nz=300, nx=3, spacing_m=10.0, seed=seed).values
        inversions += int(np.any(np.diff(column[10:, 1]) < -50))
    assert inversions >= 1


def test_unknown_family_names_the_known_ones():
    with pytest.raises(ConfigError) as info:
        velocity_model("layered_fault", nz=5, nx=5, spacing_m=10.0)
    assert str(info.value) == (
        "unknown velocity-model family 'layered_fault'; known: layered_faulted, anticline. "
        "Did you mean 'layered_faulted'?"
    )


def test_bad_models_are_refused():
    with pytest.raises(ConfigError, match="2-D"):
        VelocityModel(np.ones(5), 10.0)
    with pytest.raises(ConfigError, match="finite and positive"):
        VelocityModel(np.zeros((2, 2)), 10.0)
    with pytest.raises(ConfigError, match="spacing_m must be positive"):
        VelocityModel(np.ones((2, 2)), 0.0)


def test_to_dataarray_has_coordinates_in_metres():
    model = velocity_model(nz=4, nx=6, spacing_m=12.5, x0_m=-25.0, seed=1)
    da = model.to_dataarray()
    assert da.dims == ("depth", "x") and da.attrs["units"] == "m/s"
    assert da.x.values[0] == -25.0 and da.depth.values[-1] == 37.5
    assert da.x.attrs["units"] == "m"


@pytest.mark.parametrize("family", FAMILIES)
def test_thin_beds_add_dense_contrasts_and_leave_the_geology_alone(family):
    plain = velocity_model(family, nz=200, nx=40, spacing_m=5.0, seed=4)
    bedded = velocity_model(family, nz=200, nx=40, spacing_m=5.0, seed=4, thin_beds=True)
    jumps = [int(np.sum(np.abs(np.diff(m.values[:, 20])) > 1.0)) for m in (plain, bedded)]
    assert jumps[1] > jumps[0] + 5  # many more interfaces down a column
    ratio = bedded.values / plain.values  # the same layers, perturbed by a few percent
    assert np.median(np.abs(ratio - 1)) < 0.08
    assert np.array_equal(plain.values[0], bedded.values[0])  # the weathering is not bedded
