"""The per-chunk manifest: atomic records, keys that change with the input and settings."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from promethium.distributed.manifest import (
    ChunkRecord,
    WorkFolder,
    input_identity,
    load_chunk,
    run_key,
    save_chunk,
)
from promethium.errors import StoreError


def test_saved_chunk_round_trips_with_its_record(tmp_path):
    block = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    record = save_chunk(block, str(tmp_path), (1, 0, 2), "run-a")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.0.2.json", "1.0.2.npy"]
    assert json.loads((tmp_path / "1.0.2.json").read_text()) == record
    back = load_chunk(str(tmp_path), (1, 0, 2), record["sha256"])
    np.testing.assert_array_equal(back, block)
    assert back.dtype == block.dtype


def test_damaged_chunk_is_refused_and_dropped_from_the_manifest(tmp_path):
    work = WorkFolder(tmp_path / "w")
    work.start({"key": "k"}, resume=True)
    record = save_chunk(np.ones((2, 5), np.float32), str(work.chunks), (0, 0), "run-a")
    assert set(work.finished()) == {(0, 0)}
    np.save(work.chunks / "0.0.npy", np.zeros((2, 5), np.float32))  # other samples
    with pytest.raises(StoreError, match=r"does not match its record.*run the batch again"):
        load_chunk(str(work.chunks), (0, 0), record["sha256"])
    assert work.finished() == {}  # computed again next time


def test_a_chunk_whose_samples_are_short_is_not_finished(tmp_path):
    work = WorkFolder(tmp_path / "w")
    work.start({"key": "k"}, resume=True)
    save_chunk(np.ones((4, 8), np.float32), str(work.chunks), (0, 1), "r")
    (work.chunks / "0.1.npy").write_bytes(b"\x93NUMPY")  # truncated
    assert work.finished() == {}


def test_a_chunk_cut_short_by_a_few_bytes_is_not_finished(tmp_path):
    # The file is still longer than the samples alone: only the header makes it short.
    work = WorkFolder(tmp_path / "w")
    work.start({"key": "k"}, resume=True)
    save_chunk(np.ones((4, 8), np.float32), str(work.chunks), (0, 1), "r")
    path = work.chunks / "0.1.npy"
    path.write_bytes(path.read_bytes()[:-1])
    assert work.finished() == {}


def test_a_chunk_of_another_shape_is_not_finished(tmp_path):
    work = WorkFolder(tmp_path / "w")
    work.start({"key": "k"}, resume=True)
    save_chunk(np.ones((4, 8), np.float32), str(work.chunks), (0, 1), "r")
    np.save(work.chunks / "0.1.npy", np.ones((8, 4), np.float32))
    assert work.finished() == {}


def test_resume_keeps_chunks_of_the_same_key_and_discards_others(tmp_path):
    work = WorkFolder(tmp_path / "w")
    first = work.start({"key": "k1", "history": "first"}, resume=True)
    save_chunk(np.ones(3, np.float32), str(work.chunks), (0,), "r")
    again = work.start({"key": "k1", "history": "second"}, resume=True)
    assert again["history"] == first["history"] == "first"  # the first run's record
    assert set(work.finished()) == {(0,)}
    work.start({"key": "k1"}, resume=False)
    assert work.finished() == {}
    save_chunk(np.ones(3, np.float32), str(work.chunks), (0,), "r")
    work.start({"key": "k2"}, resume=True)  # another input version or settings
    assert work.finished() == {}


def test_complete_run_drops_chunk_files_and_keeps_the_record(tmp_path):
    work = WorkFolder(tmp_path / "w")
    run = work.start({"key": "k"}, resume=True)
    save_chunk(np.ones(3, np.float32), str(work.chunks), (0,), "r")
    work.mark_complete(run)
    assert not work.chunks.exists()
    assert work.read_run() == {"key": "k", "state": "complete"}


def test_run_key_changes_with_the_input_and_the_settings(tmp_path):
    path = tmp_path / "a.sgy"
    path.write_bytes(b"x" * 10)
    before = input_identity(path)
    key = run_key(before, {"model": "pocs"})
    assert run_key(input_identity(path), {"model": "pocs"}) == key
    assert run_key(before, {"model": "linear"}) != key
    path.write_bytes(b"y" * 11)
    assert run_key(input_identity(path), {"model": "pocs"}) != key


def test_store_identity_changes_when_a_chunk_file_is_rewritten(tmp_path):
    store = tmp_path / "s.zarr"
    (store / "c").mkdir(parents=True)
    chunk = store / "c" / "0"
    chunk.write_bytes(b"abc")
    before = input_identity(store)
    assert before["files"] == 1
    os.utime(chunk, ns=(1, 1))
    assert input_identity(store) != before


def test_unreadable_input_is_a_store_error(tmp_path):
    with pytest.raises(StoreError, match=r"cannot read input"):
        input_identity(tmp_path / "missing.sgy")


def test_record_from_json_rebuilds_tuples():
    record = ChunkRecord.from_json(
        {"index": [1, 2], "shape": [3, 4], "dtype": "<f4", "sha256": "s", "run_id": "r",
         "process": "h:1", "seconds": 0.5}
    )  # fmt: skip
    assert record.index == (1, 2) and record.shape == (3, 4)


def test_run_record_is_strict_json_and_reads_back_non_finite_numbers(tmp_path):
    work = WorkFolder(tmp_path / "w")
    record = {"key": "k", "settings": {"options": {"p_min": float("-inf"), "tol": 1e-300}}}
    work.start(record, resume=False)

    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    json.loads(work.run_file.read_text(), parse_constant=refuse)  # strict readers take it
    back = work.read_run()
    assert back is not None
    assert back["settings"] == record["settings"]
    assert back["state"] == "running"
