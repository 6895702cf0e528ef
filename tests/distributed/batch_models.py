"""A small patch model for the batch tests, with faults to inject on the workers.

Worker processes import it by name (``tests.distributed.batch_models``: the checkout's
root is on ``sys.path``, which dask's spawned workers inherit), so only references to it
travel in the task graph.

- ``kill_marker``: the first task that finds the marker file absent creates it and kills
  its own worker process (SIGKILL); never in ``driver_pid`` (the test process).
- ``oom_from``: a batch of this many patches or more raises CUDA's out-of-memory message.
- ``count``: each predictor call appends ``panel patches`` lines to a file of that folder,
  so a test counts how often each panel (shot) was computed.
- ``record``: each call records the resource restrictions of its dask task.
"""

from __future__ import annotations

import json
import os
import signal
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from promethium.ml.engine import predict_patches
from promethium.ml.options import PatchOptions
from promethium.plugin import ModelSpec
from promethium.registry import Registry


class FaultOptions(PatchOptions):
    """The patch options plus the faults to inject."""

    device: str = "cpu"
    kill_marker: str = ""
    driver_pid: int = 0
    oom_from: int = 0
    count: str = ""
    record: str = ""


@dataclass(frozen=True)
class MeanTrace:
    """Fill each patch with the mean of its live traces (deterministic, picklable)."""

    kill_marker: str = ""
    driver_pid: int = 0
    oom_from: int = 0
    count: str = ""
    record: str = ""
    wants_patch_keys: bool = True

    def __call__(self, batch: np.ndarray, keys: np.ndarray | None = None) -> np.ndarray:
        if self.kill_marker and _first(self.kill_marker):
            if os.getpid() == self.driver_pid:
                raise RuntimeError("refusing to kill the test process")
            os.kill(os.getpid(), signal.SIGKILL)
        if self.oom_from and len(batch) >= self.oom_from:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        if self.count and keys is not None:
            panels, n = np.unique(keys[:, 0], return_counts=True)
            lines = "".join(f"{p} {c}\n" for p, c in zip(panels, n, strict=True))
            Path(self.count, uuid.uuid4().hex).write_text(lines)
        if self.record:
            _record(self.record)
        live = batch[:, 1]
        total = (batch[:, 0] * live).sum(axis=1, keepdims=True)
        mean = total / np.maximum(live.sum(axis=1, keepdims=True), 1.0)
        return np.broadcast_to(mean, batch[:, 0].shape).astype(np.float32)


def _first(marker: str) -> bool:
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def _record(folder: str) -> None:
    from distributed import get_worker

    worker = get_worker()
    key = worker.get_current_task()
    restrictions = worker.state.tasks[key].resource_restrictions
    Path(folder, uuid.uuid4().hex).write_text(json.dumps(restrictions or {}))


class MeanTraceModel:
    """The reconstructor: the patch engine with :class:`MeanTrace`."""

    def reconstruct(self, da: Any, options: FaultOptions) -> Any:
        predictor = MeanTrace(
            options.kill_marker, options.driver_pid, options.oom_from, options.count,
            options.record,
        )  # fmt: skip
        return predict_patches(
            da, predictor, patch_size=options.patch_size, overlap=options.overlap,
            batch_size=options.batch_size,
        )  # fmt: skip


def registry() -> Registry:
    """A registry holding the model ``meantrace``."""
    reg = Registry()
    reg.add(ModelSpec(name="meantrace", family="test", factory=MeanTraceModel,
                      options=FaultOptions))  # fmt: skip
    return reg


def count_patches(folder: Path) -> dict[int, int]:
    """Patches predicted per panel, summed over every call recorded in `folder`."""
    counts: dict[int, int] = {}
    for path in folder.iterdir():
        for line in path.read_text().splitlines():
            panel, n = (int(v) for v in line.split())
            counts[panel] = counts.get(panel, 0) + n
    return counts


def write_survey(path, seed, n_shots=4):
    """A SEG-Y file of `n_shots` shots x 24 channels x 48 samples, 30% of traces dead."""
    import promethium as pm

    da = pm.synthetic_shots(n_shots=n_shots, n_traces=24, n_samples=48, seed=seed)
    pm.to_segy(pm.apply_trace_mask(da, pm.random_mask(da, 0.3, seed=seed)), path, mode="w")
    return path


def write_block_then_die(*args: Any, **kwargs: Any) -> Any:
    """The SEG-Y writer's block write, then SIGKILL of this process (a crash mid-write)."""
    from promethium.io.segy import stream

    stream.write_block(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
