"""TimeResampling: to the network's interval and back, exact coords, band-limited, lazy."""

from __future__ import annotations

import dask
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.errors import ConfigError
from promethium.ml.time_resampling import RESAMPLING_METHOD, TimeResampling


def _sine_gather(n_samples: int, dt_ms: float, hz: float = 20.0, dtype=np.float32):
    t = np.arange(n_samples) * dt_ms / 1000.0
    values = np.sin(2 * np.pi * hz * t)[None, :] * np.arange(1, 5)[:, None]
    return xr.DataArray(
        values.astype(dtype),
        dims=("offset", "time"),
        coords={
            "offset": ("offset", 12.5 * np.arange(4), {"units": "m"}),
            "time": ("time", dt_ms * np.arange(n_samples), {"units": "ms"}),
            "trace_mask": ("offset", np.ones(4, bool)),
        },
        name="amplitude",
        attrs={"units": "1"},
    )


@settings(max_examples=20, deadline=None)
@given(
    case=st.sampled_from([(1.0, 2.0), (0.5, 2.0), (8.0, 4.0), (6.0, 4.0), (1.0, 4.0)]),
    inner_samples=st.integers(5, 81),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_round_trip_keeps_coords_dtype_and_a_band_limited_signal(case, inner_samples, dtype):
    from_ms, to_ms = case
    edge = int(np.ceil(60.0 / from_ms))  # the filters' reach, with a margin
    n_samples = 2 * edge + inner_samples
    da = _sine_gather(n_samples, from_ms, hz=10.0, dtype=dtype)
    resampling = TimeResampling(from_ms, to_ms)
    there = resampling.to_network(da)
    assert float(there.time[1] - there.time[0]) == pytest.approx(to_ms)
    assert there.dtype == da.dtype
    np.testing.assert_array_equal(there.trace_mask.values, da.trace_mask.values)
    back = resampling.to_survey(there.assign_attrs(model="x"), da)
    xr.testing.assert_identical(back.coords.to_dataset(), da.coords.to_dataset())
    assert back.dims == da.dims and back.dtype == da.dtype and back.name == da.name
    assert back.attrs == {"units": "1", "model": "x"}  # the network output's attrs
    # 10 Hz is far below both Nyquists: away from the ends it comes back.
    inner = slice(edge, n_samples - edge)
    np.testing.assert_allclose(back.values[:, inner], da.values[:, inner], atol=2e-2 * 4)


def test_decimation_is_anti_aliased():
    # 200 Hz at 1 ms is above the 125 Hz Nyquist of 4 ms: it must be filtered out, not
    # folded to 50 Hz.
    da = _sine_gather(512, 1.0, hz=200.0)
    there = TimeResampling(1.0, 4.0).to_network(da)
    assert float(np.abs(there.values[:, 32:-32]).max()) < 0.05 * 4


def test_lazy_in_lazy_out_equal_to_numpy():
    da = _sine_gather(200, 1.0)
    lazy = da.chunk({"offset": 2, "time": 50})
    resampling = TimeResampling(1.0, 2.0)
    calls = []
    with dask.config.set(scheduler=lambda dsk, keys, **kw: calls.append(1) or dask.get(dsk, keys)):
        there = resampling.to_network(lazy)
        back = resampling.to_survey(there, lazy)
    assert not calls
    assert dask.is_dask_collection(there.data) and dask.is_dask_collection(back.data)
    np.testing.assert_allclose(back.values, resampling.to_survey(resampling.to_network(da), da))


def test_a_ratio_that_is_not_small_integers_is_refused():
    with pytest.raises(ConfigError) as err:
        TimeResampling(4.0001, 4.0)
    assert str(err.value) == (
        "resample_time='trained' cannot resample 4.0001 ms to 4 ms: the ratio of the two "
        "intervals is not a fraction of small integers. Resample the survey yourself "
        "first, e.g. pm.ops.Resample('4 ms')(da) after checking its spectrum, or leave "
        "resample_time='off'."
    )
    for absurd in (0.0, -4.0, float("nan"), float("inf")):
        with pytest.raises(ConfigError, match="not a fraction of small integers"):
            TimeResampling(absurd, 4.0)


def test_record():
    assert TimeResampling(8.0, 4.0).record() == {
        "from_ms": 8.0, "to_ms": 4.0, "up": 2, "down": 1, "method": RESAMPLING_METHOD,
    }  # fmt: skip
    assert TimeResampling(1.0, 2.0).ratio == (1, 2)


def test_a_real_gather_in_seconds():
    gather = pm.synthetic_gather(n_traces=4, n_samples=64, dt_ms=1.0)
    in_seconds = gather.assign_coords(time=("time", gather.time.values / 1000, {"units": "s"}))
    resampling = TimeResampling(1.0, 2.0)
    there = resampling.to_network(in_seconds)
    assert there.sizes["time"] == 32 and there.time.attrs["units"] == "s"
    back = resampling.to_survey(there, in_seconds)
    np.testing.assert_array_equal(back.time.values, in_seconds.time.values)
