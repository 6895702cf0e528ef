"""The auto model: per-gather choice, provenance, laziness, preferences."""

from __future__ import annotations

import json
import warnings

import dask
import numpy as np
import pytest
import xarray as xr

import promethium as pm
from promethium.errors import ConfigError, PromethiumWarning
from promethium.models.classical import promethium_register_models
from promethium.reconstruct import PROVENANCE_ATTR
from promethium.registry import Registry
from promethium.testing import _ComputeCounter


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


@pytest.fixture
def shots():
    """Three shot gathers: regularly decimated, randomly holed, complete."""
    base = pm.synthetic_gather(n_traces=64, n_samples=96, seed=5)
    stack = xr.concat([base, base * 0.5, base * 2.0], dim="shot").transpose("shot", ...)
    live = np.ones((3, 64), bool)
    live[0, 1::2] = False
    live[1] = pm.random_mask(base, 0.3, seed=2).values
    return pm.apply_trace_mask(stack.assign_coords(shot=[10, 20, 30]), live)


def _record(out):
    return json.loads(out.attrs[PROVENANCE_ATTR])


def test_auto_is_the_default_and_picks_linear_for_decimation(gather):
    holed = pm.apply_trace_mask(gather, pm.regular_mask(gather, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error", PromethiumWarning)  # no pocs aliasing warning
        out = pm.reconstruct(holed)
    record = _record(out)
    assert record["model"] == "auto"
    assert record["auto"]["models"] == ["linear"]
    assert record["auto"]["patterns"] == {"regular": 1}
    expected = pm.reconstruct(holed, model="linear")
    np.testing.assert_array_equal(out.values, expected.values)
    missing = ~holed.trace_mask.values
    rms = np.sqrt((out.values[missing] ** 2).mean(-1))
    truth = np.sqrt((gather.values[missing] ** 2).mean(-1))
    assert np.median(rms / truth) > 0.5  # pocs would give ~0 here


def test_auto_picks_pocs_for_random_traces(gather):
    holed = pm.apply_trace_mask(gather, pm.random_mask(gather, 0.3))
    out = pm.reconstruct(holed)
    assert _record(out)["auto"]["models"] == ["pocs"]
    np.testing.assert_array_equal(out.values, pm.reconstruct(holed, model="pocs").values)


@pytest.mark.parametrize(
    ("chunks", "lazy_mask"),
    [(None, False), ({"shot": 1}, False), ({"shot": 2, "time": 48}, True), ({"shot": 1}, True)],
)
def test_choice_per_gather_matches_each_model_alone(shots, chunks, lazy_mask):
    data = shots if chunks is None else shots.chunk(chunks)
    if not lazy_mask and chunks is not None:  # a NumPy mask on dask data
        data = data.assign_coords(trace_mask=shots.trace_mask)
    counter = _ComputeCounter()
    with dask.config.set(scheduler=counter):
        out = pm.reconstruct(data)
    assert counter.calls == 0
    auto = _record(out)["auto"]
    assert auto["models"] == ["linear", "pocs"]
    assert auto["rule"] == {"irregular": "pocs", "regular": "linear"}
    if lazy_mask:
        assert auto["decided"] == "lazily, per gather"
    else:
        assert auto["gathers"] == {"linear": "0", "pocs": "1-2"}  # complete goes with pocs
        assert auto["patterns"] == {"complete": 1, "irregular": 1, "regular": 1}
    assert out.dims == shots.dims and out.shape == shots.shape
    assert out.shot.values.tolist() == [10, 20, 30]
    assert dask.is_dask_collection(out.data) == (chunks is not None)
    values = out.values
    linear = pm.reconstruct(shots.isel(shot=0), model="linear")
    pocs = pm.reconstruct(shots.isel(shot=1), model="pocs")
    np.testing.assert_allclose(values[0], linear.values, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(values[1], pocs.values, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(values[2], shots.values[2])


@pytest.mark.parametrize("lazy_mask", [False, True])
def test_two_batch_dims_are_chosen_per_gather(lazy_mask):
    base = pm.synthetic_gather(n_traces=40, n_samples=64, seed=1)
    cube = xr.concat([xr.concat([base] * 3, "b")] * 2, "a").transpose("a", "b", ...)
    live = np.ones((2, 3, 40), bool)
    live[0, 2, ::2] = False
    live[1, 1] = pm.random_mask(base, 0.3, seed=4).values
    holed = pm.apply_trace_mask(cube, live)
    chunked = holed.chunk({"a": 1})
    if not lazy_mask:
        chunked = chunked.assign_coords(trace_mask=holed.trace_mask)
    out = pm.reconstruct(chunked)
    if not lazy_mask:  # complete gathers take the irregular choice
        assert _record(out)["auto"]["gathers"] == {"linear": "2", "pocs": "0-1,3-5"}
    values = out.values
    np.testing.assert_allclose(
        values[0, 2], pm.reconstruct(holed.isel(a=0, b=2), model="linear").values, atol=1e-6
    )
    np.testing.assert_allclose(
        values[1, 1], pm.reconstruct(holed.isel(a=1, b=1), model="pocs").values, atol=1e-5
    )


def test_lazy_mask_is_classified_at_compute_time(gather):
    holed = pm.apply_trace_mask(gather, pm.regular_mask(gather, 2)).drop_vars("trace_mask")
    lazy = holed.chunk({"offset": 16})
    counter = _ComputeCounter()
    with dask.config.set(scheduler=counter):
        out = pm.reconstruct(lazy)
    assert counter.calls == 0 and dask.is_dask_collection(out.data)
    assert _record(out)["auto"]["models"] == ["linear", "pocs"]
    eager = pm.reconstruct(holed)
    np.testing.assert_allclose(out.values, eager.values, atol=1e-6)


def test_preferences_come_from_config_and_the_registry(gather):
    holed = pm.apply_trace_mask(gather, pm.regular_mask(gather, 2))
    with pytest.warns(PromethiumWarning) as caught:
        out = pm.reconstruct(holed, config={"regular": ["no-such-net", "pocs"]})
    messages = " ".join(str(w.message) for w in caught)
    assert "regular intervals" in messages and "24 of 24 filled trace(s)" in messages
    assert _record(out)["auto"]["models"] == ["pocs"]
    with pytest.raises(ConfigError, match="none of the models preferred for regular"):
        pm.reconstruct(holed, config={"regular": ["no-such-net"]})
    with pytest.raises(ConfigError, match="cannot name 'auto'"):
        pm.reconstruct(holed, config={"regular": ["auto"]})
    with pytest.raises(ConfigError, match="non-empty list"):
        pm.reconstruct(holed, config={"irregular": []})


def test_auto_takes_no_options(gather):
    holed = pm.apply_trace_mask(gather, pm.regular_mask(gather, 2))
    with pytest.raises(
        ConfigError,
        match=r"model 'auto' does not accept the option 'n_iter'; accepted options: none",
    ):
        pm.reconstruct(holed, n_iter=3)


def test_auto_is_registered_through_the_builtin_hook(gather):
    registry = Registry()
    promethium_register_models(registry)
    assert registry.list() == ["auto", "linear", "pocs"]
    assert registry.get("auto").family == "auto"
    holed = pm.apply_trace_mask(gather, pm.regular_mask(gather, 2))
    out = pm.reconstruct(holed, registry=registry)
    assert _record(out)["auto"]["models"] == ["linear"]


def test_operator_default_is_auto(gather):
    holed = pm.apply_trace_mask(gather, pm.regular_mask(gather, 2))
    out = pm.ops.Reconstruct()(holed)
    assert _record(out)["auto"]["models"] == ["linear"]
