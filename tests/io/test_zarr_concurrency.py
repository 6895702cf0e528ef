"""Killed writers, concurrent readers and racing writers of one target (Zarr and SEG-Y)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.errors import ConfigError, SourceChangedError
from promethium.io.zarr import open_zarr, to_zarr

_ROOT = Path(pm.__file__).resolve().parents[1]

_WRITER = textwrap.dedent(
    """
    import os, sys, time
    import numpy as np
    import promethium as pm
    from promethium.io import atomic

    kind, target, value, mode, pause = sys.argv[1:6]
    if mode == "pause-between-renames":  # no atomic exchange; stop between the renames
        atomic._renameat2 = lambda src, dst, flags: False
        rename = os.rename

        def slow_rename(src, dst):
            rename(src, dst)
            if str(dst).endswith(".pm-old"):
                print("between", flush=True)
                time.sleep(60)

        atomic.os.rename = slow_rename
    da = pm.synthetic_gather(n_traces=16, n_samples=32) * 0 + float(value)
    da = da.chunk({"offset": 2})

    def slow(block):
        time.sleep(float(pause))
        return block

    da = da.copy(data=da.data.map_blocks(slow, dtype=da.dtype))
    print("go", flush=True)
    write = pm.to_zarr if kind == "zarr" else pm.to_segy
    write(da, target, mode="w")
    print("done", flush=True)
    """
)


def _spawn(tmp_path: Path, kind: str, target: Path, value: float, how: str = "w", pause=0.02):
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    env = {**os.environ, "PYTHONPATH": str(_ROOT)}
    cmd = [sys.executable, str(script), kind, str(target), str(value), how, str(pause)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)


def _write(kind: str, target: Path, value: float, mode: str = "w") -> None:
    da = pm.synthetic_gather(n_traces=16, n_samples=32) * 0 + value
    write = to_zarr if kind == "zarr" else pm.to_segy
    write(da.chunk({"offset": 4}), target, mode=mode)


def _read(kind: str, target: Path) -> np.ndarray:
    return (open_zarr(target) if kind == "zarr" else pm.open_segy(target)).values


def _value(kind: str, target: Path) -> float:
    """The one value every sample of the target holds (fails on a mix or a partial file)."""
    values = np.unique(_read(kind, target))
    assert values.size == 1, f"a mix of versions: {values}"
    return float(values[0])


def _names(folder: Path) -> list[str]:
    return sorted(p for p in os.listdir(folder) if p != "writer.py")


@settings(max_examples=max(2, settings.default.max_examples // 8), deadline=None)
@given(
    kind=st.sampled_from(["zarr", "segy"]),
    delay=st.floats(0.0, 1.0),
    signum=st.sampled_from([signal.SIGKILL, signal.SIGTERM]),
)
def test_killed_writer_leaves_old_or_new_and_next_write_cleans_up(
    tmp_path_factory, kind, delay, signum
):
    folder = tmp_path_factory.mktemp("crash")
    target = folder / ("out.zarr" if kind == "zarr" else "out.sgy")
    _write(kind, target, 1.0)
    proc = _spawn(folder, kind, target, 2.0)
    assert proc.stdout is not None and proc.stdout.readline() == "go\n"
    time.sleep(delay)
    proc.send_signal(signum)
    proc.wait()
    assert _value(kind, target) in (1.0, 2.0)  # old or new, complete
    _write(kind, target, 3.0)  # the next write sweeps the dead writer's temporary path
    assert _value(kind, target) == 3.0 and _names(folder) == [target.name]


def test_killed_between_the_two_renames_the_old_store_comes_back(tmp_path):
    target = tmp_path / "out.zarr"
    _write("zarr", target, 1.0)
    proc = _spawn(tmp_path, "zarr", target, 2.0, "pause-between-renames", 0)
    assert proc.stdout is not None
    assert proc.stdout.readline() == "go\n" and proc.stdout.readline() == "between\n"
    assert not target.exists()  # the window a crash can hit
    proc.kill()
    proc.wait()
    with pytest.raises(ConfigError, match="already exists"):  # the write put it back first
        _write("zarr", target, 3.0, mode="w-")
    assert _value("zarr", target) == 1.0
    _write("zarr", target, 3.0)
    assert _value("zarr", target) == 3.0 and _names(tmp_path) == ["out.zarr"]


def test_read_of_a_replaced_store_raises_instead_of_mixing(tmp_path):
    target = tmp_path / "s.zarr"
    _write("zarr", target, 1.0)
    lazy = open_zarr(target)
    np.testing.assert_array_equal(lazy[:4].values, 1.0)
    _write("zarr", target, 2.0)
    with pytest.raises(SourceChangedError, match=r"s\.zarr' was replaced or changed while"):
        lazy.compute()


def test_concurrent_reads_and_replaces_never_mix(tmp_path):
    target = tmp_path / "s.zarr"
    _write("zarr", target, 0.0)
    done = threading.Event()
    seen: list[float | str] = []

    def reader():
        while not done.is_set():
            try:
                values = np.unique(open_zarr(target, chunks={"offset": 1}).values)
            except SourceChangedError:
                seen.append("changed")
                continue
            assert values.size == 1, f"a mix of versions: {values}"
            seen.append(float(values[0]))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(1, 9):
            _write("zarr", target, float(i))
    finally:
        done.set()
        thread.join()
    assert seen and all(s == "changed" or s in range(9) for s in seen)
    assert _value("zarr", target) == 8.0 and _names(tmp_path) == ["s.zarr"]


@pytest.mark.parametrize("kind", ["zarr", "segy"])
def test_w_minus_is_enforced_when_the_write_commits(tmp_path, kind):
    target = tmp_path / ("out.zarr" if kind == "zarr" else "out.sgy")
    write = to_zarr if kind == "zarr" else pm.to_segy
    da = pm.synthetic_gather(n_traces=16, n_samples=32).chunk({"offset": 4}) * 0
    first = write(da + 1, target, compute=False)
    second = write(da + 2, target, compute=False)  # the target did not exist yet
    first.compute()
    with pytest.raises(ConfigError, match="appeared while this write ran"):
        second.compute()
    assert _value(kind, target) == 1.0 and os.listdir(tmp_path) == [target.name]


@pytest.mark.parametrize("kind", ["zarr", "segy"])
def test_two_racing_writers_of_a_new_output_one_wins(tmp_path, kind):
    target = tmp_path / ("out.zarr" if kind == "zarr" else "out.sgy")
    write = to_zarr if kind == "zarr" else pm.to_segy
    da = pm.synthetic_gather(n_traces=16, n_samples=32).chunk({"offset": 4}) * 0
    pending = [write(da + v, target, compute=False) for v in (1, 2)]
    start = threading.Barrier(2)
    outcome: dict[int, object] = {}

    def run(i):
        start.wait()
        try:
            outcome[i] = pending[i].compute(scheduler="synchronous")
        except ConfigError as err:
            outcome[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [i for i, o in outcome.items() if isinstance(o, ConfigError)]
    assert len(errors) == 1
    winner = 1 - errors[0]
    assert _value(kind, target) == float(winner + 1)
    assert os.listdir(tmp_path) == [target.name]
