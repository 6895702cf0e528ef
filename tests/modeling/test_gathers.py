"""Modelled gathers follow the library's data conventions and are reproducible."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promethium.core.mask import TRACE_MASK
from promethium.core.validate import validate
from promethium.errors import ConfigError
from promethium.modeling import draw_gather_parameters, fd_shot_gather, fd_shot_gathers
from promethium.models.networks.sampling import Sampling

TINY = {"n_traces": 8, "n_samples": 40, "trace_spacing_m": 25.0, "frequency_hz": 8.0}


@settings(max_examples=12, deadline=None)
@given(
    n_traces=st.integers(2, 12),
    n_samples=st.integers(8, 40),
    dt_ms=st.sampled_from([1.0, 2.0, 4.0]),
    spacing=st.sampled_from([6.25, 12.5, 25.0]),
    spread=st.sampled_from(["end-on", "split"]),
    family=st.sampled_from(["layered_faulted", "anticline"]),
    noise=st.sampled_from([0.0, 0.1]),
    gain=st.sampled_from(["none", "t", "t2"]),
    seed=st.integers(0, 1000),
)
def test_every_gather_follows_the_data_conventions(
    n_traces, n_samples, dt_ms, spacing, spread, family, noise, gain, seed
):
    da = fd_shot_gather(
        family,
        seed=seed,
        n_traces=n_traces,
        n_samples=n_samples,
        dt_ms=dt_ms,
        trace_spacing_m=spacing,
        frequency_hz=8.0,
        spread=spread,
        noise=noise,
        gain=gain,
    )
    assert validate(da, compute=True) is da
    assert da.dims == ("offset", "time") and da.shape == (n_traces, n_samples)
    assert da.dtype == np.float32 and bool(np.all(np.isfinite(da.values)))
    assert da.time.attrs["units"] == "ms" and da.offset.attrs["units"] == "m"
    assert np.allclose(da.time.values, dt_ms * np.arange(n_samples))
    assert np.allclose(np.diff(da.offset.values), spacing)
    assert np.allclose(da.receiver_x.values - float(da.source_x), da.offset.values)
    assert bool(da[TRACE_MASK].all()) and da[TRACE_MASK].dims == ("offset",)
    sampling = Sampling.from_dataarray(da)
    assert sampling.trace_spacing_m == pytest.approx(spacing)
    assert sampling.sample_interval_s == pytest.approx(dt_ms / 1000.0)
    assert da.attrs["family"] == family and da.attrs["gain"] == gain
    assert da.attrs["noise"] == noise and da.attrs["seed"] == seed
    if spread == "end-on":
        assert da.offset.values[0] == spacing
    else:
        assert np.allclose(da.offset.values, -da.offset.values[::-1])


def test_the_same_arguments_give_the_same_gather():
    a = fd_shot_gather(seed=4, noise=0.1, **TINY)
    b = fd_shot_gather(seed=4, noise=0.1, **TINY)
    c = fd_shot_gather(seed=5, noise=0.1, **TINY)
    assert np.array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)


def test_noise_and_gain_change_the_samples_as_recorded():
    clean = fd_shot_gather(seed=1, **TINY)
    noisy = fd_shot_gather(seed=1, noise=0.2, **TINY)
    gained = fd_shot_gather(seed=1, gain="t2", **TINY)
    assert not np.allclose(clean.values, noisy.values)
    t = clean.time.values / 1000.0
    assert np.allclose(gained.values, clean.values * t**2, rtol=1e-5, atol=1e-7)
    assert clean.attrs["gain"] == "none" and gained.attrs["gain"] == "t2"


def test_the_direct_wave_is_the_first_strong_arrival():
    da = fd_shot_gather(
        seed=2, n_traces=16, n_samples=200, dt_ms=4.0, trace_spacing_m=50.0, frequency_hz=10.0
    )
    amplitude = np.abs(da.values)
    first = np.argmax(amplitude > 0.2 * amplitude.max(axis=1, keepdims=True), axis=1)
    assert np.all(np.diff(first) >= 0)  # moves out with offset
    slowness = np.polyfit(da.offset.values, first * 0.004, 1)[0]
    assert 1 / 4500 < slowness < 1 / 1400  # between the slowest and fastest velocity


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"spread": "centre"}, "spread='centre' is not one of end-on, split."),
        ({"gain": "agc"}, "gain='agc' is not one of none, t, t2."),
        ({"n_traces": 1}, "need n_traces, n_samples >= 2; got 1, 40."),
        (
            {"frequency_hz": 60.0, "dt_ms": 4.0},
            "frequency_hz=60 is too high for dt_ms=4: the wavelet would be aliased; use "
            "frequency_hz <= 40 or a finer dt_ms.",
        ),
    ],
)
def test_bad_arguments_are_refused_with_the_fix(kwargs, message):
    with pytest.raises(ConfigError) as info:
        fd_shot_gather(**{**TINY, **kwargs})
    assert str(info.value) == message


def test_sets_draw_sampling_per_gather_and_depend_only_on_seed_and_index():
    kwargs = {
        "n_traces": 6,
        "n_samples": 32,
        "dt_ms": [2.0, 4.0],
        "trace_spacing_m": [12.5, 25.0],
        "frequency_hz": (8.0, 9.0),
        "seed": 11,
    }
    gathers = fd_shot_gathers(6, **kwargs)
    later = fd_shot_gathers(2, first=4, **kwargs)
    for a, b in zip(gathers[4:], later):
        assert np.array_equal(a.values, b.values)
    intervals = {float(g.time.values[1]) for g in gathers}
    spacings = {float(abs(g.offset.values[1] - g.offset.values[0])) for g in gathers}
    assert intervals <= {2.0, 4.0} and spacings <= {12.5, 25.0}
    assert len(intervals) + len(spacings) > 2  # something varied


def test_gain_choices_are_drawn_per_gather_and_recorded():
    gains = {draw_gather_parameters(1, i, gain=["none", "t", "t2"])["gain"] for i in range(30)}
    assert gains == {"none", "t", "t2"}
    with pytest.raises(ConfigError, match="gain must be one of none, t, t2 or a non-empty list"):
        draw_gather_parameters(1, 0, gain=[])


def test_thin_beds_are_recorded_and_change_the_gather():
    plain = fd_shot_gather(seed=3, **TINY)
    bedded = fd_shot_gather(seed=3, thin_beds=True, **TINY)
    assert plain.attrs["thin_beds"] == 0 and bedded.attrs["thin_beds"] == 1
    assert not np.allclose(plain.values, bedded.values)


def test_frequency_is_capped_for_the_drawn_interval():
    for index in range(20):
        params = draw_gather_parameters(0, index, dt_ms=8.0, frequency_hz=(30.0, 40.0))
        assert params["frequency_hz"] <= 0.8 * 0.5 / 0.008 / 2.5 + 1e-12


@pytest.mark.slow
def test_workers_give_the_same_gathers():
    """Two spawned processes (each importing torch: about 20 s) model what one does."""
    kwargs = {"n_traces": 4, "n_samples": 24, "trace_spacing_m": 25.0, "frequency_hz": (8.0, 8.0)}
    assert all(
        np.array_equal(a.values, b.values)
        for a, b in zip(fd_shot_gathers(2, **kwargs), fd_shot_gathers(2, workers=2, **kwargs))
    )


def test_unknown_family_is_refused_before_modelling():
    with pytest.raises(ConfigError, match="unknown velocity-model family 'salt'"):
        fd_shot_gathers(3, family="salt")


def test_gather_set_settings_fill_the_defaults_and_refuse_unknown_keys():
    from promethium.modeling.gathers import GATHER_SET_DEFAULTS, gather_set_settings

    full = gather_set_settings({"dt_ms": (2.0, 4.0), "gain": "t", "seed": 7})
    assert set(full) == set(GATHER_SET_DEFAULTS)
    assert full["dt_ms"] == [2.0, 4.0] and full["gain"] == "t" and full["seed"] == 7
    assert full["spread"] == ["end-on", "split"] and full["frequency_hz"] == [12.0, 28.0]
    with pytest.raises(TypeError, match="unexpected keyword argument 'famly'"):
        gather_set_settings({"famly": "layered"})
