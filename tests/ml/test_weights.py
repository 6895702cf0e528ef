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


def test_weights_sha256_is_the_files_own_hash_not_the_sidecars(
    tmp_path: Path, net: DropoutNet
) -> None:
    """Provenance records the bytes actually there, even if the sidecar disagrees."""
    import hashlib

    path = save_weights(net, tmp_path / "net.safetensors", config={})
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))  # same size, possibly the same mtime
    actual = hashlib.sha256(bytes(data)).hexdigest()
    assert read_sidecar(path)["sha256"] != actual
    assert weights_sha256(path) == actual == weights_sha256(sidecar_path(path))
    with pytest.raises(PluginError, match="records"):  # loading still verifies, uncached
        load_weights(path)
    with pytest.raises(ConfigError, match="does not exist"):
        weights_sha256(tmp_path / "absent.safetensors")


def test_sha256_file_cache_sees_a_replaced_file(tmp_path: Path) -> None:
    import hashlib
    import os

    path = tmp_path / "w.bin"
    path.write_bytes(b"one")
    assert sha256_file(path) == hashlib.sha256(b"one").hexdigest()
    other = tmp_path / "w.tmp"
    other.write_bytes(b"two")
    os.replace(other, path)  # an atomic replace: same size, new inode
    assert sha256_file(path) == hashlib.sha256(b"two").hexdigest()


def test_reconstruct_uses_the_one_weights_hash() -> None:
    import promethium.reconstruct as rec

    assert not hasattr(rec, "weights_sha256") and not hasattr(rec, "_file_sha256")


@pytest.mark.parametrize(
    "name", ["../net.safetensors", "/tmp/net.safetensors", "sub/net.safetensors", ".."]
)
def test_a_sidecar_may_only_name_a_file_beside_it(
    tmp_path: Path, net: DropoutNet, name: str
) -> None:
    path = save_weights(net, tmp_path / "inner" / "net.safetensors", config={})
    (tmp_path / "net.safetensors").write_bytes(path.read_bytes())  # a tempting target
    side = sidecar_path(path)
    info = json.loads(side.read_text())
    side.write_text(json.dumps({**info, "file": name}))
    with pytest.raises(PluginError, match="not a plain file name in the sidecar's folder"):
        load_weights(side)
    with pytest.raises(PluginError, match="may only name a file beside it"):
        weights_sha256(side)


@pytest.mark.parametrize("damage", ["truncate", "garble"])
def test_a_corrupt_safetensors_file_is_a_plugin_error(
    tmp_path: Path, net: DropoutNet, damage: str
) -> None:
    path = save_weights(net, tmp_path / "net.safetensors", config={})
    data = path.read_bytes()
    bad = data[: len(data) // 3] if damage == "truncate" else b"\xff" * 16 + data[16:]
    path.write_bytes(bad)
    side = sidecar_path(path)  # a sidecar that matches the damaged bytes
    side.write_text(json.dumps({**json.loads(side.read_text()), "sha256": sha256_file(path)}))
    with pytest.raises(PluginError, match="not a readable safetensors file"):
        load_weights(path)


def test_the_hash_recorded_at_build_is_the_one_checked_at_load(
    tmp_path: Path, net: DropoutNet
) -> None:
    path = save_weights(net, tmp_path / "net.safetensors", config={})
    built = weights_sha256(path)
    load_weights(path, expected_sha256=built)
    torch.manual_seed(7)
    save_weights(DropoutNet(hidden=4), path, config={})  # replaced, with its own sidecar
    load_weights(path)  # consistent with its sidecar...
    with pytest.raises(PluginError, match="but the model was built with"):
        load_weights(path, expected_sha256=built)  # ...but not what the model recorded


def test_a_torch_model_refuses_weights_replaced_after_it_was_built(tmp_path: Path) -> None:
    import promethium as pm
    from promethium.ml import TorchModel, clear_model_cache
    from promethium.ml.options import TorchOptions
    from promethium.ml.testing import CopyChannel

    path = save_weights(CopyChannel(2), tmp_path / "copy.safetensors", config={})
    model = TorchModel(CopyChannel, {}, weights=path)
    replacement = CopyChannel(2)
    with torch.no_grad():
        replacement.conv.weight *= 2.0
    save_weights(replacement, path, config={})
    clear_model_cache()
    da = pm.synthetic_gather(n_traces=8, n_samples=16)
    holed = pm.apply_trace_mask(da, pm.regular_mask(da, 2))
    with pytest.raises(PluginError, match="the file was replaced since"):
        model.reconstruct(holed, TorchOptions(patch_size=8))


def test_saves_go_through_atomic_staging(
    tmp_path: Path, net: DropoutNet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A killed writer's leftovers are swept; a torn sidecar update keeps the old one."""
    import subprocess
    import sys

    from promethium.io import atomic
    from promethium.train.export import update_sidecar

    path = tmp_path / "net.safetensors"
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    stale = tmp_path / f"{atomic.temp_prefix(path)}{atomic._host()}.{proc.pid}.0.abc"
    stale.write_bytes(b"torn")
    save_weights(net, path, config={"hidden": 4})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json", "net.safetensors"]
    before = sidecar_path(path).read_text()
    real = Path.write_text

    def torn(self: Path, data: str, *args: object, **kwargs: object) -> int:
        real(self, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", torn)
    with pytest.raises(OSError, match="No space left"):
        update_sidecar(path, {"metrics": {"snr_db": 1.0}})
    monkeypatch.undo()
    assert sidecar_path(path).read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json", "net.safetensors"]
