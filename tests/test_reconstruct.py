"""pm.reconstruct, the front door: checks, keep_observed, provenance, laziness."""

from __future__ import annotations

import hashlib
import json

import dask
import numpy as np
import pytest
import xarray as xr
from pydantic import Field

import promethium as pm
from promethium.core.history import history_steps
from promethium.errors import (
    ConfigError,
    InvalidDataError,
    ModelNotFoundError,
    PluginError,
    PromethiumWarning,
)
from promethium.ops.base import BlockContext, Operator
from promethium.ops.reconstruct import Reconstruct
from promethium.plugin import ModelOptions, ModelSpec
from promethium.reconstruct import PROVENANCE_ATTR, reconstruct
from promethium.registry import Registry


def _untimed(da):
    """`da` with its history lines stripped of their UTC timestamps (runs differ)."""
    return da.assign_attrs(history="\n".join(history_steps(da)))


class PlusOptions(ModelOptions):
    patch_size: int = Field(64, ge=4, le=1024, description="Patch length.")
    return_uncertainty: bool = Field(False, description="Return mean and std.")


class PlusOne:
    """Returns its input + offset; records what it was given."""

    built = 0

    def __init__(self, offset: float = 1.0) -> None:
        PlusOne.built += 1
        self.offset = offset
        self.seen: list[xr.DataArray] = []
        self.given: list[PlusOptions] = []

    def reconstruct(self, da, options):
        self.seen.append(da)
        self.given.append(options)
        out = da + self.offset
        if options.return_uncertainty:
            mean = out.assign_attrs(aggregate="mean")
            return xr.Dataset({"mean": mean, "std": xr.ones_like(da)})
        return out


class WrongShape:
    def reconstruct(self, da, options):
        return da.isel(time=slice(1, None))


def _registry(weights=None):
    registry = Registry()
    with registry._registering("test-plugin", "9.9"):
        registry.add(
            ModelSpec(
                name="plus",
                family="demo",
                factory=PlusOne,
                options=PlusOptions,
                version="1.5",
                config={"offset": 1.0},
                weights=weights,
            )
        )
        registry.add(ModelSpec(name="wrong-shape", family="demo", factory=WrongShape))
    return registry


@pytest.fixture
def registry():
    return _registry()


@pytest.fixture
def holed(gather):
    return pm.apply_trace_mask(gather, pm.regular_mask(gather, 3))


def _raising_scheduler(dsk, keys, **kwargs):
    raise AssertionError("something was computed")


def test_unknown_model(holed, registry):
    with pytest.raises(ModelNotFoundError, match=r"'pluss'.*Did you mean 'plus'\?"):
        reconstruct(holed, "pluss", registry=registry)


def test_unknown_option_lists_accepted_and_closest(holed, registry):
    with pytest.raises(
        ConfigError,
        match=r"model 'plus' does not accept the option 'patch_sise'; accepted options: "
        r"patch_size, return_uncertainty\.",
    ) as info:
        reconstruct(holed, "plus", registry=registry, patch_sise=32)
    assert "Did you mean 'patch_size'?" in str(info.value)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (2, r"model 'plus': got patch_size=2: .*patch_size must be an integer in \[4, 1024\]"),
        ("big", r"model 'plus': got patch_size='big': .*valid integer"),
        (4.5, r"got patch_size=4\.5: .*fractional part"),
    ],
)
def test_wrong_type_or_range_is_refused_before_the_model_runs(holed, registry, value, match):
    with pytest.raises(ConfigError, match=match):
        reconstruct(holed, "plus", registry=registry, patch_size=value)
    assert not registry.build("plus").seen


def test_model_receives_validated_options(holed, registry):
    reconstruct(holed, "plus", registry=registry, patch_size="32")
    (given,) = registry.build("plus").given
    assert given == PlusOptions(patch_size=32, return_uncertainty=False)


def test_config_key_passed_as_option_gets_a_hint(holed, registry):
    with pytest.raises(ConfigError, match=r"config=\{'offset': \.\.\.\}"):
        reconstruct(holed, "plus", registry=registry, offset=2.0)


def test_wrong_dims_are_invalid(holed, registry):
    with pytest.raises(InvalidDataError, match="last dim"):
        reconstruct(holed.transpose("time", "offset"), "plus", registry=registry)


def test_no_missing_traces_returns_input_with_warning(gather, registry):
    with pytest.warns(PromethiumWarning, match="no trace is missing"):
        out = reconstruct(gather, "plus", registry=registry)
    xr.testing.assert_identical(out.drop_vars("trace_filled"), gather)
    assert not out.trace_filled.values.any()


