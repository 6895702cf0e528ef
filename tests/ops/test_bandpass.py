import re

import dask.array as dska
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.core.history import history_steps
from promethium.errors import ConfigError, InvalidDataError
from promethium.ops import Bandpass, Normalize


def _sines(freq_hz, unit="ms", n=1000, dt_ms=2.0):
    t_ms = np.arange(n) * dt_ms
    scale = {"ms": 1.0, "s": 1e-3, "us": 1e3}[unit]
    data = np.sin(2 * np.pi * freq_hz * t_ms / 1000.0)[None].repeat(3, 0)
    return xr.DataArray(
        data.astype(np.float64),
        dims=("trace", "time"),
        coords={"time": ("time", t_ms * scale, {"units": unit})},
    )


def test_passband_sine_keeps_its_amplitude():
    out = Bandpass(10, 60)(_sines(30.0))
    middle = slice(200, 800)
    np.testing.assert_allclose(out.values[:, middle], _sines(30.0).values[:, middle], atol=0.01)


def test_stopband_sine_is_removed():
    out = Bandpass(10, 60)(_sines(180.0))
    assert np.abs(out.values[:, 200:800]).max() < 0.01
    assert np.abs(Bandpass(40, 100)(_sines(3.0)).values[:, 200:800]).max() < 0.01


def test_zero_phase_keeps_the_peak():
    gather = pm.synthetic_gather(n_traces=6, n_samples=256, n_events=1, seed=4)
    out = Bandpass(5, 80)(gather)
    np.testing.assert_array_equal(np.abs(out.values).argmax(-1), np.abs(gather.values).argmax(-1))


@pytest.mark.parametrize("unit", ["s", "us"])
def test_time_unit_does_not_matter(unit):
    ref = Bandpass(10, 60)(_sines(30.0) + _sines(150.0)).values
    np.testing.assert_allclose(
        Bandpass(10, 60)(_sines(30.0, unit) + _sines(150.0, unit)).values, ref, rtol=1e-9
    )


def test_low_and_high_pass():
    both = _sines(5.0) + _sines(100.0)
    low = Bandpass(high=30)(both).values[:, 200:800]
    high = Bandpass(low=50)(both).values[:, 200:800]
    np.testing.assert_allclose(low, _sines(5.0).values[:, 200:800], atol=0.02)
    np.testing.assert_allclose(high, _sines(100.0).values[:, 200:800], atol=0.02)
    assert Bandpass(low="0 Hz", high="30 Hz").parameters.low == 0.0


@settings(max_examples=6, deadline=None)
@given(trace_chunk=st.integers(1, 10))
def test_lazy_equals_in_memory(trace_chunk):
    gather = pm.synthetic_gather(n_traces=10, n_samples=128, noise=0.1, seed=5)
    lazy = Bandpass(8, 50)(gather.chunk({"offset": trace_chunk}))
    assert isinstance(lazy.data, dska.Array)
    np.testing.assert_allclose(lazy.values, Bandpass(8, 50)(gather).values, rtol=1e-6)


def test_composes_with_history():
    gather = pm.synthetic_gather(n_traces=4, n_samples=128)
    out = (Bandpass(5, 60) | Normalize(method="max"))(gather)
    assert history_steps(out)[0] == "promethium: Bandpass(low=5, high=60, order=4)"
    assert "description" in out.attrs


def test_errors():
    with pytest.raises(ConfigError, match=r"Nyquist frequency 250 Hz"):
        Bandpass(10, 300)(_sines(30.0))
    with pytest.raises(ConfigError, match=r"low corner .* must be below the high corner"):
        Bandpass(60, 10)
    with pytest.raises(ConfigError, match="needs a low corner, a high corner, or both"):
        Bandpass()
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "Bandpass: got order=0: input should be greater than or equal to 1; "
            "order must be an integer in [1, 20]."
        ),
    ):
        Bandpass(5, 60, order=0)
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "Bandpass: got low='5 m': 'm' is not a unit of the same kind as 'Hz'; "
            "low must be a number >= 0 or None (Hz)."
        ),
    ):
        Bandpass("5 m", 60)
    gather = pm.synthetic_gather(n_traces=4, n_samples=128)
    with pytest.raises(InvalidDataError, match=r"da.chunk\(\{'time': -1\}\)"):
        Bandpass(5, 60)(gather.chunk({"time": 64}))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"order": 0},
            "got order=0: input should be greater than or equal to 1; "
            "order must be an integer in [1, 20].",
        ),
        (
            {"order": 10**6},
            "got order=1000000: input should be less than or equal to 20; "
            "order must be an integer in [1, 20].",
        ),
        ({"order": 2.5}, "got order=2.5: not an integer; order must be an integer in [1, 20]."),
        ({"order": True}, "got order=True: not an integer; order must be an integer in [1, 20]."),
        (
            {"low": -5},
            "got low=-5: input should be greater than or equal to 0; "
            "low must be a number >= 0 or None (Hz).",
        ),
        (
            {"low": None, "high": 0},
            "got high=0: input should be greater than 0; high must be a number > 0 or None (Hz).",
        ),
        (
            {"high": float("nan")},
            "got high=nan: not finite; high must be a number > 0 or None (Hz).",
        ),
        ({"low": 60}, "the low corner (60 Hz) must be below the high corner (60 Hz)."),
        ({"low": "5 kHz"}, "the low corner (5000 Hz) must be below the high corner (60 Hz)."),
        ({"low": 0, "high": None}, "needs a low corner, a high corner, or both (in Hz)."),
    ],
)
def test_absurd_parameters_name_the_value_and_the_range(kwargs, message):
    with pytest.raises(ConfigError, match=re.escape(f"Bandpass: {message}")):
        Bandpass(**{"low": 5, "high": 60, **kwargs})


@pytest.mark.parametrize("corner", [{"high": 250}, {"low": 250}, {"low": 5, "high": 1e9}])
def test_corners_at_or_above_nyquist_are_refused_before_any_work(corner):
    lazy = _sines(30.0).chunk({"trace": 1})
    with pytest.raises(ConfigError, match=re.escape("corners must lie in (0, 250) Hz")):
        Bandpass(**corner)(lazy)
