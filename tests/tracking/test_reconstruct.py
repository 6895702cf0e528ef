"""``pm.reconstruct(da, model="models:/name/1")``: a registered network, rebuilt."""

from __future__ import annotations

import numpy as np
import pytest

import promethium as pm
from promethium.errors import ModelNotFoundError
from promethium.tracking import resolve_model_uri
from promethium.tracking.resolve import clear_model_cache

from .conftest import CONFIG


@pytest.fixture
def holed():
    gather = pm.synthetic_gather(n_traces=16, n_samples=32, seed=1)
    live = np.ones(16, bool)
    live[[3, 8, 9]] = False
    return pm.apply_trace_mask(gather, live), live


@pytest.mark.filterwarnings("ignore:.*filled trace.*less than:UserWarning")
@pytest.mark.parametrize("uri", ["models:/unet-test/1", "models:/unet-test@candidate"])
def test_registry_uri_runs_the_registered_network(logged, holed, uri, monkeypatch, tmp_path):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", logged.uri)
    da, live = holed
    out = pm.reconstruct(da, model=uri, patch_size=16, device="cpu")
    local = resolve_model_uri(uri, dst=tmp_path)
    config = {**CONFIG["model"]["params"], "weights": str(local.weights)}
    want = pm.reconstruct(da, model="unet", config=config, patch_size=16, device="cpu")
    np.testing.assert_array_equal(out.values, want.values)
    np.testing.assert_array_equal(out.values[live], da.values[live])
    assert np.abs(out.values[~live]).sum() > 0
    clear_model_cache()


def test_unknown_registry_uri_is_model_not_found(logged, holed, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", logged.uri)
    with pytest.raises(ModelNotFoundError, match="'models:/unet-test/9' is not in the model"):
        pm.reconstruct(holed[0], model="models:/unet-test/9")


@pytest.mark.filterwarnings("ignore:.*filled trace.*less than:UserWarning")
def test_cli_reconstructs_with_a_registered_model(logged, holed, monkeypatch, tmp_path):
    from promethium.cli import main

    monkeypatch.setenv("MLFLOW_TRACKING_URI", logged.uri)
    da = holed[0]
    source, target = tmp_path / "line.sgy", tmp_path / "filled.sgy"
    pm.to_segy(da, source)
    argv = ["reconstruct", str(source), str(target), "-m", "models:/unet-test@candidate"]
    assert main([*argv, "--patch-size", "16,16", "--device", "cpu"]) == 0
    out = pm.open_segy(target)
    want = pm.reconstruct(pm.open_segy(source), model="models:/unet-test/1", patch_size=16,
                          device="cpu")  # fmt: skip
    np.testing.assert_allclose(out.values, want.values, rtol=1e-6, atol=1e-6)
    assert main([*argv[:3], "-m", "models:/unet-test/9"]) != 0
