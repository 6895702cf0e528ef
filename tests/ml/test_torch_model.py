"""TorchModel: identity network, ensembles, devices, weights, caching, laziness."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import dask.array as dska
import numpy as np
import pytest
import torch
import xarray as xr

import promethium as pm
from promethium.errors import ConfigError, PluginError
from promethium.ml import TorchModel, clear_model_cache, model_cache_size, save_weights
from promethium.ml.options import TorchOptions
from promethium.ml.testing import CopyChannel, DropoutNet, MemoryBound
from promethium.plugin import Reconstructor, assert_options_schema

PATCH = {"patch_size": 16, "batch_size": 4}


@pytest.fixture(scope="module")
def da() -> xr.DataArray:
    g = pm.synthetic_gather(n_traces=40, n_samples=48, seed=2)
    return pm.apply_trace_mask(g, pm.random_mask(g, 0.3, seed=1))


def scaled_copy(tmp_path: Path, factor: float, in_channels: int = 2) -> Path:
    net = CopyChannel(in_channels)
    with torch.no_grad():
        net.conv.weight *= factor
    return save_weights(net, tmp_path / f"copy{factor}.safetensors", config={})


def test_is_a_reconstructor_with_documented_options() -> None:
    model = TorchModel(CopyChannel, {})
    assert isinstance(model, Reconstructor)
    assert_options_schema(TorchOptions)
    assert TorchOptions().model_dump() == {
        "patch_size": (256, 256),
        "overlap": 0.5,
        "batch_size": 8,
        "device": "auto",
        "precision": "auto",
        "ensemble_size": None,
        "dropout_inference": False,
        "aggregate": "mean",
        "return_uncertainty": False,
        "seed": 0,
    }


@pytest.mark.parametrize("in_channels", [2, 1])
def test_identity_network_reproduces_input(da: xr.DataArray, in_channels: int) -> None:
    model = TorchModel(CopyChannel, {"in_channels": in_channels}, in_channels=in_channels)
    out = model.reconstruct(da, TorchOptions(**PATCH))
    np.testing.assert_allclose(out.values, da.values, atol=1e-5)
    xr.testing.assert_identical(out.coords.to_dataset(), da.coords.to_dataset())
    lazy = model.reconstruct(da.chunk({"offset": 15}), TorchOptions(**PATCH))
    assert isinstance(lazy.data, dska.Array)
    np.testing.assert_allclose(lazy.values, out.values, atol=1e-6)


def test_mc_dropout_uncertainty_is_seeded_and_chunk_independent(da: xr.DataArray) -> None:
    model = TorchModel(DropoutNet, {"p": 0.3})
    opts = dict(PATCH, ensemble_size=4, dropout_inference=True, return_uncertainty=True)
    ds = model.reconstruct(da, TorchOptions(**opts))
    assert isinstance(ds, xr.Dataset) and set(ds.data_vars) == {"mean", "std"}
    missing = ~da.trace_mask.values
    assert float(ds["std"].values[missing].mean()) > 0
    again = model.reconstruct(da, TorchOptions(**opts))
    xr.testing.assert_equal(ds, again)
    other = model.reconstruct(da, TorchOptions(**dict(opts, seed=1)))
    assert not np.allclose(other["std"].values, ds["std"].values)
    lazy = model.reconstruct(da.chunk({"offset": 11, "time": 30}), TorchOptions(**opts))
    assert isinstance(lazy["mean"].data, dska.Array) and isinstance(lazy["std"].data, dska.Array)
    np.testing.assert_allclose(lazy["mean"].values, ds["mean"].values, atol=1e-5)
    np.testing.assert_allclose(lazy["std"].values, ds["std"].values, atol=1e-5)
    plain = model.reconstruct(
        da, TorchOptions(**PATCH)
    )  # dropout off: a different, deterministic output
    assert not np.allclose(plain.values, ds["mean"].values)


def test_weight_set_ensemble_mean_median_std(da: xr.DataArray, tmp_path: Path) -> None:
    paths = [scaled_copy(tmp_path, f) for f in (1.0, 2.0, 10.0)]
    model = TorchModel(CopyChannel, {}, weights=paths)
    live = da.trace_mask.values
    mean = model.reconstruct(da, TorchOptions(**PATCH))
    np.testing.assert_allclose(mean.values[live], 13 / 3 * da.values[live], rtol=1e-4, atol=1e-5)
    ds = model.reconstruct(da, TorchOptions(aggregate="median", return_uncertainty=True, **PATCH))
    assert ds["mean"].attrs["aggregate"] == "median"
    np.testing.assert_allclose(ds["mean"].values[live], 2 * da.values[live], rtol=1e-4, atol=1e-5)
    std = np.std([1.0, 2.0, 10.0])
    np.testing.assert_allclose(
        ds["std"].values[live], std * np.abs(da.values[live]), rtol=1e-4, atol=1e-5
    )


def test_ensemble_size_needs_dropout_or_weight_sets(da: xr.DataArray) -> None:
    with pytest.raises(ConfigError, match="ensemble_size=3 needs dropout_inference=True"):
        TorchModel(CopyChannel, {}).reconstruct(da, TorchOptions(ensemble_size=3, **PATCH))
    with pytest.raises(ConfigError, match="has none"):
        TorchModel(CopyChannel, {}).reconstruct(
            da, TorchOptions(ensemble_size=2, dropout_inference=True, **PATCH)
        )


def dropout_weights(tmp_path: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        torch.manual_seed(i)
        paths.append(save_weights(DropoutNet(p=0.3), tmp_path / f"d{i}.safetensors", config={}))
    return paths


def test_ensemble_size_counts_all_members_over_weight_sets(
    da: xr.DataArray, tmp_path: Path
) -> None:
    """ensemble_size is the total: weight sets times MC-dropout passes, never more."""
    two = TorchModel(DropoutNet, {"p": 0.3}, weights=dropout_weights(tmp_path, 2))
    assert (two.predictor().members, two.predictor().mc_passes) == (2, 0)  # unset: one per set
    mc = two.predictor(TorchOptions(ensemble_size=4, dropout_inference=True))
    assert (mc.members, mc.mc_passes) == (4, 2)
    one_pass = two.predictor(TorchOptions(ensemble_size=2, dropout_inference=True))
    assert (one_pass.members, one_pass.mc_passes) == (2, 1)
    batch = np.random.default_rng(0).standard_normal((3, 2, 8, 8)).astype(np.float32)
    calls: list[int] = []
    hook = torch.nn.Module.register_forward_hook  # count whole-network forward passes
    handles = [hook(mc.module(i), lambda *_: calls.append(1)) for i in range(len(mc.weights))]
    try:
        mc(batch)
    finally:
        for h in handles:
            h.remove()
    assert len(calls) == 4
    single = TorchModel(DropoutNet, {"p": 0.3}).predictor(
        TorchOptions(ensemble_size=5, dropout_inference=True)
    )
    assert (single.members, single.mc_passes) == (5, 5)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"ensemble_size": 1}, r"ensemble_size=1 does not fit the 2 weight sets"),
        ({"ensemble_size": 3, "dropout_inference": True}, "use a multiple of 2"),
        ({"ensemble_size": 4}, "ensemble_size=4 needs dropout_inference=True"),
    ],
)
def test_ensemble_size_that_does_not_fit_the_weight_sets_is_refused(
    da: xr.DataArray, tmp_path: Path, options: dict, match: str
) -> None:
    model = TorchModel(DropoutNet, {"p": 0.3}, weights=dropout_weights(tmp_path, 2))
    with pytest.raises(ConfigError, match=match):
        model.reconstruct(da, TorchOptions(**options, **PATCH))


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"device": "tpu"}, r"got device='tpu': .*device must be 'auto', 'cpu', 'cuda' or"),
        ({"device": "cuda:x"}, r"got device='cuda:x'"),
        ({"precision": "float64"}, "precision must be one of 'auto', 'float32'"),
        ({"aggregate": "max"}, "aggregate must be one of 'mean', 'median'"),
        ({"ensemble_size": 0}, r"ensemble_size must be an integer >= 1 or None"),
        ({"return_uncertainty": "maybe"}, "return_uncertainty must be True or False"),
        ({"patch_sz": 8}, r"does not accept the option 'patch_sz'.*Did you mean 'patch_size'"),
        ({"overlap": 1.0}, r"overlap must be a number in \[0\.0, 1\.0\)"),
        ({"seed": -1}, r"seed must be an integer >= 0"),
    ],
)
def test_bad_options_are_config_errors(options: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        TorchOptions.parse(options, owner="model 'torch'")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA error")
def test_cuda_without_cuda_is_a_config_error(da: xr.DataArray) -> None:
    with pytest.raises(ConfigError, match="CUDA is not available"):
        TorchModel(CopyChannel, {}).reconstruct(da, TorchOptions(device="cuda"))


def test_network_must_be_importable_by_name() -> None:
    class Local(torch.nn.Module):
        pass

    with pytest.raises(ConfigError, match="top-level class or function"):
        TorchModel(Local, {})
    with pytest.raises(ConfigError, match="top-level class or function"):
        TorchModel(lambda: CopyChannel(), {})
    with pytest.raises(ConfigError, match="JSON-serializable"):
        TorchModel(CopyChannel, {"x": object()})
    with pytest.raises(ConfigError, match="in_channels must be 1 or 2"):
        TorchModel(CopyChannel, {}, in_channels=3)


def test_predictor_is_a_small_reference(tmp_path: Path) -> None:
    model = TorchModel(CopyChannel, {}, weights=scaled_copy(tmp_path, 2.0))
    predictor = model.predictor(TorchOptions(device="cpu"))
    blob = pickle.dumps(predictor)
    assert len(blob) < 2000 and b"torch.nn" not in blob and b"Tensor" not in blob
    assert pickle.loads(blob) == predictor


def test_model_is_built_once_per_process(da: xr.DataArray) -> None:
    clear_model_cache()
    model = TorchModel(CopyChannel, {})
    model.reconstruct(da, TorchOptions(**PATCH))
    model.reconstruct(da.chunk({"offset": 20}), TorchOptions(**PATCH)).compute()
    assert model_cache_size() == 1
    clear_model_cache()
    assert model_cache_size() == 0


def test_mismatched_weights_fail_at_call_not_compute(da: xr.DataArray, tmp_path: Path) -> None:
    path = save_weights(DropoutNet(), tmp_path / "drop.safetensors", config={})
    model = TorchModel(CopyChannel, {}, weights=path)
    with pytest.raises(PluginError, match="do not fit network"):
        model.reconstruct(da.chunk({"offset": 20}), TorchOptions(**PATCH))


def test_missing_weights_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        TorchModel(CopyChannel, {}, weights=tmp_path / "nope.safetensors")


def test_bfloat16_on_cpu_is_close_to_float32(da: xr.DataArray) -> None:
    model = TorchModel(DropoutNet, {})
    ref = model.reconstruct(da, TorchOptions(precision="float32", **PATCH))
    low = model.reconstruct(da, TorchOptions(precision="bfloat16", **PATCH))
    scale = float(np.abs(ref.values).max())
    np.testing.assert_allclose(low.values, ref.values, atol=0.05 * scale)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_float16_matches_cpu(da: xr.DataArray) -> None:
    model = TorchModel(DropoutNet, {})
    ref = model.reconstruct(da, TorchOptions(device="cpu", **PATCH))
    out = model.reconstruct(da, TorchOptions(device="cuda", precision="float16", **PATCH))
    scale = float(np.abs(ref.values).max())
    np.testing.assert_allclose(out.values, ref.values, atol=0.02 * scale)


def test_clear_plugin_cache_also_drops_built_models(da: xr.DataArray) -> None:
    from promethium.plugins import clear_plugin_cache

    TorchModel(CopyChannel, {}).reconstruct(da, TorchOptions(**PATCH))
    assert model_cache_size() > 0
    clear_plugin_cache()
    assert model_cache_size() == 0


def test_out_of_memory_halves_the_batch_and_gives_the_same_result() -> None:
    da = pm.synthetic_gather(n_traces=24, n_samples=48, seed=3)
    holed = pm.apply_trace_mask(da, pm.random_mask(da, 0.3, seed=0))
    options = {"patch_size": 16, "batch_size": 8}
    expected = TorchModel(CopyChannel, {}).reconstruct(holed, TorchOptions(**options))
    with pytest.warns(pm.PromethiumWarning, match="ran out of memory on a batch of 8"):
        out = TorchModel(MemoryBound, {"max_batch": 2}).reconstruct(holed, TorchOptions(**options))
    np.testing.assert_allclose(out.values, expected.values, rtol=1e-6, atol=1e-7)


def test_a_patch_that_never_fits_is_a_config_error() -> None:
    da = pm.synthetic_gather(n_traces=16, n_samples=32)
    holed = pm.apply_trace_mask(da, pm.regular_mask(da, 2))
    with pytest.raises(ConfigError, match="smaller patch_size"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pm.PromethiumWarning)
            TorchModel(MemoryBound, {"max_batch": 0}).reconstruct(
                holed, TorchOptions(patch_size=16)
            )


def test_uncertainty_of_one_member_warns(da: xr.DataArray) -> None:
    model = TorchModel(CopyChannel, {})
    with pytest.warns(pm.PromethiumWarning, match="uncertainty of one member is zero") as rec:
        ds = model.reconstruct(da, TorchOptions(return_uncertainty=True, **PATCH))
    message = str(rec[0].message)
    assert "ensemble_size" in message and "dropout_inference=True" in message
    assert "several weight sets" in message
    assert float(np.abs(ds["std"]).max()) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", pm.PromethiumWarning)
        TorchModel(DropoutNet, {}).reconstruct(
            da,
            TorchOptions(return_uncertainty=True, ensemble_size=2, dropout_inference=True, **PATCH),
        )


def test_out_of_memory_split_keeps_mc_dropout_masks() -> None:
    from promethium.ml.testing import MemoryBoundDropout

    da = pm.synthetic_gather(n_traces=24, n_samples=48, seed=4)
    holed = pm.apply_trace_mask(da, pm.random_mask(da, 0.3, seed=1))
    options = {
        "patch_size": 16, "batch_size": 8, "ensemble_size": 3,
        "dropout_inference": True, "return_uncertainty": True,
    }  # fmt: skip
    expected = TorchModel(DropoutNet, {}).reconstruct(holed, TorchOptions(**options))
    with pytest.warns(pm.PromethiumWarning, match="ran out of memory"):
        out = TorchModel(MemoryBoundDropout, {"max_batch": 2}).reconstruct(
            holed, TorchOptions(**options)
        )
    np.testing.assert_allclose(out["mean"].values, expected["mean"].values, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["std"].values, expected["std"].values, rtol=1e-5, atol=1e-6)
    assert float(out["std"].max()) > 0
