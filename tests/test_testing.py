from __future__ import annotations

import warnings
from typing import Any

import dask.array as dska
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field

import promethium as pm
from promethium.core.axis import sample_interval
from promethium.core.dims import trace_dim, trace_dims
from promethium.models.classical.linear import LinearInterpolation, LinearOptions
from promethium.plugin import ModelOptions, ModelSpec
from promethium.plugins import default_registry
from promethium.testing import (
    assert_reconstruction_contract,
    assert_same_geometry,
    contract_data,
    seismic_arrays,
    trace_masks,
)


def _spec(factory: Any, options: type[ModelOptions] = ModelOptions) -> ModelSpec:
    return ModelSpec(name=factory.__name__, family="test", factory=factory, options=options)


class _Base:
    """A correct reconstructor (linear interpolation) that subclasses break."""

    def reconstruct(self, da: xr.DataArray, options: Any = None) -> xr.DataArray:
        return LinearInterpolation().reconstruct(da)


class _ChangesLive(_Base):
    def reconstruct(self, da, options=None):
        return super().reconstruct(da) * 1.1


class _Eager(_Base):
    def reconstruct(self, da, options=None):
        out = super().reconstruct(da)
        return out.copy(data=np.asarray(out.values))


class _NumpyOnDask(_Base):
    def reconstruct(self, da, options=None):
        out = super().reconstruct(da)
        if isinstance(out.data, dska.Array):
            return out.copy(data=np.zeros(out.shape, out.dtype))
        return out


class _Computes(_Base):
    def reconstruct(self, da, options=None):
        out = super().reconstruct(da)
        return out.copy(data=dska.from_array(np.asarray(out.values)))


class _ModifiesInput(_Base):
    def reconstruct(self, da, options=None):
        if isinstance(da.data, np.ndarray):
            da.values[..., 0] = 7.0
        return super().reconstruct(da)


class _DropsCoord(_Base):
    def reconstruct(self, da, options=None):
        return super().reconstruct(da).drop_vars("offset")


class _NaN(_Base):
    def reconstruct(self, da, options=None):
        out = super().reconstruct(da)
        return out.where(out.coords["trace_mask"])


class _NoFill(_Base):
    def reconstruct(self, da, options=None):
        return da.where(da.coords["trace_mask"], 0.0)


class _ChunkDependent(_Base):
    def reconstruct(self, da, options=None):
        out = super().reconstruct(da)
        if isinstance(out.data, dska.Array):  # scales each block by its own peak
            data = out.data.map_blocks(lambda b: b / max(np.abs(b).max(), 1e-12))
        else:
            data = out.data / np.abs(out.data).max()
        missing = ~out.coords["trace_mask"]
        return out.where(~missing, out.copy(data=data))


class _TraceChunkDependent(_Base):
    """Scales missing traces by the peak over the traces of its own dask block.

    Each time sample is treated independently, so splitting the vertical axis changes
    nothing; only a split trace axis changes the result.
    """

    def reconstruct(self, da, options=None):
        out = super().reconstruct(da)

        def scale(block):
            peak = np.abs(block.astype(np.float64)).max(axis=-2, keepdims=True)
            return np.broadcast_to(1.0 / np.maximum(peak, 1e-3), block.shape)

        if isinstance(da.data, dska.Array):
            factor = da.data.map_blocks(scale, dtype=np.float64)
        else:
            factor = scale(np.asarray(da.data))
        scaled = out * da.copy(data=factor).drop_vars(list(da.coords))
        return out.where(out.coords["trace_mask"], scaled)


class _WrongOnDask(_Base):
    """Fills missing traces twice as loud on dask input, whatever its chunks."""

    def reconstruct(self, da, options=None):
        out = super().reconstruct(da)
        if isinstance(out.data, dska.Array):
            return out.where(out.coords["trace_mask"], 2 * out)
        return out


def test_correct_reconstructor_passes():
    assert_reconstruction_contract(_spec(_Base))
    assert_reconstruction_contract(_spec(LinearInterpolation, LinearOptions), coord="offset")


@pytest.mark.parametrize(
    ("broken", "match"),
    [
        (_ChangesLive, "live traces changed"),
        (_Eager, "computed 1 dask graph"),
        (_NumpyOnDask, "dask-backed"),
        (_Computes, "computed 1 dask graph"),
        (_ModifiesInput, "input was modified"),
        (_DropsCoord, "geometry differs"),
        (_NaN, "non-finite"),
        (_NoFill, "left all zero"),
        (_ChunkDependent, "differs from the in-memory result"),
        (_TraceChunkDependent, r"differs from the in-memory result.*'offset': \(10, 10"),
    ],
    ids=lambda x: x.__name__ if not isinstance(x, str) else "",
)
def test_broken_reconstructors_fail(broken, match):
    with pytest.raises(AssertionError, match=match):
        assert_reconstruction_contract(_spec(broken))


def test_not_a_model():
    with pytest.raises(AssertionError, match="Reconstructor"):
        assert_reconstruction_contract(42)  # type: ignore[arg-type]


def test_check_live_can_be_disabled():
    assert_reconstruction_contract(_spec(_ChangesLive), check_live=False)


class _Incomplete(ModelOptions):
    width: int = 3  # no description


def test_incomplete_option_schema_fails_the_contract():
    with pytest.raises(AssertionError, match=r"model '_Base': option 'width' needs a one-line"):
        assert_reconstruction_contract(_spec(_Base, _Incomplete))


class _Hidden(ModelOptions):
    keep_observed: bool = Field(True, description="Shadowed by pm.reconstruct's own.")


