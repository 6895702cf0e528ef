"""The per-chunk manifest of a batch run: what is finished, recorded atomically.

Each input of :func:`~promethium.distributed.batch_reconstruct` gets a work folder
``OUT/.promethium-batch/<name>/`` holding

- ``run.json``: the run's key (a hash of the input's identity and of every setting that
  changes the output), the settings themselves, the chunk grid, the output attributes
  and the state (``running`` or ``complete``);
- ``chunks/<i>.<j>...npy``: the reconstructed samples of one output chunk;
- ``chunks/<i>.<j>...json``: its record (shape, dtype, sha256 of the samples, the run
  and the process that computed it, seconds), written after the samples.

Every file is written under a temporary name and renamed into place, so a record
exists only for a chunk whose samples are complete. A work folder whose key differs
from the run's (the input changed, or a setting did) is stale and is discarded: its
chunks are never reused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from promethium.core import strict_json
from promethium.errors import StoreError

__all__ = [
    "MANIFEST_DIR",
    "ChunkRecord",
    "WorkFolder",
    "input_identity",
    "run_key",
    "write_json_atomic",
]

#: The folder under the output directory that holds every input's work folder.
MANIFEST_DIR = ".promethium-batch"
#: Version of the manifest layout; a change makes older work folders stale.
LAYOUT_VERSION = 1


def write_json_atomic(path: Path, record: Mapping[str, Any]) -> None:
    """Write `record` as strict JSON to `path` through a temporary sibling and one rename.

    Non-finite floats are tagged (:func:`promethium.core.strict_json.dumps`), so that
    :meth:`WorkFolder.read_run` gives back the numbers written.
    """
    text = strict_json.dumps(record, nonfinite="tagged", sort_keys=True, indent=1, default=str)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def input_identity(path: Path) -> dict[str, Any]:
    """What identifies the current version of an input file or Zarr store.

    A file: its size and modification time (nanoseconds) and inode. A store (folder):
    a hash of every file's relative path, size and modification time, so a rewritten
    chunk changes it.

    Raises
    ------
    StoreError
        If `path` cannot be read.
    """
    try:
        st = os.stat(path)
        if not path.is_dir():
            return {"kind": "file", "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                    "inode": st.st_ino}  # fmt: skip
        digest = hashlib.sha256()
        n = 0
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                full = Path(root, name)
                fst = os.stat(full)
                rel = full.relative_to(path).as_posix()
                digest.update(f"{rel}\0{fst.st_size}\0{fst.st_mtime_ns}\n".encode())
                n += 1
    except OSError as err:
        raise StoreError(f"cannot read input {os.fspath(path)!r}: {err.strerror or err}.") from err
    return {"kind": "store", "files": n, "sha256": digest.hexdigest()}


def run_key(identity: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
    """The hash naming one input version processed with one set of settings."""
    text = json.dumps(
        {"layout": LAYOUT_VERSION, "input": identity, "settings": settings},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ChunkRecord:
    """The record of one finished output chunk.

    Attributes
    ----------
    index : tuple of int
        The chunk's position in the output's chunk grid.
    shape : tuple of int
        Its shape.
    dtype : str
        Its dtype (NumPy ``str``).
    sha256 : str
        Hash of its samples (C order).
    run_id : str
        The batch invocation that computed it.
    process : str
        ``host:pid`` of the process that computed it.
    seconds : float
        How long saving took after the samples arrived (the computation is upstream).
    """

    index: tuple[int, ...]
    shape: tuple[int, ...]
    dtype: str
    sha256: str
    run_id: str
    process: str
    seconds: float

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> ChunkRecord:
        """Rebuild a record read from its JSON file."""
        return cls(
            tuple(int(i) for i in record["index"]),
            tuple(int(n) for n in record["shape"]),
            str(record["dtype"]),
            str(record["sha256"]),
            str(record["run_id"]),
            str(record["process"]),
            float(record["seconds"]),
        )


def chunk_name(index: tuple[int, ...]) -> str:
    """The file stem of chunk `index`: ``"0.3.1"``."""
    return ".".join(str(i) for i in index)


def _sha256(block: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(block).tobytes()).hexdigest()


@dataclass(frozen=True)
class WorkFolder:
    """The work folder of one input: its run record and its chunk files.

    Attributes
    ----------
    path : pathlib.Path
        ``OUT/.promethium-batch/<name>``.
    """

    path: Path

    @property
    def run_file(self) -> Path:
        """``run.json``."""
        return self.path / "run.json"

    @property
    def chunks(self) -> Path:
        """The folder of chunk files."""
        return self.path / "chunks"

    def read_run(self) -> dict[str, Any] | None:
        """The run record, or None if there is none (or it cannot be parsed)."""
        try:
            record = strict_json.loads(self.run_file.read_bytes())
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def start(self, record: Mapping[str, Any], *, resume: bool) -> dict[str, Any]:
        """Begin (or resume) a run with `record`; return the run record in force.

        With `resume` and a record of the same key on disk, that record is kept (its
        output attributes too, so a resumed run writes what the first one would have)
        and so are its chunks. Otherwise the folder is emptied and `record` written.
        """
        old = self.read_run()
        if resume and old is not None and old.get("key") == record["key"]:
            return old
        self.discard()
        self.chunks.mkdir(parents=True, exist_ok=True)
        fresh = {**record, "state": "running"}
        write_json_atomic(self.run_file, fresh)
        return fresh

    def mark_complete(self, run: Mapping[str, Any]) -> None:
        """Record that the outputs are in place, and drop the chunk files."""
        write_json_atomic(self.run_file, {**run, "state": "complete"})
        shutil.rmtree(self.chunks, ignore_errors=True)

    def discard(self) -> None:
        """Remove the whole work folder."""
        shutil.rmtree(self.path, ignore_errors=True)

    def finished(self) -> dict[tuple[int, ...], ChunkRecord]:
        """The chunks recorded as finished whose sample file is whole, of their shape and dtype."""
        done: dict[tuple[int, ...], ChunkRecord] = {}
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(self.chunks):
                if not entry.name.endswith(".json") or entry.name.startswith("."):
                    continue
                try:
                    with open(entry.path, "rb") as f:
                        record = ChunkRecord.from_json(strict_json.loads(f.read()))
                except (OSError, ValueError, KeyError, TypeError):
                    continue  # unreadable: the chunk is computed again
                if self._complete(record):
                    done[record.index] = record
        return done

    def _complete(self, record: ChunkRecord) -> bool:
        # Mapping reads only the header, and fails on a file shorter than header and
        # samples together (a bare size check misses a tail cut shorter than the header).
        try:
            samples = np.load(
                self.chunks / f"{chunk_name(record.index)}.npy", mmap_mode="r", allow_pickle=False
            )
        except (OSError, ValueError):
            return False
        return samples.shape == record.shape and samples.dtype.str == record.dtype


def save_chunk(
    block: np.ndarray, folder: str, index: tuple[int, ...], run_id: str
) -> dict[str, Any]:
    """Save one computed chunk and its record, each atomically; return the record.

    This runs on a worker. The samples go to ``<index>.npy`` (temporary name, then one
    rename), then the record to ``<index>.json``: a record exists only for complete
    samples, and a task that runs twice (a worker that died after saving) writes the
    same bytes again.
    """
    import socket
    import time

    start = time.perf_counter()
    chunks = Path(folder)
    name = chunk_name(index)
    block = np.ascontiguousarray(block)
    tmp = chunks / f".{name}.{uuid.uuid4().hex[:12]}.npy"
    np.save(tmp, block, allow_pickle=False)
    os.replace(tmp, chunks / f"{name}.npy")
    record = {
        "index": list(index),
        "shape": list(block.shape),
        "dtype": block.dtype.str,
        "sha256": _sha256(block),
        "run_id": run_id,
        "process": f"{socket.gethostname()}:{os.getpid()}",
        "seconds": time.perf_counter() - start,
    }
    write_json_atomic(chunks / f"{name}.json", record)
    return record


def load_chunk(folder: str, index: tuple[int, ...], sha256: str) -> np.ndarray:
    """Read a finished chunk back, checking its hash (this runs on a worker).

    Raises
    ------
    StoreError
        If the chunk file is missing or its samples do not match their record; the
        record is removed so that the next run computes the chunk again.
    """
    chunks = Path(folder)
    name = chunk_name(index)
    try:
        block = np.load(chunks / f"{name}.npy", allow_pickle=False)
    except (OSError, ValueError) as err:
        block = None
        reason = str(err)
    if block is None or _sha256(block) != sha256:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(chunks / f"{name}.json")
        why = "does not match its record" if block is not None else f"is unreadable ({reason})"
        raise StoreError(
            f"the finished chunk {name} in {folder!r} {why}; it was dropped from the "
            "manifest: run the batch again to compute it again."
        )
    return block
