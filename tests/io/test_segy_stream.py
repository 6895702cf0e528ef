"""The tasks of a to_segy write: empty hole slots removed in batches; a killed insert."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.core.mask import TRACE_FILLED
from promethium.io.segy import open_segy, stream, to_segy
from promethium.io.segy.layout import read_layout

_ROOT = Path(pm.__file__).resolve().parents[1]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    filled=st.lists(st.booleans(), min_size=24, max_size=24),
    batch=st.integers(1, 5),
    new_file=st.booleans(),
)
def test_empty_slots_are_removed_in_any_batch_size(
    make_segy, tmp_path, monkeypatch, filled, batch, new_file
):
    """Every other position of a 4 x 6 grid is a hole; any subset of them is filled."""
    il, xl = np.meshgrid(np.arange(1, 5), np.arange(1, 7), indexing="ij")
    keep = ((il + xl) % 2 == 0).ravel()
    keep[0] = keep[-1] = True
    headers = {189: il.ravel()[keep], 193: xl.ravel()[keep]}
    data = np.arange(keep.sum() * 5, dtype=np.float32).reshape(-1, 5) + 1
    src = make_segy("src.sgy", headers, data)
    da = open_segy(src, chunks={"iline": 1})
    holes = da.trace_index.values < 0
    which = holes & np.array(filled).reshape(4, 6)
    values = np.where(which[..., None], -np.arange(1, 25).reshape(4, 6, 1), da.values)
    out_da = da.copy(data=values).assign_coords({TRACE_FILLED: (("iline", "xline"), which)})
    layout = read_layout(src)
    monkeypatch.setattr(stream, "_MOVE_BYTES", batch * layout.trace_len)
    out = tmp_path / "o.sgy"
    options = {} if new_file else {"like": src, "absent": "insert"}
    to_segy(out_da, out, mode="w", **options)
    back = open_segy(out)
    assert read_layout(out).n_traces == keep.sum() + which.sum()
    np.testing.assert_array_equal(back.trace_index.values >= 0, ~holes | which)
    np.testing.assert_array_equal(
        back.trace_index.values[~holes | which], np.arange(keep.sum() + which.sum())
    )
    present = back.trace_index.values >= 0
    np.testing.assert_array_equal(back.values[present], values[present])
    if new_file:  # sequence numbers follow the traces after the move
        import segyio

        with segyio.open(str(out), ignore_geometry=True) as f:
            assert list(f.attributes(1)[:]) == list(range(1, f.tracecount + 1))


_WRITER = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    import promethium as pm

    src, target, value = sys.argv[1], sys.argv[2], float(sys.argv[3])
    da = pm.open_segy(src, chunks={"iline": 1})
    filled = (da.trace_index < 0).values
    filled[tuple(np.argwhere(filled)[0])] = False  # one hole left empty: its slot goes
    out = (da * 0 + value).assign_coords(trace_filled=(("iline", "xline"), filled))

    def slow(block):
        time.sleep(0.02)
        return block

    out = out.copy(data=out.data.map_blocks(slow, dtype=out.dtype))
    print("go", flush=True)
    pm.to_segy(out, target, like=src, absent="insert", mode="w")
    print("done", flush=True)
    """
)


def _values(path: Path) -> set[float]:
    da = open_segy(path)
    return set(np.unique(da.values[da.trace_index.values >= 0]).tolist())


@pytest.mark.parametrize("delay", [0.0, 0.15, 0.3, 0.6])
def test_a_killed_insert_leaves_the_old_file_or_the_new_one(make_segy, tmp_path, delay):
    il, xl = np.meshgrid(np.arange(1, 9), np.arange(1, 9), indexing="ij")
    keep = ((il * 3 + xl) % 4 != 0).ravel()
    keep[0] = keep[-1] = True
    src = make_segy(
        "src.sgy", {189: il.ravel()[keep], 193: xl.ravel()[keep]}, np.ones((keep.sum(), 16))
    )
    target = tmp_path / "out.sgy"
    da = open_segy(src)
    present = da.trace_index >= 0
    to_segy(da * 0 + present, target, like=src)  # the old output: every trace 1.0
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    env = {**os.environ, "PYTHONPATH": str(_ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(src), str(target), "2.0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "go\n"
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _values(target) in ({1.0}, {2.0})  # old or new, complete
    if _values(target) == {2.0}:  # the new file: holes inserted but the empty one
        assert read_layout(target).n_traces == 63
    to_segy(da * 0 + 3.0 * present, target, like=src, mode="w")  # sweeps the killed writer's temp
    assert _values(target) == {3.0}
    assert sorted(os.listdir(tmp_path)) == ["out.sgy", "src.sgy", "writer.py"]


def test_nothing_to_write_is_an_error_and_leaves_nothing(cube_file, tmp_path):
    da = open_segy(cube_file)
    holes_only = da.isel(iline=[0], xline=[0])  # (10, 100): a hole holding no trace
    assert holes_only.trace_index.values.tolist() == [[-1]]
    with pytest.raises(pm.InvalidDataError, match="has no trace to write"):
        to_segy(holes_only, tmp_path / "x.sgy")
    assert sorted(os.listdir(tmp_path)) == ["cube.sgy"]
