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
from promethium.ops import Bandpass, Resample


def _sines(freqs, n=500, dt_ms=2.0, unit="ms"):
    t = np.arange(n) * dt_ms / 1000.0
    data = sum(np.sin(2 * np.pi * f * t) for f in freqs)[None].repeat(2, 0)
    scale = {"ms": 1000.0, "s": 1.0}[unit]
    return xr.DataArray(
        data,
        dims=("trace", "time"),
        coords={"time": ("time", t * scale, {"units": unit})},
        attrs={"units": "1"},
    )


def test_downsampling_keeps_band_and_removes_alias():
    # 2 ms -> 8 ms: new Nyquist 62.5 Hz; 20 Hz kept, 200 Hz (would alias to 50 Hz) removed
    out = Resample("8 ms")(_sines([20.0, 200.0]))
    assert out.sizes["time"] == 125
    np.testing.assert_allclose(out.time.values, np.arange(125) * 8.0)
    assert out.time.attrs == {"units": "ms"}
    expected = _sines([20.0], n=125, dt_ms=8.0).values
    np.testing.assert_allclose(out.values[:, 20:-20], expected[:, 20:-20], atol=0.02)


def test_upsampling_interpolates():
    out = Resample(0.001)(_sines([10.0]))
    assert out.sizes["time"] == 1000
    expected = _sines([10.0], n=1000, dt_ms=1.0).values
    np.testing.assert_allclose(out.values[:, 50:-50], expected[:, 50:-50], atol=0.01)


def test_coordinate_stays_in_input_unit():
    out = Resample("4 ms")(_sines([10.0], unit="s"))
    assert out.time.attrs["units"] == "s"
    np.testing.assert_allclose(out.time.values[:3], [0.0, 0.004, 0.008])
    assert pm.sample_interval(out) == 0.004


def test_keeps_mask_and_other_coords():
    gather = pm.with_trace_mask(pm.synthetic_gather(n_traces=6, n_samples=64), np.ones(6, bool))
    out = (Resample("8 ms") | Bandpass(5, 40))(gather)
    assert out.trace_mask.dims == ("offset",) and out.offset.attrs == {"units": "m"}
    assert out.name == "amplitude" and history_steps(out)[0] == (
        "promethium: Resample(dt='8 ms', window=('kaiser', 5.0))"
    )


@settings(max_examples=6, deadline=None)
@given(trace_chunk=st.integers(1, 6), dt=st.sampled_from(["2 ms", "6 ms", "8 ms", "4 ms"]))
def test_lazy_equals_in_memory(trace_chunk, dt):
    gather = pm.synthetic_gather(n_traces=6, n_samples=64, noise=0.1)
    lazy = Resample(dt)(gather.chunk({"offset": trace_chunk}))
    assert isinstance(lazy.data, dska.Array)
    xr.testing.assert_allclose(lazy.compute(), Resample(dt)(gather), rtol=1e-6)


def test_errors():
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "Resample: got dt=0: input should be greater than 0; "
            "dt must be a time or depth length > 0 (s or m)."
        ),
    ):
        Resample(0)
    gather = pm.synthetic_gather(n_traces=4, n_samples=64)
    with pytest.raises(ConfigError, match="not a ratio of small integers"):
        Resample("3.14159 ms")(gather)
    with pytest.raises(InvalidDataError, match=r"da.chunk\(\{'time': -1\}\)"):
        Resample("8 ms")(gather.chunk({"time": 32}))


def test_resample_beyond_the_trace_names_units():
    da = _sines([10.0], n=400)  # 0.8 s at 2 ms
    with pytest.raises(ConfigError, match=r"Resample dt 2 is longer than the trace") as err:
        Resample(2)(da)
    assert "(0.8 s, 400 samples)" in str(err.value)
    assert "bare number is read as seconds" in str(err.value) and "'2 ms'" in str(err.value)
    with pytest.raises(ConfigError, match=r"Resample dt '0.9 s' is longer.*e.g. '0.004 s'"):
        Resample("0.9 s")(da.chunk({"trace": 1}))  # one sample left
    assert Resample("0.4 s")(da).sizes["time"] == 2


def test_interval_far_beyond_the_trace_names_the_trace_length():
    import promethium as pm
    from promethium.errors import ConfigError
    from promethium.ops import Resample

    gather = pm.synthetic_gather(n_traces=4, n_samples=128)
    with pytest.raises(ConfigError, match=r"longer than the trace .*'8 ms'"):
        Resample(8)(gather)


def test_resample_that_cannot_fit_in_memory_is_refused_with_the_numbers():
    """1 ps from 2 ms: 2e9 times the samples; refused before anything is built."""
    data = _sines([10.0]).chunk({"trace": 1})
    with pytest.raises(ConfigError) as info:
        Resample("1 ps")(data)
    message = str(info.value)
    assert message.startswith("Resample to '1 ps' would make 1,000,000,000,000 samples per")
    assert "TiB for a block of 1 traces, more than the" in message
    assert "of memory available; the finest interval that fits is about" in message


def test_memory_estimate_suggests_smaller_blocks_when_they_would_fit(monkeypatch):
    from promethium.ops import resample

    monkeypatch.setattr(resample, "available_memory", lambda: 30_000)
    with pytest.raises(ConfigError) as info:
        Resample("1 ms")(_sines([10.0]))
    assert str(info.value) == (
        "Resample to '1 ms' would make 1,000 samples per trace (from 500 every 0.002 s): "
        "39.1 KiB for a block of 2 traces, more than the 29.3 KiB of memory available; the "
        "finest interval that fits is about 0.00145 s, or chunk the data into blocks of at "
        "most 1 traces."
    )