def test_all_missing_is_an_error(gather, registry):
    dead = pm.with_trace_mask(gather, np.zeros(gather.sizes["offset"], dtype=bool))
    with pytest.raises(InvalidDataError, match="all 48 traces are missing"):
        reconstruct(dead, "plus", registry=registry)


def test_nan_in_live_trace_is_an_error(holed, registry):
    bad = holed.copy(deep=True)
    bad[3, 10] = np.nan
    with pytest.raises(InvalidDataError, match=r"1 live trace\(s\) contain NaN.*offset=100\.0"):
        reconstruct(bad, "plus", registry=registry)


def test_nan_in_live_trace_is_an_error_at_compute_on_dask(holed, registry):
    bad = holed.copy(deep=True).drop_vars("trace_mask")
    bad[3, 10] = np.nan
    out = reconstruct(bad.chunk({"offset": 10}), "plus", registry=registry)  # lazy: no error
    with pytest.raises(InvalidDataError, match="live trace"):
        out.compute()


def test_all_nan_traces_are_missing_not_invalid(gather, registry):
    mask = pm.regular_mask(gather, 2)
    nan_holes = gather.where(mask)
    out = reconstruct(nan_holes, "plus", registry=registry)
    assert np.isfinite(out.values).all()
    np.testing.assert_array_equal(out["trace_mask"].values, mask.values)


def test_model_sees_clean_input(gather, registry):
    mask = pm.regular_mask(gather, 2)
    reconstruct(pm.with_trace_mask(gather.where(mask, -5.0), mask), "plus", registry=registry)
    seen = registry.build("plus").seen[-1]
    assert "trace_mask" in seen.coords
    assert np.isfinite(seen.values).all()
    assert (seen.values[~mask.values] == 0).all()


def test_keep_observed(holed, registry):
    out = reconstruct(holed, "plus", registry=registry)
    live = holed["trace_mask"].values
    np.testing.assert_array_equal(out.values[live], holed.values[live])
    np.testing.assert_array_equal(out.values[~live], 1.0)  # zeroed input + offset
    loose = reconstruct(holed, "plus", registry=registry, keep_observed=False)
    np.testing.assert_allclose(loose.values[live], holed.values[live] + 1.0)


def test_result_keeps_dims_coords_attrs_and_records_provenance(holed, tmp_path):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"weights")
    registry = _registry(weights)
    holed = holed.assign_attrs(survey="north")
    out = reconstruct(holed, "plus", registry=registry, config={"offset": 2.0}, patch_size=32)
    assert out.dims == holed.dims and out.name == holed.name and out.dtype == holed.dtype
    xr.testing.assert_identical(
        out.coords.to_dataset().drop_vars("trace_filled"), holed.coords.to_dataset()
    )
    np.testing.assert_array_equal(out.trace_filled.values, ~holed.trace_mask.values)
    assert out.attrs["survey"] == "north"
    record = json.loads(out.attrs[PROVENANCE_ATTR])
    assert record["model"] == "plus" and record["family"] == "demo"
    assert (record["plugin"], record["plugin_version"], record["model_version"]) == (
        "test-plugin",
        "9.9",
        "1.5",
    )
    assert record["weights_sha256"] == hashlib.sha256(b"weights").hexdigest()
    assert record["config"] == {"offset": 2.0}
    assert record["options"] == {"patch_size": 32, "return_uncertainty": False}
    assert (record["device"], record["precision"]) == (None, None)  # no device option
    assert (record["keep_observed"], record["extrapolate"], record["refill"]) == (
        True,
        False,
        False,
    )
    assert (record["kept_filled"], record["unfilled_absent"]) == (0, 0)
    assert "\n".join(history_steps(out)).endswith(
        "promethium: reconstruct(model='plus', config={'offset': 2.0}, patch_size=32)"
    )
    assert PROVENANCE_ATTR not in holed.attrs  # input untouched


def test_integers_become_float32(holed, registry):
    ints = (holed * 1000).astype(np.int32)
    with pytest.warns(PromethiumWarning, match="32 of 32 filled trace"):  # plus fills ~1
        out = reconstruct(ints, "plus", registry=registry)
    assert out.dtype == np.float32
    assert registry.build("plus").seen[-1].dtype == np.float32


def test_lazy_in_lazy_out_nothing_computed(holed, registry):
    expected = reconstruct(holed, "plus", registry=registry)
    chunked = holed.chunk({"offset": 16, "time": 64})
    with dask.config.set(scheduler=_raising_scheduler):
        out = reconstruct(chunked, "plus", registry=registry)
        inferred = reconstruct(chunked.drop_vars("trace_mask"), "plus", registry=registry)
    assert isinstance(out.data, dask.array.Array)
    assert isinstance(inferred.data, dask.array.Array)
    xr.testing.assert_identical(_untimed(out.compute()), _untimed(expected))
    np.testing.assert_array_equal(inferred.values, expected.values)


