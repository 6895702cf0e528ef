"""Fault tests on a real LocalCluster: a killed worker, a killed driver, device OOM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

import promethium as pm
from promethium.distributed.manifest import MANIFEST_DIR
from tests.distributed import batch_models
from tests.distributed.batch_models import write_survey

ROOT = Path(__file__).parents[2]
MODEL = {"model": "meantrace", "chunks": {"shot": 1}, "patch_size": 16}


def run(paths, out, client, **options):
    # Not calibrated: the faults are injected in the tasks, and calibrating would run one
    # chunk here, in the test process.
    return pm.batch_reconstruct(paths, out, client=client, registry=batch_models.registry(),
                                calibrate=False, **MODEL, **options)  # fmt: skip


def assert_same_outputs(out, clean, names):
    for name in names:
        a, b = pm.open_zarr(out / f"{name}.zarr"), pm.open_zarr(clean / f"{name}.zarr")
        np.testing.assert_array_equal(a.values, b.values)
        np.testing.assert_array_equal(a["trace_filled"], b["trace_filled"])
        assert (out / f"{name}.sgy").read_bytes() == (clean / f"{name}.sgy").read_bytes()


def test_worker_killed_part_way_batch_completes_identical(client, surveys, tmp_path):
    clean = tmp_path / "clean"
    run(surveys, clean, client)
    marker = tmp_path / "killed-once"
    before = set(client.scheduler_info()["workers"])
    out = tmp_path / "out"
    result = run(surveys, out, client, kill_marker=str(marker), driver_pid=os.getpid())
    assert marker.exists()  # a task killed its own worker process...
    assert set(client.scheduler_info()["workers"]) != before  # ...and its nanny restarted it
    assert [r.status for r in result.inputs] == ["written", "written"]
    assert_same_outputs(out, clean, ["line0", "line1"])


DRIVER = """
import os, signal, sys
import promethium as pm
from tests.distributed import batch_models

def progress(state):
    if state.chunks_computed >= 2:  # part way: the driver dies at once, cluster and all
        os.kill(os.getpid(), signal.SIGKILL)

pm.batch_reconstruct(
    [sys.argv[1]], sys.argv[2], model="meantrace", registry=batch_models.registry(),
    chunks={"shot": 1}, patch_size=16, calibrate=False, count=sys.argv[3], progress=progress,
    n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None,
)
"""


def test_driver_killed_then_rerun_recomputes_no_finished_chunk(client, tmp_path):
    source = write_survey(tmp_path / "line.sgy", seed=4, n_shots=6)
    out, count = tmp_path / "out", tmp_path / "count"
    count.mkdir()
    script = tmp_path / "driver.py"
    script.write_text(textwrap.dedent(DRIVER))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the checkout: tests.distributed
    killed = subprocess.run(
        [sys.executable, str(script), str(source), str(out), str(count)], env=env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    chunks = out / MANIFEST_DIR / "line" / "chunks"
    recorded = {json.loads(p.read_text())["index"][0] for p in chunks.glob("*.json")}
    assert 2 <= len(recorded) < 6
    assert not (out / "line.zarr").exists() and not (out / "line.sgy").exists()
    first_history = json.loads((out / MANIFEST_DIR / "line" / "run.json").read_text())["history"]

    result = run([source], out, client, count=str(count))
    (r,) = result.inputs
    assert (r.chunks_reused, r.chunks_computed) == (len(recorded), 6 - len(recorded))
    # Count the patches each shot's predictor saw over both runs, against a clean run.
    clean_count = tmp_path / "clean-count"
    clean_count.mkdir()
    clean = tmp_path / "clean"
    run([source], clean, client, count=str(clean_count))
    once = batch_models.count_patches(clean_count)
    both = batch_models.count_patches(count)
    assert all(both[shot] == once[shot] for shot in recorded)  # never computed again
    assert all(both[shot] >= once[shot] for shot in once)
    assert_same_outputs(out, clean, ["line"])
    assert pm.open_zarr(out / "line.zarr").attrs["history"] == first_history


SEGY_CRASH = """
import sys
from tests.distributed import batch_models
import promethium as pm
import promethium.io.segy.write as segy_write

segy_write.write_block = batch_models.write_block_then_die  # dies after one block
pm.batch_reconstruct(
    [sys.argv[1]], sys.argv[2], model="meantrace", registry=batch_models.registry(),
    chunks={"shot": 1}, patch_size=16, calibrate=False, formats=["segy"], n_workers=1,
    threads_per_worker=1, processes=False, dashboard_address=None,
)
"""


def test_driver_killed_during_the_segy_write_then_rerun(client, tmp_path):
    source = write_survey(tmp_path / "line.sgy", seed=5)
    out = tmp_path / "out"
    script = tmp_path / "crash.py"
    script.write_text(textwrap.dedent(SEGY_CRASH))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the checkout: tests.distributed
    killed = subprocess.run(
        [sys.executable, str(script), str(source), str(out)], env=env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    (partial,) = {p.name for p in out.iterdir()} - {MANIFEST_DIR}
    assert partial.startswith(".line.sgy.pm-tmp.")  # the half-written file, hidden
    assert not (out / "line.sgy").exists()

    result = run([source], out, client, formats=["segy"])
    (r,) = result.inputs
    assert (r.status, r.chunks_reused, r.chunks_computed) == ("written", 4, 0)
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_DIR, "line.sgy"]  # swept
    clean = tmp_path / "clean"
    run([source], clean, client, formats=["segy"])
    assert (out / "line.sgy").read_bytes() == (clean / "line.sgy").read_bytes()


def test_device_out_of_memory_halves_the_batch_and_retries(client, surveys, tmp_path):
    clean = tmp_path / "clean"
    run(surveys[:1], clean, client, batch_size=2)
    out = tmp_path / "out"
    result = run(surveys[:1], out, client, batch_size=8, oom_from=3)
    assert result.inputs[0].status == "written"
    assert_same_outputs(out, clean, ["line0"])


def test_out_of_memory_at_batch_size_one_fails_the_input(client, surveys, tmp_path):
    result = run(surveys[:1], tmp_path / "out", client, batch_size=1, oom_from=1,
                 errors="report")  # fmt: skip
    (r,) = result.inputs
    assert r.status == "failed" and "CUDA out of memory" in r.error