def test_option_named_like_a_front_door_parameter_fails_the_contract():
    with pytest.raises(AssertionError, match=r"option 'keep_observed' has the name of a param"):
        assert_reconstruction_contract(_spec(_Base, _Hidden))


def test_factory_must_return_a_reconstructor():
    with pytest.raises(AssertionError, match=r"must return a Reconstructor.*got dict"):
        assert_reconstruction_contract(ModelSpec(name="d", family="test", factory=dict))


#: Every registered model that runs without being given weights. The built-in networks
#: ship no trained weights yet and refuse to run without them; they pass the contract
#: with explicit weights in tests/models/networks/test_plugin.py.
_UNTRAINED_FREE = [
    name
    for name in default_registry().list()
    if default_registry().get(name).plugin != "builtin-networks"
]

#: Small, fast options for the registry-wide contract run, used where a model accepts them.
_FAST = {"patch_size": 32, "n_iter": 5, "batch_size": 4}


@pytest.mark.parametrize("name", _UNTRAINED_FREE)
def test_every_registered_model_passes_the_contract(name):
    accepted = default_registry().get(name).options.model_fields
    options = {k: v for k, v in _FAST.items() if k in accepted}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        # auto computes its blind test's sample (one graph) to choose a model
        computes = 1 if name == "auto" else 0
        assert_reconstruction_contract(name, sample_computes=computes, **options)


def test_assert_same_geometry_reports_difference():
    da = pm.synthetic_gather(n_traces=4, n_samples=8)
    assert_same_geometry(da + 1, da)
    with pytest.raises(AssertionError, match="coordinate 'offset' values differ"):
        assert_same_geometry(da.assign_coords(offset=da.offset + 1), da)
    with pytest.raises(AssertionError, match="dims differ"):
        assert_same_geometry(da.T, da)


def test_contract_data_follows_conventions():
    da = contract_data()
    pm.validate(da)
    assert da.dims == ("shot", "offset", "time") and da.dtype == np.float32
    assert not bool(da.trace_mask.all()) and bool(da.trace_mask.any())


@settings(max_examples=25, deadline=None)
@given(seismic_arrays(max_batch_dims=2))
def test_seismic_arrays_follow_conventions(da):
    pm.validate(da, check_mask=False)
    assert sample_interval(da) > 0
    assert np.issubdtype(da.coords[trace_dim(da)].dtype, np.floating)
    if da.chunks:
        assert sum(da.chunksizes[trace_dim(da)]) == da.sizes[trace_dim(da)]


def test_seismic_arrays_draw_split_trace_axes():
    seen = set()

    @settings(max_examples=40, deadline=None, database=None)
    @given(seismic_arrays(min_traces=4, chunked=True))
    def draw(da):
        seen.add(len(da.chunksizes[trace_dim(da)]) > 1)

    draw()
    assert True in seen


def test_trace_chunk_dependence_is_caught_without_vertical_split():
    # Only the contract's trace-split run can catch it: the first run keeps whole traces.
    with pytest.raises(AssertionError, match="differs from the in-memory result"):
        assert_reconstruction_contract(
            _spec(_TraceChunkDependent), chunks={"shot": 1, "offset": -1, "time": 8}
        )


def test_chunked_input_is_compared_with_a_computed_reference():
    # A model that is wrong only on dask input must fail even when `da` itself is dask.
    da = contract_data().chunk({"shot": 1, "offset": -1, "time": 32})
    assert_reconstruction_contract(_spec(_Base), da)
    with pytest.raises(AssertionError, match="differs from the in-memory result"):
        assert_reconstruction_contract(_spec(_WrongOnDask), da)
    with pytest.raises(AssertionError, match="differs from the in-memory result"):
        assert_reconstruction_contract(_spec(_TraceChunkDependent), da)


def _with_a_gap(da, mask):
    """`mask`, with its first trace killed when every trace is live (at least 2 traces)."""
    values = np.array(mask.values, dtype=bool)
    if values.all():
        values.reshape(-1, values.shape[-1])[0, 0] = False
    return mask.copy(data=values)


@settings(max_examples=15, deadline=None)
@given(da=seismic_arrays(max_traces=8, max_samples=12), data_st=st.data())
def test_linear_contract_on_drawn_arrays(da, data_st):
    mask = _with_a_gap(da, data_st.draw(trace_masks(da, min_live=1)))
    assert mask.dims == trace_dims(da) and mask.dtype == bool
    panels = mask.values.reshape(-1, mask.shape[-1])
    assert (panels.sum(axis=-1) >= 1).all() and not panels.all()
    linear = _spec(LinearInterpolation, LinearOptions)
    assert_reconstruction_contract(linear, pm.with_trace_mask(da, mask))


#: Smaller still, for the drawn-array contract of every registered model.
_TINY = {"patch_size": 16, "n_iter": 3, "batch_size": 4}


@pytest.mark.parametrize("name", _UNTRAINED_FREE)
def test_every_model_contract_on_drawn_arrays(name):
    accepted = default_registry().get(name).options.model_fields
    options = {k: v for k, v in _TINY.items() if k in accepted}

    @settings(max_examples=10, deadline=None)
    @given(da=seismic_arrays(max_traces=8, max_samples=12), data_st=st.data())
    def check(da, data_st):
        mask = _with_a_gap(da, data_st.draw(trace_masks(da, min_live=1)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            assert_reconstruction_contract(
                name,
                pm.with_trace_mask(da, mask),
                sample_computes=1 if name == "auto" else 0,  # auto computes its test's sample
                **options,
            )

    check()
