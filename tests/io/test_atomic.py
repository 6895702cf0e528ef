"""Crash-safe commits: the target always holds the old or the new output, never nothing."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from promethium.errors import ConfigError, PromethiumError, StoreError
from promethium.io import atomic
from promethium.io.atomic import backup_path, commit, prepare, recover, temp_prefix


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _store(path, text):
    path.mkdir()
    (path / "zarr.json").write_text(text)
    return path


def test_temp_name_records_the_writer(tmp_path):
    tmp = prepare(tmp_path / "out.sgy")
    assert tmp.parent == tmp_path and tmp.name.startswith(temp_prefix(tmp_path / "out.sgy"))
    assert f".{os.getpid()}." in tmp.name and not tmp.exists()
    assert os.listdir(tmp_path) == []  # the lock is gone once released


def test_file_commit_replaces_in_one_step(tmp_path):
    final = tmp_path / "out.sgy"
    final.write_text("old")
    tmp = prepare(final)
    tmp.write_text("new")
    assert commit(tmp, final, "w") == final
    assert final.read_text() == "new" and os.listdir(tmp_path) == ["out.sgy"]


@pytest.mark.parametrize("exchange", [True, False])
def test_directory_commit_replaces_the_old_store(tmp_path, exchange):
    final = _store(tmp_path / "s.zarr", "old")
    tmp = _store(prepare(final), "new")
    commit(tmp, final, "w", exchange=exchange)
    assert (final / "zarr.json").read_text() == "new" and os.listdir(tmp_path) == ["s.zarr"]


@pytest.mark.parametrize("directory", [True, False])
def test_w_minus_refuses_a_target_that_appeared_meanwhile(tmp_path, directory):
    final = tmp_path / ("s.zarr" if directory else "out.sgy")
    tmp = prepare(final)
    if directory:
        _store(tmp, "mine")
        _store(final, "theirs")  # another run committed first
    else:
        tmp.write_text("mine")
        final.write_text("theirs")
    with pytest.raises(ConfigError, match=r"appeared while this write ran.*--overwrite"):
        commit(tmp, final, "w-")
    assert not tmp.exists()
    assert "theirs" in ((final / "zarr.json") if directory else final).read_text()


def test_w_minus_refuses_even_an_empty_folder_that_appeared(tmp_path):
    final = tmp_path / "s.zarr"
    tmp = _store(prepare(final), "mine")
    final.mkdir()
    with pytest.raises(ConfigError, match="appeared"):
        commit(tmp, final, "w-")


def test_crash_between_the_two_renames_is_repaired(tmp_path):
    final = _store(tmp_path / "s.zarr", "old")
    tmp = _store(prepare(final), "new")
    os.rename(final, backup_path(final))  # the process dies here: target missing
    recover(final)
    assert (final / "zarr.json").read_text() == "old"
    os.rename(final, backup_path(final))
    from promethium.io.zarr import open_zarr

    with pytest.raises(PromethiumError, match="not a readable Zarr"):  # opening puts it back
        open_zarr(final)
    assert (final / "zarr.json").read_text() == "old"
    # the next write cleans the dead temp store up (this process is alive: simulate)
    dead = tmp.with_name(tmp.name.replace(f".{os.getpid()}.", f".{_dead_pid()}."))
    os.rename(tmp, dead)
    prepare(final)
    assert os.listdir(tmp_path) == ["s.zarr"]


def test_backup_left_after_a_finished_replace_is_removed(tmp_path):
    final = _store(tmp_path / "s.zarr", "new")
    _store(backup_path(final), "old")
    prepare(final)
    assert os.listdir(tmp_path) == ["s.zarr"] and (final / "zarr.json").read_text() == "new"


def test_temp_paths_of_live_writers_are_kept(tmp_path):
    final = tmp_path / "out.sgy"
    mine = prepare(final)
    mine.write_text("in progress")
    other_host = tmp_path / f"{temp_prefix(final)}otherhost.1.5.abc"
    other_host.write_text("x")
    prepare(final)
    assert mine.exists() and other_host.exists()


def test_temp_of_a_recycled_pid_is_removed(tmp_path, monkeypatch):
    final = tmp_path / "out.sgy"
    stale = tmp_path / f"{temp_prefix(final)}{atomic._host()}.{os.getpid()}.1.abc"
    stale.write_text("x")  # same pid, other start time: an earlier process
    if atomic._start_time(os.getpid()) == 0:
        pytest.skip("no process start times on this system")
    prepare(final)
    assert not stale.exists()


def test_unwritable_folder_names_the_target(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic.os, "access", lambda *a, **k: False)
    with pytest.raises(StoreError, match=r"cannot write '.*out\.sgy'.*not writable"):
        prepare(tmp_path / "out.sgy")


def test_failed_rename_names_the_target_not_the_temp(tmp_path, monkeypatch):
    final = tmp_path / "out.sgy"
    tmp = prepare(final)
    tmp.write_text("new")

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp))

    monkeypatch.setattr(atomic.os, "rename", read_only)
    monkeypatch.setattr(atomic, "_renameat2", lambda *a: False)
    with pytest.raises(StoreError, match=r"cannot write '.*out\.sgy': Read-only") as info:
        commit(tmp, final, "w-")
    assert temp_prefix(final) not in str(info.value)
    assert not tmp.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_refused_up_front(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(StoreError, match=r"ro/out\.sgy'.*not writable"):
            prepare(folder / "out.sgy")
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("writer", ["to_zarr", "to_segy"])
def test_both_writers_name_the_target_of_an_unwritable_folder(tmp_path, monkeypatch, writer):
    import promethium as pm

    monkeypatch.setattr(atomic.os, "access", lambda *a, **k: False)
    target = tmp_path / ("out.zarr" if writer == "to_zarr" else "out.sgy")
    da = pm.synthetic_gather(n_traces=4, n_samples=8)
    with pytest.raises(StoreError, match=rf"cannot write '.*{target.name}'.*not writable"):
        getattr(pm, writer)(da, target)
    assert os.listdir(tmp_path) == []


def test_an_os_error_mid_write_names_the_target(tmp_path, monkeypatch):
    import promethium as pm
    from promethium.io.segy import write

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(write, "write_block", full)  # the name its graph uses
    target = tmp_path / "out.sgy"
    with pytest.raises(StoreError, match=r"cannot write '.*out\.sgy': No space left") as info:
        pm.to_segy(pm.synthetic_gather(n_traces=4, n_samples=8), target)
    assert temp_prefix(target) not in str(info.value)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("compute", [True, False])
def test_zarr_os_error_names_the_target_and_other_files_but_not_the_temp(tmp_path, compute):
    import promethium as pm

    def unreadable(block):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "/data/in.sgy")

    da = pm.synthetic_gather(n_traces=4, n_samples=8).chunk({"offset": 2})
    da = da.copy(data=da.data.map_blocks(unreadable, dtype=da.dtype))
    target = tmp_path / "out.zarr"
    with pytest.raises(StoreError, match=r"'.*out\.zarr': No such file .*: '/data/in\.sgy'\."):
        write = pm.to_zarr(da, target, compute=compute)
        write.compute()
    assert os.listdir(tmp_path) == []


def test_commit_without_flock_still_moves_into_place(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "fcntl", None)  # as on Windows: import fails
    final = tmp_path / "out.sgy"
    tmp = prepare(final)
    tmp.write_text("new")
    assert commit(tmp, final, "w-") == final and final.read_text() == "new"


def test_staged_commits_a_block_that_returns(tmp_path):
    final = tmp_path / "out.json"
    final.write_text("old")
    with atomic.staged(final) as tmp:
        assert tmp.name.startswith(temp_prefix(final)) and not tmp.exists()
        tmp.write_text("new")
        assert final.read_text() == "old"  # nothing moves before the block ends
    assert final.read_text() == "new" and os.listdir(tmp_path) == ["out.json"]


def test_staged_leaves_the_old_file_when_the_block_fails(tmp_path):
    final = tmp_path / "out.json"
    final.write_text("old")
    with pytest.raises(ZeroDivisionError), atomic.staged(final) as tmp:
        tmp.write_text("half")
        1 / 0  # noqa: B018
    assert final.read_text() == "old" and os.listdir(tmp_path) == ["out.json"]


def test_staged_sweeps_a_killed_writer_and_refuses_with_w_minus(tmp_path):
    final = tmp_path / "out.json"
    stale = tmp_path / f"{temp_prefix(final)}{atomic._host()}.{_dead_pid()}.0.abc"
    stale.write_text("torn")
    with atomic.staged(final, "w-") as tmp:
        tmp.write_text("new")
    assert not stale.exists() and final.read_text() == "new"
    with pytest.raises(ConfigError, match="already exists"), atomic.staged(final, "w-") as tmp:
        tmp.write_text("newer")
    assert final.read_text() == "new" and os.listdir(tmp_path) == ["out.json"]


def test_staged_refuses_a_block_that_wrote_nothing(tmp_path):
    with pytest.raises(StoreError, match="nothing was written"), atomic.staged(tmp_path / "x"):
        pass
    assert os.listdir(tmp_path) == []
