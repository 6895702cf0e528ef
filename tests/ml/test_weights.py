"""Safetensors weights with a JSON sidecar: round trip, hashes, refusal to unpickle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from promethium.errors import ConfigError, PluginError
from promethium.ml.testing import DropoutNet
from promethium.ml.weights import (
    load_weights,
    read_sidecar,
    save_weights,
    sha256_file,
    sidecar_path,
    weights_sha256,
)


@pytest.fixture
def net() -> DropoutNet:
    torch.manual_seed(1)
    return DropoutNet(hidden=4)


def test_round_trip_with_sidecar(tmp_path: Path, net: DropoutNet) -> None:
    path = save_weights(
        net,
        tmp_path / "sub" / "net.safetensors",
        config={"hidden": 4},
        metadata={"training": {"epochs": 3}, "metrics": {"snr_db": 12.5}},
    )
    info = json.loads(sidecar_path(path).read_text())
    assert info["architecture"] == "promethium.ml.testing:DropoutNet"
    assert info["config"] == {"hidden": 4}
    assert info["sha256"] == sha256_file(path) == weights_sha256(path)
    assert info["metadata"]["metrics"]["snr_db"] == 12.5
    assert info["promethium_version"] and info["torch_version"] == torch.__version__
    state, loaded_info = load_weights(path)
    assert loaded_info == info == read_sidecar(path)
    for key, value in net.state_dict().items():
        torch.testing.assert_close(state[key], value)
    state_json, _ = load_weights(sidecar_path(path))  # the sidecar names its file
    assert state_json.keys() == state.keys()
    assert sorted(p.name for p in path.parent.iterdir()) == ["net.json", "net.safetensors"]


def test_sha_mismatch_is_refused(tmp_path: Path, net: DropoutNet) -> None:
    path = save_weights(net, tmp_path / "net.safetensors", config={})
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(PluginError, match=r"sha256 .* but its sidecar .* records"):
        load_weights(path)


def test_missing_sidecar_is_refused(tmp_path: Path, net: DropoutNet) -> None:
    path = save_weights(net, tmp_path / "net.safetensors", config={})
    sidecar_path(path).unlink()
    with pytest.raises(PluginError, match="no JSON sidecar"):
        load_weights(path)
    sidecar_path(path).write_text('{"format": "other"}')
    with pytest.raises(PluginError, match="not a Promethium weights sidecar"):
        load_weights(path)


def test_unserializable_config_writes_nothing(tmp_path: Path, net: DropoutNet) -> None:
    with pytest.raises(ConfigError, match="JSON-serializable"):
        save_weights(net, tmp_path / "net.safetensors", config={"path": object()})
    assert list(tmp_path.iterdir()) == []


def test_bad_paths(tmp_path: Path, net: DropoutNet) -> None:
    with pytest.raises(ConfigError, match=r"must end in .\.safetensors."):
        save_weights(net, tmp_path / "net.bin", config={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_weights(tmp_path / "absent.safetensors")
    (tmp_path / "net.bin").write_bytes(b"x")
    with pytest.raises(ConfigError, match=r"must be .\.safetensors."):
        load_weights(tmp_path / "net.bin")


@pytest.mark.parametrize("wrap", [None, "state_dict", "model_state_dict"])
def test_plain_checkpoint_reads_with_weights_only(
    tmp_path: Path, net: DropoutNet, wrap: str | None
) -> None:
    path = tmp_path / "net.pt"
    obj = net.state_dict() if wrap is None else {wrap: net.state_dict(), "epoch": 3}
    torch.save(obj, path)
    state, info = load_weights(path)
    assert info == {}
    assert weights_sha256(path) == sha256_file(path)
    torch.testing.assert_close(state["net.0.weight"], net.state_dict()["net.0.weight"])


class Payload:
    """Not a tensor: unpickling it would run arbitrary code paths."""


def test_pickled_objects_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.pt"
    torch.save({"weight": Payload()}, path)
    with pytest.raises(PluginError, match="weights_only=True"):
        load_weights(path)
    torch.save({"weight": [1, 2]}, path)
    with pytest.raises(PluginError, match="does not hold a state dict"):
        load_weights(path)
