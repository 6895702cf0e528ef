"""The acoustic solver against analytic traveltimes, and its absorbing boundaries."""

from __future__ import annotations

import numpy as np
import pytest

from promethium.errors import ConfigError
from promethium.modeling import VelocityModel, simulate_shot, source_wavelet

DT = 0.002  # output sample interval (s) of these tests


def _peak_time(trace: np.ndarray, dt: float) -> float:
    """Time of the largest magnitude, refined by a parabola through its neighbours."""
    i = int(np.argmax(np.abs(trace)))
    y0, y1, y2 = np.abs(trace[i - 1 : i + 2])
    return (i + 0.5 * (y0 - y2) / (y0 - 2 * y1 + y2)) * dt


def test_direct_wave_arrives_at_offset_over_velocity():
    velocity = 2000.0
    model = VelocityModel.constant(velocity, nz=20, nx=90, spacing_m=10.0)
    offsets = np.array([200.0, 400.0, 600.0, 800.0])
    data = simulate_shot(
        model, source_x_m=0.0, receiver_x_m=offsets, frequency_hz=15.0, dt_s=DT, n_samples=260
    )
    picks = np.array([_peak_time(trace, DT) for trace in data])
    assert np.all(np.abs(picks - offsets / velocity) <= DT)  # within one sample
    assert np.all(data[np.arange(4), np.argmax(np.abs(data), axis=1)] > 0)  # Ricker-shaped


def test_reflection_from_a_flat_interface_arrives_at_the_two_way_time():
    v1, v2, depth, dx = 2000.0, 3000.0, 200.0, 10.0
    values = np.full((30, 50), v1, dtype=np.float32)
    values[int(depth / dx) :] = v2
    offsets = np.array([100.0, 200.0, 300.0])
    kwargs = {"source_x_m": 0.0, "receiver_x_m": offsets, "frequency_hz": 15.0, "dt_s": DT}
    layered = simulate_shot(VelocityModel(values, dx), n_samples=200, **kwargs)
    # the homogeneous reference, stepped with the same internal time step
    direct = simulate_shot(
        VelocityModel.constant(v1, nz=30, nx=50, spacing_m=dx),
        n_samples=200,
        courant=0.5 * v1 / v2,
        **kwargs,
    )
    reflection = layered - direct
    picks = np.array([_peak_time(trace, DT) for trace in reflection])
    interface = depth - dx / 2  # the velocity jumps between two rows of nodes
    expected = np.sqrt(offsets**2 + (2 * interface) ** 2) / v1
    assert np.all(np.abs(picks - expected) <= 2 * DT)  # within two samples
    # positive reflection coefficient (v2 > v1): same polarity as the source
    assert np.all(reflection[np.arange(3), np.argmax(np.abs(reflection), axis=1)] > 0)


def test_absorbing_boundaries_reflect_less_than_half_a_percent():
    """A small model against one so large that its edges send nothing back in time."""
    dx = 10.0
    kwargs = {
        "source_x_m": 0.0,
        "receiver_x_m": np.arange(0.0, 500.0, 50.0),
        "frequency_hz": 12.0,
        "dt_s": DT,
        "n_samples": 300,
    }
    small = simulate_shot(VelocityModel.constant(2000.0, nz=30, nx=50, spacing_m=dx), **kwargs)
    large = simulate_shot(
        VelocityModel(np.full((200, 300), 2000.0, dtype=np.float32), dx, x0_m=-1000.0), **kwargs
    )
    energy = float(np.sum((small - large) ** 2) / np.sum(large**2))
    assert energy < 5e-4
    assert float(np.abs(small - large).max() / np.abs(large).max()) < 0.005


def test_a_frequency_too_high_for_the_grid_is_refused_before_modelling():
    model = VelocityModel.constant(1500.0, nz=10, nx=10, spacing_m=10.0)
    with pytest.raises(ConfigError, match=r"^dispersive grid: .* use a grid spacing <= 6\.67 m"):
        simulate_shot(
            model,
            source_x_m=0.0,
            receiver_x_m=np.array([50.0]),
            frequency_hz=30.0,
            dt_s=DT,
            n_samples=10,
        )


@pytest.mark.parametrize("courant", [0.0, 0.6])
def test_courant_outside_the_stable_range_is_refused(courant):
    model = VelocityModel.constant(2000.0, nz=10, nx=10, spacing_m=10.0)
    with pytest.raises(ConfigError, match=r"courant=.* must be in \(0, 0\.5546\]"):
        simulate_shot(
            model,
            source_x_m=0.0,
            receiver_x_m=np.array([50.0]),
            frequency_hz=10.0,
            dt_s=DT,
            n_samples=10,
            courant=courant,
        )


def test_receivers_outside_the_model_are_refused():
    model = VelocityModel.constant(2000.0, nz=10, nx=10, spacing_m=10.0)
    with pytest.raises(ConfigError, match=r"inside the model's x range \[0, 90\] m"):
        simulate_shot(
            model,
            source_x_m=0.0,
            receiver_x_m=np.array([50.0, 95.0]),
            frequency_hz=10.0,
            dt_s=DT,
            n_samples=10,
        )


def test_output_is_not_aliased_when_decimated():
    """4 ms output of a 30 Hz wavelet: no energy above the output's 0.8 Nyquist."""
    model = VelocityModel.constant(2000.0, nz=20, nx=40, spacing_m=8.0)
    data = simulate_shot(
        model,
        source_x_m=0.0,
        receiver_x_m=np.array([200.0]),
        frequency_hz=30.0,
        dt_s=0.004,
        n_samples=128,
    )
    spectrum = np.abs(np.fft.rfft(data[0].astype(np.float64), 1024))
    f = np.fft.rfftfreq(1024, 0.004)
    assert spectrum[f > 0.8 * 125].max() < 1e-3 * spectrum.max()


def test_source_wavelet_peaks_at_its_delay_with_unit_magnitude():
    wavelet = source_wavelet(20.0, 0.001, 400, 0.1)
    assert np.abs(wavelet).max() == pytest.approx(1.0)
    assert abs(int(np.argmax(np.abs(wavelet))) - 100) <= 4
