"""The stability and dispersion checks, and the stencil's accuracy."""

from __future__ import annotations

import math
import re

import pytest

from promethium.errors import ConfigError
from promethium.modeling.stencil import (
    COEFFICIENTS,
    MAX_COURANT,
    MIN_POINTS_PER_WAVELENGTH,
    check_discretisation,
    phase_velocity_ratio,
)


def test_the_stencil_is_consistent():
    # a second derivative: sum of weights 0, sum of k^2 weights 1
    assert sum(COEFFICIENTS[0:1]) + 2 * sum(COEFFICIENTS[1:]) == pytest.approx(0.0, abs=1e-12)
    k2 = 2 * sum(k * k * c for k, c in enumerate(COEFFICIENTS) if k)
    assert k2 == pytest.approx(2.0)  # applied to x^2 at 0 it gives (x^2)'' = 2


def test_courant_limit_of_the_8th_order_leapfrog():
    assert MAX_COURANT == pytest.approx(0.5547, abs=1e-4)


def test_phase_velocity_is_accurate_above_the_minimum_sampling():
    assert 0.975 < phase_velocity_ratio(MIN_POINTS_PER_WAVELENGTH) < 1.0
    assert phase_velocity_ratio(8.0) == pytest.approx(1.0, abs=2e-4)


def test_a_stable_fine_grid_passes():
    check_discretisation(vmin=1500, vmax=4500, spacing_m=10, dt_s=0.001, max_frequency_hz=50)


def test_unstable_time_step_names_dt_and_the_fix():
    with pytest.raises(ConfigError) as info:
        check_discretisation(vmin=1500, vmax=4500, spacing_m=10, dt_s=0.002, max_frequency_hz=40)
    assert str(info.value) == (
        "unstable time step: dt=0.002 s gives a Courant number vmax*dt/dx = 0.900 > 0.5546 "
        "(vmax=4500 m/s, dx=10 m); use dt <= 0.00123 s or a coarser grid."
    )


def test_dispersive_grid_names_spacing_frequency_and_the_fix():
    with pytest.raises(ConfigError) as info:
        check_discretisation(vmin=1500, vmax=3000, spacing_m=10, dt_s=0.001, max_frequency_hz=75)
    assert str(info.value) == (
        "dispersive grid: the shortest wavelength vmin/fmax = 1500/75 m spans 2.00 cells of "
        "dx=10 m, fewer than 3; use a grid spacing <= 6.67 m, or a maximum frequency <= 50 Hz "
        "(a Ricker peak <= 20 Hz)."
    )


def test_the_limits_themselves_pass():
    dx, vmax = 10.0, 3000.0
    check_discretisation(
        vmin=1500,
        vmax=vmax,
        spacing_m=dx,
        dt_s=MAX_COURANT * dx / vmax,
        max_frequency_hz=1500 / (MIN_POINTS_PER_WAVELENGTH * dx),
    )
    with pytest.raises(ConfigError, match=re.escape("Courant")):
        check_discretisation(
            vmin=1500,
            vmax=vmax,
            spacing_m=dx,
            dt_s=1.01 * MAX_COURANT * dx / vmax,
            max_frequency_hz=10,
        )
    assert math.isfinite(MAX_COURANT)
