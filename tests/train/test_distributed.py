"""Two CPU processes under torchrun train as one: identical weights on every rank."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from safetensors.torch import load_file

from .conftest import tiny_raw

WORKER = Path(__file__).with_name("ddp_worker.py")


def _torchrun(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # The worker script's folder comes first on sys.path: import this checkout's package.
    path = os.pathsep.join(filter(None, [str(cwd), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": path}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    return subprocess.run(
        [*command, "--nproc_per_node=2", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=cwd,
        env=env,
    )


def test_two_processes_hold_identical_weights_after_training(tmp_path):
    raw = tiny_raw(tmp_path, epochs=2)
    raw["model"]["params"]["dropout"] = 0.3  # ranks draw different dropout masks
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(raw))
    root = Path(__file__).parents[2]
    done = _torchrun(str(WORKER), str(config), str(tmp_path), cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    a = load_file(str(tmp_path / "rank0.safetensors"))
    b = load_file(str(tmp_path / "rank1.safetensors"))
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key].numpy(), b[key].numpy(), err_msg=key)
    summary = (tmp_path / "summary.txt").read_text()
    # 4 training patches, 2 processes, batches of 2: one step per epoch and process
    assert "trained 2 epoch(s), 2 steps on cpu x2" in summary
    # only rank 0 wrote: one set of weights and checkpoints
    assert sorted(p.name for p in (tmp_path / "run" / "weights").iterdir()) == [
        "best.json",
        "best.safetensors",
        "last.json",
        "last.safetensors",
    ]


@pytest.mark.slow
def test_python_dash_m_under_torchrun(tmp_path):
    raw = tiny_raw(tmp_path, epochs=1)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(raw))
    root = Path(__file__).parents[2]
    done = _torchrun("-m", "promethium.train", "--config", str(config), "-q", cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("best epoch 1") == 1  # rank 0 alone prints the summary
