"""auto's fallback pattern rule: per-gather choice, laziness, preferences."""

from __future__ import annotations

import warnings

import dask
import numpy as np
import pytest
import xarray as xr

import promethium as pm
from promethium.errors import ConfigError, PromethiumWarning
from promethium.models.auto_rule import PatternRule
from promethium.models.classical import promethium_register_models
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


def _rule(**preferences):
    registry = Registry()
    promethium_register_models(registry)
    return PatternRule(registry, **preferences)


def _apply(data, **preferences):
    """The rule on the front door's model input; the output and the record."""
    return _rule(**preferences).apply(data)


def test_regular_gets_linear_random_gets_pocs(gather):
    holed = pm.apply_trace_mask(gather, pm.regular_mask(gather, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error", PromethiumWarning)  # no pocs aliasing warning
        out, record = _apply(holed)
    assert record["models"] == ["linear"] and record["patterns"] == {"regular": 1}
    np.testing.assert_array_equal(out.values, pm.reconstruct(holed, model="linear").values)
    holed = pm.apply_trace_mask(gather, pm.random_mask(gather, 0.3))
    out, record = _apply(holed)
    assert record["models"] == ["pocs"]


@pytest.mark.parametrize("lazy", [False, True])
def test_gathers_with_too_few_live_traces_get_linear_not_pocs(gather, lazy):
    """POCS fills a gather with one to three live traces with near-zero traces."""
    live = np.zeros(gather.sizes["offset"], bool)
    live[[5, 20]] = True
    holed = pm.apply_trace_mask(gather, live)
    if lazy:
        holed = holed.chunk().assign_coords(trace_mask=holed.trace_mask.chunk())
    with warnings.catch_warnings():
        warnings.simplefilter("error", PromethiumWarning)  # no weak-fill or pocs warning
        out, record = _apply(holed)
        values = out.values
    assert record["rule"] == {"regular": "linear", "irregular": "pocs"}
    if not lazy:
        assert record["models"] == ["linear"] and record["patterns"] == {"sparse": 1}
    np.testing.assert_array_equal(values, pm.reconstruct(holed, model="linear").values)
    with pytest.warns(PromethiumWarning, match=r"1 of 1 gather\(s\) hold fewer than 5 live"):
        pm.reconstruct(holed, model="pocs").compute()


@pytest.mark.parametrize(
    ("chunks", "lazy_mask"),
    [(None, False), ({"shot": 1}, False), ({"shot": 2, "time": 48}, True), ({"shot": 1}, True)],
)
def test_choice_per_gather_matches_each_model_alone(shots, chunks, lazy_mask):
    data = shots if chunks is None else shots.chunk(chunks)
    if lazy_mask:
        data = data.drop_vars("trace_mask")
        data = data.assign_coords(trace_mask=pm.infer_trace_mask(data))
    else:  # a NumPy mask, on NumPy or dask data
        data = data.assign_coords(trace_mask=shots.trace_mask)
    counter = _ComputeCounter()
    with dask.config.set(scheduler=counter):
        out, record = _apply(data)
    assert counter.calls == 0
    assert record["models"] == ["linear", "pocs"]
    assert record["rule"] == {"irregular": "pocs", "regular": "linear"}
    if lazy_mask:
        assert record["decided"] == "lazily, per gather"
    else:
        assert record["gathers"] == {"linear": "0", "pocs": "1-2"}  # complete goes with pocs
        assert record["patterns"] == {"complete": 1, "irregular": 1, "regular": 1}
    assert out.dims == shots.dims and out.shape == shots.shape
    assert dask.is_dask_collection(out.data) == (chunks is not None)
    values = out.values
    linear = pm.reconstruct(shots.isel(shot=0), model="linear")
    pocs = pm.reconstruct(shots.isel(shot=1), model="pocs")
    live = shots.trace_mask.values
    np.testing.assert_allclose(values[0][~live[0]], linear.values[~live[0]], atol=1e-6)
    np.testing.assert_allclose(values[1][~live[1]], pocs.values[~live[1]], atol=1e-5)


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
    out, record = _apply(chunked)
    if not lazy_mask:  # complete gathers take the irregular choice
        assert record["gathers"] == {"linear": "2", "pocs": "0-1,3-5"}
    values = out.values
    missing = ~live
    np.testing.assert_allclose(
        values[0, 2][missing[0, 2]],
        pm.reconstruct(holed.isel(a=0, b=2), model="linear").values[missing[0, 2]],
        atol=1e-6,
    )
    np.testing.assert_allclose(
        values[1, 1][missing[1, 1]],
        pm.reconstruct(holed.isel(a=1, b=1), model="pocs").values[missing[1, 1]],
        atol=1e-5,
    )


def test_preferences_must_name_registered_models(gather):
    holed = pm.apply_trace_mask(gather, pm.regular_mask(gather, 2))
    with pytest.warns(PromethiumWarning, match="regular intervals"):  # pocs, as asked
        _, record = _apply(holed, regular=["no-such-net", "pocs"])
    assert record["models"] == ["pocs"]
    with pytest.raises(ConfigError, match="none of the models preferred for regular"):
        _apply(holed, regular=["no-such-net"])
    with pytest.raises(ConfigError, match="cannot name 'auto'"):
        _rule(regular=["auto"])
    with pytest.raises(ConfigError, match="non-empty list"):
        _rule(irregular=[])
