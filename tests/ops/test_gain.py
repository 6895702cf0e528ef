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
from promethium.ops import AGC, Taper, TimePowerGain


@pytest.fixture(scope="module")
def gather():
    da = pm.synthetic_gather(n_traces=10, n_samples=200, seed=2)
    da[3] = 0.0
    return da


def _agc_reference(x, half):
    out = np.zeros_like(x, dtype=np.float64)
    n = x.shape[-1]
    for i in range(n):
        w = x[..., max(0, i - half) : min(n, i + half + 1)].astype(np.float64)
        rms = np.sqrt((w**2).mean(-1))
        out[..., i] = np.where(rms > 0, x[..., i] / np.where(rms > 0, rms, 1), 0)
    return out


def test_agc_matches_a_direct_loop(gather):
    # 100 ms at 4 ms: half = round(12.5) = 12 samples
    out = AGC("100 ms")(gather)
    np.testing.assert_allclose(out.values, _agc_reference(gather.values, 12), rtol=1e-5, atol=1e-6)
    assert not np.isnan(out.values).any() and (out.values[3] == 0).all()


def test_agc_window_units_are_equivalent(gather):
    a = AGC("100 ms")(gather).values
    np.testing.assert_array_equal(a, AGC(0.1)(gather).values)
    np.testing.assert_array_equal(a, AGC(pm.unit_registry().Quantity(100, "ms"))(gather).values)
    in_seconds = gather.assign_coords(time=("time", gather.time.values / 1000, {"units": "s"}))
    np.testing.assert_allclose(AGC("100 ms")(in_seconds).values, a, rtol=1e-6)


def test_agc_balances_amplitudes(gather):
    out = AGC("200 ms")(gather * 1000.0 + 0.0)
    live = np.abs(gather.values).max(-1) > 0
    rms = np.sqrt((out.values[live] ** 2).mean(-1))
    assert np.all((rms > 0.3) & (rms < 1.5))


@settings(max_examples=10, deadline=None)
@given(trace_chunk=st.integers(2, 10), time_chunk=st.integers(13, 200))
def test_agc_lazy_equals_in_memory(gather, trace_chunk, time_chunk):
    lazy = AGC("100 ms")(gather.chunk({"offset": trace_chunk, "time": time_chunk}))
    assert isinstance(lazy.data, dska.Array)
    np.testing.assert_allclose(lazy.values, AGC("100 ms")(gather).values, rtol=1e-5, atol=1e-6)


def test_agc_errors(gather):
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "AGC: got window=0: input should be greater than 0; "
            "window must be a time or depth length > 0 (s or m)."
        ),
    ):
        AGC(0)
    with pytest.raises(ConfigError, match="unknown unit 'blorbs'"):
        AGC("5 blorbs")
    with pytest.raises(InvalidDataError, match="fewer than 3 samples"):
        AGC("4 ms")(gather)
    with pytest.raises(
        ConfigError,
        match=re.escape("AGC window is a length (100 m) but the data's vertical axis is in 's'"),
    ):
        AGC("100 m")(gather)


def test_time_power_gain_matches_reference(gather):
    out = TimePowerGain(2.0)(gather)
    t = gather.time.values / 1000.0
    np.testing.assert_allclose(out.values, gather.values * t**2, rtol=1e-6, atol=1e-12)
    in_us = gather.assign_coords(time=("time", gather.time.values * 1000, {"units": "us"}))
    np.testing.assert_allclose(TimePowerGain(2.0)(in_us).values, out.values, rtol=1e-6, atol=1e-12)


@settings(max_examples=8, deadline=None)
@given(time_chunk=st.integers(7, 200), power=st.floats(0, 3))
def test_time_power_gain_lazy(gather, time_chunk, power):
    lazy = TimePowerGain(power)(gather.chunk({"time": time_chunk}))
    assert isinstance(lazy.data, dska.Array)
    np.testing.assert_allclose(lazy.values, TimePowerGain(power)(gather).values, rtol=1e-6)


def test_gains_compose_and_record_history(gather):
    out = (TimePowerGain(1.0) | AGC("0.2 s") | Taper(5))(gather)
    assert history_steps(out) == [
        "promethium: TimePowerGain(power=1.0)",
        "promethium: AGC(window='0.2 s')",
        "promethium: Taper(length=5, shape='cosine', axis='vertical', sides='both')",
    ]
    xr.testing.assert_identical(out.coords.to_dataset(), gather.coords.to_dataset())


def test_time_power_gain_errors(gather):
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "TimePowerGain: got power=-1: input should be greater than or equal to 0; "
            "power must be a number in [0, 10]."
        ),
    ):
        TimePowerGain(-1)
    depth = gather.rename(time="depth").assign_coords(
        depth=("depth", np.arange(200) * 5.0, {"units": "m"})
    )
    with pytest.raises(InvalidDataError, match="needs a time axis"):
        TimePowerGain()(depth)


def test_agc_window_longer_than_trace_names_units(gather):
    length = gather.sizes["time"] * pm.sample_interval(gather, "s")
    with pytest.raises(ConfigError, match=r"AGC window 500 is longer than the trace") as err:
        AGC(500)(gather)
    assert f"({length:g} s, 200 samples)" in str(err.value)
    assert "bare number is read as seconds" in str(err.value) and "'500 ms'" in str(err.value)
    with pytest.raises(ConfigError, match=r"AGC window '2 s' is longer than the trace"):
        AGC("2 s")(gather.chunk({"offset": 5}))  # lazy input: raised before any compute
    assert AGC(length)(gather).shape == gather.shape  # the whole trace is allowed


def test_agc_hint_only_suggests_milliseconds_that_would_work():
    import promethium as pm
    from promethium.errors import ConfigError
    from promethium.ops import AGC

    gather = pm.synthetic_gather(n_traces=4, n_samples=128)  # 0.512 s
    with pytest.raises(ConfigError) as caught:
        AGC(0.6)(gather)
    assert "'0.6 ms'" not in str(caught.value)
    with pytest.raises(ConfigError, match="'200 ms'"):
        AGC(200)(gather)
