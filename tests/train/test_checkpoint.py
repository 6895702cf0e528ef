"""Checkpoints are written through promethium.io.atomic: a failed save changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from promethium.io import atomic
from promethium.train.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


class _Unserialisable:
    """A state value whose JSON encoding fails mid-save."""


def test_a_save_that_fails_mid_write_leaves_the_old_checkpoint_and_no_temp(tmp_path):
    torch = pytest.importorskip("torch")
    folder = save_checkpoint(tmp_path, 4, {"w": torch.ones(2)}, {"progress": {"epoch": 1}})
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(TypeError):
        save_checkpoint(tmp_path, 4, {"w": torch.zeros(2)}, {"progress": _Unserialisable()})
    assert sorted(os.listdir(tmp_path)) == before == ["latest", "step-00000004"]
    tensors, state = load_checkpoint(folder)
    assert state["progress"] == {"epoch": 1} and torch.equal(tensors["w"], torch.ones(2))
    assert latest_checkpoint(tmp_path) == folder


def test_the_temp_folder_of_a_killed_save_is_removed_by_the_next_save(tmp_path):
    torch = pytest.importorskip("torch")
    final = tmp_path / "step-00000002"
    stale = tmp_path / f"{atomic.temp_prefix(final)}{atomic._host()}.{_dead_pid()}.0.abc"
    stale.mkdir(parents=True)
    (stale / "state.safetensors").write_bytes(b"torn")
    save_checkpoint(tmp_path, 2, {"w": torch.ones(2)}, {})
    assert sorted(os.listdir(tmp_path)) == ["latest", "step-00000002"]
    assert (tmp_path / "latest").read_text() == "step-00000002\n"
