from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch

from promethium.errors import ConfigError, ModelNotFoundError, PluginError
from promethium.ml.weights import load_weights
from promethium.tracking import Tracker, TrackingConfig, parse_model_uri, resolve_model_uri

from .conftest import CONFIG, tiny_unet


@pytest.mark.parametrize("uri", ["models:/unet-test/1", "models:/unet-test@candidate"])
def test_registered_weights_rebuild_the_network(logged, uri, tmp_path):
    from promethium.models.networks.unet import UNet

    found = resolve_model_uri(uri, tracking_uri=logged.uri, dst=tmp_path)
    assert (found.architecture, found.name, found.version) == ("unet", "unet-test", 1)
    assert found.config == CONFIG["model"]["params"]
    assert found.sha256 == logged.model.weights_sha256
    assert found.weights.is_relative_to(tmp_path)
    state, _ = load_weights(found.weights)
    net = UNet(**found.config)
    net.load_state_dict(state)
    for name, tensor in logged.network.state_dict().items():
        assert torch.equal(net.state_dict()[name], tensor), name


def test_tracking_uri_comes_from_the_environment(logged, monkeypatch, tmp_path):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", logged.uri)
    assert resolve_model_uri("models:/unet-test/1", dst=tmp_path).version == 1


@pytest.mark.parametrize(
    "uri", ["models:/unet-test/2", "models:/unet-test@champion", "models:/nothing/1"]
)
def test_unknown_versions_are_not_found(logged, uri, tmp_path):
    with pytest.raises(ModelNotFoundError, match="is not in the model registry"):
        resolve_model_uri(uri, tracking_uri=logged.uri, dst=tmp_path)


@pytest.mark.parametrize(
    "uri", ["models:/unet-test", "models:/unet-test/Production", "models:/a/b/1", "unet"]
)
def test_malformed_uris_are_config_errors(uri):
    with pytest.raises(ConfigError, match="is not 'models:/<name>/<version>'"):
        parse_model_uri(uri)


def test_corrupt_weights_are_a_plugin_error(store, tmp_path):
    from mlflow import MlflowClient

    settings = TrackingConfig(tracking_uri=store, experiment="tests", register_as="corrupt")
    with Tracker(settings) as tracker:
        tracker.start(CONFIG)
        logged = tracker.log_model(
            tiny_unet(1), architecture="unet", config=CONFIG["model"]["params"]
        )
    run = MlflowClient(store).get_run(tracker.run_id)
    stored = (
        Path(run.info.artifact_uri.removeprefix("file://")) / "model/artifacts/model.safetensors"
    )
    data = bytearray(stored.read_bytes())
    data[-1] ^= 0xFF
    stored.write_bytes(bytes(data))
    with pytest.raises(PluginError, match=r"sha256 .* but their sidecar records"):
        resolve_model_uri(logged.registry_uri, tracking_uri=store, dst=tmp_path)


def test_unreachable_store_is_a_config_error_quickly(tmp_path):
    start = time.monotonic()
    with pytest.raises(ConfigError, match=r"'http://127\.0\.0\.1:9' cannot be reached"):
        resolve_model_uri("models:/x/1", tracking_uri="http://127.0.0.1:9", dst=tmp_path)
    assert time.monotonic() - start < 30