def test_reconstructor_is_built_once(holed, registry):
    before = PlusOne.built
    reconstruct(holed, "plus", registry=registry)
    reconstruct(holed, "plus", registry=registry, patch_size=8)
    assert PlusOne.built == before + 1


def test_uncertainty_returns_dataset(holed, registry):
    out = reconstruct(holed, "plus", registry=registry, return_uncertainty=True)
    assert isinstance(out, xr.Dataset) and set(out.data_vars) == {"mean", "std"}
    live = holed["trace_mask"].values
    assert (out["std"].values[live] == 0).all() and (out["std"].values[~live] == 1).all()
    np.testing.assert_array_equal(out["mean"].values[live], holed.values[live])
    assert PROVENANCE_ATTR in out.attrs
    assert out["mean"].attrs["aggregate"] == "mean"  # variable attrs stay on the variable


def test_misbehaving_model_is_a_plugin_error(holed, registry):
    with pytest.raises(PluginError, match=r"'wrong-shape'.*shape"):
        reconstruct(holed, "wrong-shape", registry=registry)


class Scale(Operator):
    def __init__(self, factor: float) -> None:
        self.factor = factor

    def transform(self, data: np.ndarray, context: BlockContext) -> np.ndarray:
        return data * self.factor


def test_reconstruct_operator_in_a_pipeline(holed, registry):
    step = Reconstruct("plus", registry=registry, patch_size=16)
    assert repr(step) == "Reconstruct(model='plus', patch_size=16)"
    pipe = Scale(2.0) | step
    out = pipe(holed.chunk({"offset": 16}))
    assert isinstance(out.data, dask.array.Array)
    live = holed["trace_mask"].values
    np.testing.assert_allclose(out.values[live], 2.0 * holed.values[live])
    np.testing.assert_array_equal(out.values[~live], 1.0)
    lines = history_steps(out)
    assert lines == [
        "promethium: Scale(factor=2.0)",
        "promethium: Reconstruct(model='plus', patch_size=16)",
    ]


def test_reconstruct_operator_rejects_uncertainty():
    with pytest.raises(ConfigError, match="return_uncertainty"):
        Reconstruct("plus", return_uncertainty=True)


def test_attrs_added_by_the_model_are_kept():
    da = pm.synthetic_gather(n_traces=16, n_samples=32)
    holed = pm.apply_trace_mask(da, pm.regular_mask(da, 2))
    with pytest.warns(pm.PromethiumWarning, match="ind"):
        out = pm.reconstruct(holed.drop_vars("offset"), model="linear")  # index fallback
    assert isinstance(out, xr.DataArray)
    assert "interpolation_coordinate" in out.attrs


def test_config_must_be_a_mapping():
    da = pm.synthetic_gather(n_traces=8, n_samples=16)
    holed = pm.apply_trace_mask(da, pm.regular_mask(da, 2))
    with pytest.raises(ConfigError, match="must be a mapping"):
        pm.reconstruct(holed, model="pocs", config=[1])


def test_provenance_records_the_resolved_device_and_precision(holed):
    pytest.importorskip("torch")
    from promethium.ml import TorchModel
    from promethium.ml.options import TorchOptions
    from promethium.ml.testing import CopyChannel

    registry = Registry()
    build = lambda: TorchModel(CopyChannel, {})  # noqa: E731
    registry.add(ModelSpec(name="copy", family="demo", factory=build, options=TorchOptions))
    out = reconstruct(holed, "copy", registry=registry, patch_size=16, device="auto")
    record = json.loads(out.attrs[PROVENANCE_ATTR])
    assert record["options"]["device"] == "auto"
    expected = "cuda" if __import__("torch").cuda.is_available() else "cpu"
    assert record["device"] == expected
    assert record["precision"] == ("float16" if expected == "cuda" else "float32")


def test_provenance_is_strict_json_with_null_for_a_non_finite_score():
    # Identical traces: linear restores the hidden ones exactly, an infinite SNR.
    import warnings

    da = pm.synthetic_gather(n_traces=16, n_samples=32, seed=1)
    flat = da.copy(data=np.broadcast_to(da.values[:1], da.shape).copy())
    holed = pm.apply_trace_mask(flat, pm.random_mask(flat, 0.25, seed=2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pm.PromethiumWarning)
        out = pm.reconstruct(holed, "auto", candidates=["linear", "pocs"])

    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    record = json.loads(out.attrs[PROVENANCE_ATTR], parse_constant=refuse)
    scores = record["auto"]["scores"]["linear"]
    assert scores["snr_db"] is None and scores["mse"] == 0.0  # null: not finite (+inf)
    from promethium.models.auto import describe_choice

    assert "linear not finite" in describe_choice(record["auto"])
