import re

import dask.array as dska
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.core.history import history_steps
from promethium.errors import ConfigError, InvalidDataError
from promethium.ops import Taper


@pytest.fixture(scope="module")
def gather():
    return pm.synthetic_gather(n_traces=12, n_samples=64, noise=0.2, seed=6)


def test_cosine_weights_reference(gather):
    ones = gather * 0 + 1.0
    out = Taper(4)(ones).values[0]
    ramp = np.sin(0.5 * np.pi * np.arange(1, 5) / 5) ** 2
    np.testing.assert_allclose(out[:4], ramp)
    np.testing.assert_allclose(out[-4:], ramp[::-1])
    np.testing.assert_array_equal(out[4:-4], 1.0)


def test_linear_trace_taper_at_one_end(gather):
    ones = gather * 0 + 1.0
    out = Taper(3, shape="linear", axis="trace", sides="end")(ones).values[:, 10]
    np.testing.assert_allclose(out[-3:], [0.75, 0.5, 0.25])
    np.testing.assert_array_equal(out[:-3], 1.0)


def test_length_as_time_quantity(gather):
    np.testing.assert_array_equal(Taper("20 ms")(gather).values, Taper(5)(gather).values)
    np.testing.assert_array_equal(Taper(0.02)(gather).values, Taper(5)(gather).values)


@settings(max_examples=10, deadline=None)
@given(
    chunks=st.tuples(st.integers(1, 12), st.integers(1, 64)),
    axis=st.sampled_from(["vertical", "trace"]),
    sides=st.sampled_from(["both", "start", "end"]),
)
def test_lazy_equals_in_memory(gather, chunks, axis, sides):
    op = Taper(3, axis=axis, sides=sides)
    lazy = op(gather.chunk(dict(zip(gather.dims, chunks))))
    assert isinstance(lazy.data, dska.Array)
    np.testing.assert_array_equal(lazy.values, op(gather).values)
    assert "\n".join(history_steps(lazy)) == f"promethium: {op!r}"


def test_transform_agrees_with_apply(gather):
    op = Taper(6, axis="trace")
    block = op.transform(gather.values, op._context(gather))
    np.testing.assert_allclose(block, op(gather).values, rtol=1e-6)


def test_composition(gather):
    out = (Taper(4) | Taper(2, axis="trace"))(gather)
    assert len(history_steps(out)) == 2
    assert (out.isel(offset=0).values != 0).any()


def test_errors(gather):
    with pytest.raises(ConfigError, match="shape must be one of"):
        Taper(4, shape="hann")
    with pytest.raises(ConfigError, match="axis must be one of"):
        Taper(4, axis="shot")
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "Taper: got length=0: input should be greater than 0; length must be a count of "
            "samples or traces (an int), or a time or depth length > 0."
        ),
    ):
        Taper(0)
    with pytest.raises(ConfigError, match="number of traces"):
        Taper("20 ms", axis="trace")
    with pytest.raises(InvalidDataError, match="does not fit an axis of 12"):
        Taper(7, axis="trace")(gather)
