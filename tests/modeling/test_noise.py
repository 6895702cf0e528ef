"""Field-like noise: off when asked, band-limited, reproducible."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from promethium.errors import ConfigError
from promethium.modeling import add_field_noise, band_limited_noise


def test_level_zero_adds_nothing_and_the_input_is_not_modified():
    data = np.random.default_rng(0).standard_normal((8, 64))
    before = data.copy()
    out = add_field_noise(data, 0.004, 0.0, np.random.default_rng(1))
    assert np.array_equal(out, data) and np.array_equal(data, before)
    add_field_noise(data, 0.004, 0.2, np.random.default_rng(1))
    assert np.array_equal(data, before)


@given(level=st.floats(0.01, 1.0), seed=st.integers(0, 2**16))
def test_noise_is_reproducible_and_scales_with_the_level(level, seed):
    data = np.sin(np.linspace(0, 30, 256))[None, :] * np.ones((40, 1))
    a = add_field_noise(data, 0.002, level, np.random.default_rng(seed))
    b = add_field_noise(data, 0.002, level, np.random.default_rng(seed))
    assert np.array_equal(a, b)
    residual = a - data
    rms = np.sqrt(np.mean(data**2))
    # the median trace carries ambient noise of about `level` (plus coupling changes)
    per_trace = np.sqrt(np.mean(residual**2, axis=1))
    assert 0.5 * level * rms < np.median(per_trace) < 3.0 * level * rms + 0.3 * rms


def test_band_limited_noise_has_unit_rms_and_no_energy_outside_the_band():
    noise = band_limited_noise(np.random.default_rng(0), (16, 1000), 0.002, 10.0, 60.0)
    assert np.sqrt(np.mean(noise**2)) == pytest.approx(1.0)
    spectrum = np.abs(np.fft.rfft(noise, axis=1)).mean(axis=0)
    f = np.fft.rfftfreq(1000, 0.002)
    inside = spectrum[(f > 20) & (f < 50)].mean()
    assert spectrum[(f < 9.9) | (f > 60.1)].max() < 1e-6 * inside


@pytest.mark.parametrize("level", [-0.1, float("nan")])
def test_bad_levels_are_refused(level):
    with pytest.raises(
        ConfigError, match=r"noise=.* must be a finite number >= 0 \(0 turns it off\)"
    ):
        add_field_noise(np.ones((2, 8)), 0.004, level, np.random.default_rng(0))
