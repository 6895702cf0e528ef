import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

from promethium.core.axis import sample_interval, vertical_values
from promethium.core.units import convert, is_time_unit, parse_unit, unit_registry
from promethium.errors import InvalidDataError, UnitError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ms", "millisecond"),
        ("s", "second"),
        ("us", "microsecond"),
        ("µs", "microsecond"),
        ("usec", "microsecond"),
        ("m", "meter"),
        ("ft", "foot"),
        ("feet", "foot"),
        ("m/s", "meter / second"),
        ("Hz", "hertz"),
    ],
)
def test_parse_unit_reads_seismic_spellings(text, expected):
    assert str(parse_unit(text)) == expected


@pytest.mark.parametrize("bad", [None, "", "   ", "furlongs per bogon", 3])
def test_parse_unit_rejects_missing_or_unknown(bad):
    with pytest.raises(UnitError, match="unit"):
        parse_unit(bad, what="coordinate 'time'")


def test_unit_error_names_the_input():
    with pytest.raises(UnitError, match="coordinate 'time'"):
        parse_unit("bogus", what="coordinate 'time'")


def test_convert_and_dimensionality():
    assert convert(4.0, "ms", "s") == pytest.approx(0.004)
    assert convert(1000.0, "ft", "m") == pytest.approx(304.8)
    with pytest.raises(UnitError, match="cannot be converted"):
        convert(1.0, "ms", "m")
    assert is_time_unit("us") and not is_time_unit("m")


def test_registry_is_built_once():
    assert unit_registry() is unit_registry()


def _trace_panel(times, unit):
    return xr.DataArray(
        np.zeros((3, times.size)),
        dims=("trace", "time"),
        coords={"time": ("time", times, {"units": unit})},
    )


@given(
    dt_us=st.integers(min_value=50, max_value=16000),
    n=st.integers(min_value=2, max_value=400),
    unit=st.sampled_from(["s", "ms", "us"]),
)
def test_sample_interval_is_the_same_in_any_time_unit(dt_us, n, unit):
    scale = {"s": 1e-6, "ms": 1e-3, "us": 1.0}[unit]
    da = _trace_panel(np.arange(n) * dt_us * scale, unit)
    assert sample_interval(da) == pytest.approx(dt_us * 1e-6, rel=1e-9)
    assert sample_interval(da, "us") == pytest.approx(dt_us, rel=1e-9)


def test_sample_interval_depth_axis_in_feet():
    da = xr.DataArray(
        np.zeros((2, 4)),
        dims=("trace", "depth"),
        coords={"depth": ("depth", np.arange(4) * 10.0, {"units": "ft"})},
    )
    assert sample_interval(da) == pytest.approx(3.048)


def test_sample_interval_rejects_irregular_and_short_axes():
    with pytest.raises(InvalidDataError, match="not regularly sampled"):
        sample_interval(_trace_panel(np.array([0.0, 4.0, 9.0]), "ms"))
    with pytest.raises(InvalidDataError, match="at least 2"):
        sample_interval(_trace_panel(np.array([0.0]), "ms"))


def test_vertical_values_converts():
    da = _trace_panel(np.array([0.0, 4.0, 8.0]), "ms")
    np.testing.assert_allclose(vertical_values(da, "s"), [0.0, 0.004, 0.008])
