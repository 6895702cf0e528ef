"""Static types of ``pm.reconstruct``: checked by mypy (``files`` in pyproject.toml).

``return_uncertainty=True`` gives a Dataset, otherwise a DataArray, with no cast in the
caller; ``assert_type`` fails the mypy run if an overload drifts. The same calls run
here, so the runtime types are checked too.
"""

from __future__ import annotations

from typing import Any

import xarray as xr
from pydantic import Field
from typing_extensions import assert_type

import promethium as pm


class _Options(pm.ModelOptions):
    return_uncertainty: bool = Field(False, description="Return mean and std.")


class _Copy:
    """Fills with zeros; with return_uncertainty, a Dataset of mean and std."""

    def reconstruct(self, da: xr.DataArray, options: _Options) -> Any:
        if options.return_uncertainty:
            return xr.Dataset({"mean": da, "std": xr.zeros_like(da)})
        return da


def _registry() -> pm.Registry:
    registry = pm.Registry()
    registry.add(pm.ModelSpec(name="copy", family="test", factory=_Copy, options=_Options))
    return registry


def _holed() -> xr.DataArray:
    da = pm.synthetic_gather(n_traces=16, n_samples=32)
    return pm.apply_trace_mask(da, pm.regular_mask(da, 2))


def test_default_call_is_a_data_array() -> None:
    out = assert_type(pm.reconstruct(_holed(), "linear"), xr.DataArray)
    assert isinstance(out, xr.DataArray)
    same = pm.reconstruct(_holed(), "copy", registry=_registry(), return_uncertainty=False)
    assert isinstance(assert_type(same, xr.DataArray), xr.DataArray)


def test_uncertainty_is_a_dataset() -> None:
    out = pm.reconstruct(_holed(), "copy", registry=_registry(), return_uncertainty=True)
    assert set(assert_type(out, xr.Dataset).data_vars) == {"mean", "std"}


def test_a_runtime_flag_gives_either() -> None:
    flag = len(_holed().dims) > 5
    out = pm.reconstruct(_holed(), "copy", registry=_registry(), return_uncertainty=flag)
    assert isinstance(assert_type(out, xr.DataArray | xr.Dataset), xr.DataArray)
