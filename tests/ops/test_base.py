import dask.array as dska
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from promethium.core.history import history_steps
from promethium.errors import InvalidDataError
from promethium.ops import Operator, Pipeline


class Scale(Operator):
    def __init__(self, factor: float) -> None:
        self.factor = factor

    def transform(self, data, context):
        return data * self.factor


class RunningMean(Operator):
    """A 5-sample moving average along time: needs a halo of 2 samples."""

    def halo(self, da):
        return {"time": 2}

    def transform(self, data, context):
        padded = np.pad(data, [(0, 0)] * (data.ndim - 1) + [(2, 2)], mode="edge")
        kernel = np.ones(5) / 5
        return np.apply_along_axis(lambda t: np.convolve(t, kernel, mode="valid"), -1, padded)


class TimesTime(Operator):
    coords_needed = ("vertical", "offset")

    def transform(self, data, context):
        return data * context.coords["vertical"] + context.coords["offset"] * 0


class NeedsWholeTrace(Scale):
    whole = ("vertical",)


def test_pipeline_composes_and_records_history(gather):
    pipe = Scale(2.0) | Scale(0.5) | Scale(3.0)
    assert isinstance(pipe, Pipeline) and len(pipe.operators) == 3
    out = pipe(gather)
    np.testing.assert_allclose(out.values, gather.values * 3.0, rtol=1e-6)
    assert history_steps(out) == [
        "promethium: Scale(factor=2.0)",
        "promethium: Scale(factor=0.5)",
        "promethium: Scale(factor=3.0)",
    ]
    assert "history" not in gather.attrs


@given(
    trace_chunk=st.integers(1, 48),
    time_chunk=st.integers(1, 128),
)
def test_halo_operator_is_identical_on_any_chunking(gather, trace_chunk, time_chunk):
    expected = RunningMean()(gather)
    lazy = RunningMean()(gather.chunk({"offset": trace_chunk, "time": time_chunk}))
    assert isinstance(lazy.data, dska.Array)
    np.testing.assert_allclose(lazy.values, expected.values, rtol=1e-6, atol=1e-7)


def test_coordinates_reach_the_transform_in_si_units(gather):
    out = TimesTime()(gather.chunk({"offset": 7, "time": 50}))
    t = gather.time.values / 1000.0
    np.testing.assert_allclose(out.values, gather.values * t, rtol=1e-6, atol=1e-12)


def test_whole_axis_requirement_is_checked(gather):
    with pytest.raises(InvalidDataError, match=r"da.chunk\(\{'time': -1\}\)"):
        NeedsWholeTrace(1.0)(gather.chunk({"time": 64}))


def test_chunks_smaller_than_halo_are_merged_and_reported(gather):
    out = RunningMean()(gather.chunk({"time": (1, 100, 27)}))
    assert out.chunksizes["time"] == (101, 27)
    assert "time: (1, 100, 27) -> (101, 27)" in out.attrs["promethium_rechunked"]
    np.testing.assert_allclose(out.values, RunningMean()(gather).values, rtol=1e-6)


def test_axis_shorter_than_halo_becomes_one_chunk(gather):
    short = gather.isel(time=slice(0, 3)).chunk({"time": 1})
    out = RunningMean()(short)
    assert out.chunksizes["time"] == (3,)
    np.testing.assert_allclose(out.values, RunningMean()(short.load()).values, rtol=1e-6)


def test_missing_coordinate_is_named(gather):
    with pytest.raises(InvalidDataError, match="'offset'"):
        TimesTime()(gather.drop_vars("offset"))


def test_whole_array_operators_refuse_blocks(gather):
    from promethium.ops import KillTraces, Reconstruct, WholeArrayOperator

    for op in (Scale(1.0) | Scale(2.0), KillTraces(fraction=0.5), Reconstruct("linear")):
        assert isinstance(op, WholeArrayOperator)
        with pytest.raises(TypeError, match="works on whole DataArrays"):
            op.transform(gather.values, None)
