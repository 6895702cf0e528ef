"""The da.pm accessor: thin, registered cheaply, same results as the functions."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import xarray as xr
from pydantic import Field

import promethium as pm
import promethium.accessor  # registers da.pm
from promethium.core.history import history_steps
from promethium.errors import InvalidDataError
from promethium.plugin import ModelOptions, ModelSpec
from promethium.reconstruct import reconstruct
from promethium.registry import Registry


def _untimed(da):
    """`da` with its history lines stripped of their UTC timestamps (runs differ)."""
    return da.assign_attrs(history="\n".join(history_steps(da)))


class MeanOptions(ModelOptions):
    scale: float = Field(1.0, description="Factor of the mean.")


class Mean:
    def reconstruct(self, da, options):
        return xr.zeros_like(da) + options.scale * da.mean(da.dims[-2])


@pytest.fixture
def registry():
    registry = Registry()
    registry.add(ModelSpec(name="mean", family="demo", factory=Mean, options=MeanOptions))
    return registry


def test_reconstruct_matches_function(gather, registry):
    holed = gather.pm.apply_trace_mask(pm.regular_mask(gather, 2))
    out = holed.pm.reconstruct("mean", registry=registry, scale=2.0)
    expected = reconstruct(holed, "mean", registry=registry, scale=2.0)
    xr.testing.assert_identical(_untimed(out), _untimed(expected))


def test_conveniences(gather):
    assert gather.pm.sample_interval() == 0.004
    assert gather.pm.sample_interval("ms") == 4.0
    assert (gather.pm.vertical_dim, gather.pm.trace_dim) == ("time", "offset")
    assert gather.pm.trace_mask.values.all()
    mask = np.arange(gather.sizes["offset"]) % 2 == 0
    masked = gather.pm.with_trace_mask(mask)
    np.testing.assert_array_equal(masked.pm.trace_mask.values, mask)
    assert gather.pm.validate() is gather


def test_validate_raises_through_accessor(gather):
    with pytest.raises(InvalidDataError, match="last dim"):
        gather.transpose("time", "offset").pm.validate()


def test_registering_the_accessor_is_cheap():
    code = (
        "import sys, promethium.accessor, xarray as xr\n"
        "assert hasattr(xr.DataArray, 'pm')\n"
        "heavy = {'torch', 'rich', 'matplotlib', 'segyio', 'mlflow'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "from promethium.plugins import loaded_plugins\n"
        "assert loaded_plugins.cache_info().currsize == 0  # nothing discovered\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
