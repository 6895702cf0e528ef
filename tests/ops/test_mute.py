import re

import dask.array as dska
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.core.history import history_steps
from promethium.errors import ConfigError, InvalidDataError, UnitError
from promethium.ops import Mute, Normalize


@pytest.fixture(scope="module")
def gather():
    return pm.synthetic_gather(n_traces=12, n_samples=128, noise=0.1, seed=7)


def test_hard_mute_zeroes_above_the_line(gather):
    out = Mute(2000.0, t0="20 ms")(gather)
    t = gather.time.values[None, :] / 1000.0
    tm = 0.02 + gather.offset.values[:, None] / 2000.0
    np.testing.assert_array_equal(out.values[t < tm], 0.0)
    np.testing.assert_array_equal(out.values[t >= tm], gather.values[t >= tm])


def test_taper_ramps_below_the_line(gather):
    out = Mute(2000.0, taper="40 ms")(gather * 0 + 1.0)
    t = gather.time.values[None, :] / 1000.0
    s = t - gather.offset.values[:, None] / 2000.0
    expected = np.where(s < 0, 0, np.sin(0.5 * np.pi * np.clip(s / 0.04, 0, 1)) ** 2)
    np.testing.assert_allclose(out.values, expected, atol=1e-7)


def test_units_of_offset_and_velocity(gather):
    ref = Mute(2000.0, taper=0.02)(gather).values
    feet = gather.assign_coords(offset=("offset", gather.offset.values / 0.3048, {"units": "ft"}))
    np.testing.assert_allclose(Mute("2 km/s", taper="20 ms")(feet).values, ref, atol=1e-6)
    v_ft = 2000.0 / 0.3048
    np.testing.assert_allclose(Mute(f"{v_ft} ft/s", taper=0.02)(gather).values, ref, atol=1e-6)


def test_other_offset_coordinate(gather):
    da = gather.assign_coords(src_rcv=("offset", -gather.offset.values, {"units": "m"}))
    np.testing.assert_array_equal(
        Mute(2000.0, offset="src_rcv")(da).values, Mute(2000.0)(gather).values
    )


@settings(max_examples=8, deadline=None)
@given(chunks=st.tuples(st.integers(1, 12), st.integers(5, 128)))
def test_lazy_equals_in_memory(gather, chunks):
    op = Mute(1800.0, t0=0.01, taper="30 ms")
    lazy = op(gather.chunk(dict(zip(gather.dims, chunks))))
    assert isinstance(lazy.data, dska.Array)
    np.testing.assert_array_equal(lazy.values, op(gather).values)


def test_composition_and_history(gather):
    out = (Mute(2000.0) | Normalize())(gather)
    assert history_steps(out)[0] == (
        "promethium: Mute(velocity=2000.0, t0=0.0, taper=0.0, offset='offset')"
    )


def test_errors(gather):
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "Mute: got velocity=0.0: input should be greater than 0; "
            "velocity must be a number > 0 (m/s)."
        ),
    ):
        Mute(0.0)
    with pytest.raises(ConfigError, match="'ms' is not a unit of the same kind as 'm/s'"):
        Mute("2000 ms")
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "Mute: got t0=-1: input should be greater than or equal to 0; "
            "t0 must be a number >= 0 (s)."
        ),
    ):
        Mute(2000.0, t0=-1)
    with pytest.raises(InvalidDataError, match="needs the offset coordinate 'offset'"):
        Mute(2000.0)(gather.drop_vars("offset"))
    no_unit = gather.assign_coords(offset=("offset", gather.offset.values))
    with pytest.raises(UnitError, match="offset coordinate 'offset' has no unit"):
        Mute(2000.0)(no_unit)
