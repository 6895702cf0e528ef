"""What one task of a batch run costs: memory (host and device) and time, before running.

:func:`estimate_task` counts the arrays a patch-engine task holds (see
:mod:`promethium.ml.block`): the chunk with its halo as read, as zero-filled model input
and as overlapped block (float32 each), the blending accumulators and weights (float64),
the blended result and the restored output (float32), and one batch of patches with its
predictions. :func:`calibrate` runs one chunk in this process and measures its time and
peak allocation, which ``plan`` and ``batch`` use where it exceeds the count.
:func:`worker_capacity` gives the workers, threads and memory per worker of the cluster
a run would use.
"""

from __future__ import annotations

import math
import os
import sys
import time
import tracemalloc
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.errors import ConfigError

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "Calibration",
    "TaskEstimate",
    "WorkerCapacity",
    "calibrate",
    "estimate_task",
    "largest_chunk",
    "local_size",
    "reset_resident_peak",
    "resident_peak_since",
    "task_host_bytes",
    "worker_capacity",
]

#: Fraction of a worker's memory limit at which dask pauses the worker.
PAUSE_FRACTION = 0.8


@dataclass(frozen=True)
class TaskEstimate:
    """The counted cost of the largest task of a reconstruction.

    Attributes
    ----------
    tasks : int
        Output chunks (one task each).
    chunk : tuple of int
        Shape of the largest output chunk.
    halo : tuple of int or None
        Context a chunk reads on each side (trace, vertical); None when the model does not
        run on the patch engine (its chunks are then independent).
    host_bytes : int
        Host memory of one task, counted.
    batch_bytes : int
        Of which one batch of patches and its predictions: what a device holds besides
        the model (device memory of a GPU task, activations not included).
    """

    tasks: int
    chunk: tuple[int, ...]
    halo: tuple[int, int] | None
    host_bytes: int
    batch_bytes: int


@dataclass(frozen=True)
class Calibration:
    """One chunk run in this process.

    Attributes
    ----------
    first_s : float
        Seconds of the first run (model built, caches warmed).
    chunk_s : float or None
        Seconds of a later run of the same chunk (None: not timed).
    peak_host_bytes : int
        Peak host memory of a run after the first (the model built and cached, as on
        a worker's later tasks): the larger of what Python and NumPy allocated
        (:mod:`tracemalloc`) and, on Linux, the growth of the process's peak resident
        memory, which also sees torch's CPU allocations (a network's activations).
    peak_gpu_bytes : int or None
        Peak CUDA memory allocated by torch in that run, when the model ran on a GPU.
    """

    first_s: float
    chunk_s: float | None
    peak_host_bytes: int
    peak_gpu_bytes: int | None


@dataclass(frozen=True)
class WorkerCapacity:
    """The workers a run gets.

    Attributes
    ----------
    workers : int
        Worker processes.
    threads : int
        Threads per worker (tasks a worker runs at once).
    memory_bytes : int
        Memory limit per worker (0: none).
    gpus : float
        ``GPU`` resources over all workers.
    source : str
        Where the numbers come from (the scheduler, or a local cluster's defaults).
    """

    workers: int
    threads: int
    memory_bytes: int
    gpus: float
    source: str


def largest_chunk(result: xr.DataArray) -> tuple[int, ...]:
    """The index of the output chunk with the most elements (the first such)."""
    chunks = result.data.chunks
    return tuple(int(np.argmax(c)) for c in chunks)


def estimate_task(result: xr.DataArray, options: dict[str, Any]) -> TaskEstimate:
    """Count the memory of the largest task of the lazy reconstruction `result`.

    Parameters
    ----------
    result : xarray.DataArray
        The lazy output of :func:`promethium.reconstruct` (dask-backed).
    options : dict
        The model's resolved options (``patch_size``, ``overlap``, ``batch_size``).

    Returns
    -------
    TaskEstimate
        Tasks, largest chunk, halo and memory.
    """
    chunks = result.data.chunks
    chunk = tuple(max(c) for c in chunks)
    tasks = math.prod(len(c) for c in chunks)
    halo: tuple[int, int] | None = None
    batch_bytes = 0
    if "patch_size" in options:
        from promethium.ml.grid import PatchGrid

        overlap = options.get("overlap", 0.5)
        panel = (int(result.shape[-2]), int(result.shape[-1]))
        grid = PatchGrid.build(panel, options["patch_size"], overlap)
        halo = grid.halo
        batch = int(options.get("batch_size") or 1)
        batch_bytes = batch * 3 * grid.patch[0] * grid.patch[1] * 4  # 2 channels in, 1 out
    shape = tuple(int(n) for n in result.shape)
    host = task_host_bytes(chunk, shape, halo, batch_bytes)
    return TaskEstimate(tasks, chunk, halo, int(host), int(batch_bytes))


def task_host_bytes(
    chunk: tuple[int, ...], shape: tuple[int, ...], halo: tuple[int, int] | None, batch_bytes: int
) -> int:
    """Counted host bytes of a task computing `chunk` of an output of `shape`.

    The chunk with its `halo` (on each side of the panel's dims, where the chunk does
    not span the dim) three times as float32; the float64 accumulator, weights and
    blended result, the float32 output twice, over the chunk; plus one batch.
    """
    core = math.prod(chunk)
    with_halo = core
    if halo is not None:
        sides = [
            min(n, c + 2 * h) if c < n else c
            for n, c, h in zip(shape[-2:], chunk[-2:], halo, strict=True)
        ]
        with_halo = math.prod(chunk[:-2]) * math.prod(sides)
    return int(3 * 4 * with_halo + 3 * 8 * core + 2 * 4 * core + batch_bytes)


def calibrate(result: xr.DataArray, index: tuple[int, ...], *, timed: bool = True) -> Calibration:
    """Run output chunk `index` of `result` in this process; measure its memory and time.

    The first run builds the model and warms caches (timed: ``first_s``). The second is
    measured for host memory with :mod:`tracemalloc` (NumPy reports its arrays to it),
    and for CUDA memory when torch runs on a GPU: what one task holds, without the
    one-off imports and model build (a worker builds its model once, for all its
    tasks). With `timed`, a third, untraced run is timed (``chunk_s``; tracing slows a
    run about twofold).
    """
    block = result.data.blocks[index]
    t0 = time.perf_counter()
    block.compute(scheduler="sync")
    first = time.perf_counter() - t0
    torch: Any = sys.modules.get("torch")  # only if the model imported it
    cuda = torch is not None and torch.cuda.is_available()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    resident = reset_resident_peak()
    try:
        block.compute(scheduler="sync")
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        if started:
            tracemalloc.stop()
    if resident is not None:
        peak = max(peak, resident_peak_since(resident))
    gpu = int(torch.cuda.max_memory_allocated()) if cuda else None
    again = None
    if timed:
        t0 = time.perf_counter()
        block.compute(scheduler="sync")
        again = time.perf_counter() - t0
    return Calibration(first, again, int(peak), gpu or None)


def reset_resident_peak() -> int | None:
    """Reset this process's peak resident memory to the current; return the current bytes.

    Linux only (``/proc/self/clear_refs``); None elsewhere or where it is refused.
    The peak is process-wide: memory other threads touch meanwhile counts too, and
    memory the allocator reuses without growing the process does not (what
    :mod:`tracemalloc` sees, for NumPy, makes up for that). Resetting it also resets
    the peak that ``resource.getrusage`` reports for this process.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _status_bytes("VmRSS")
    except (OSError, ValueError):
        return None


def resident_peak_since(resident: int) -> int:
    """Bytes the peak resident memory grew above `resident` (see :func:`reset_resident_peak`)."""
    try:
        return max(0, _status_bytes("VmHWM") - resident)
    except (OSError, ValueError):
        return 0


def _status_bytes(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024  # kB
    raise ValueError(f"no {field} in /proc/self/status")


def worker_capacity(
    client: Any = None,
    *,
    n_workers: int | None = None,
    threads_per_worker: int | None = None,
    memory_limit: str | int = "auto",
    gpus_per_worker: int | None = None,
    processes: bool = True,
) -> WorkerCapacity:
    """The workers of `client`'s cluster, or those a ``LocalCluster`` would start.

    Parameters
    ----------
    client : distributed.Client, optional
        A connected client: its workers are asked.
    n_workers, threads_per_worker, memory_limit, gpus_per_worker, processes
        The local cluster's settings; dask's defaults fill the rest (workers and
        threads from the CPU count, memory shared in proportion to threads).

    Raises
    ------
    ConfigError
        If `memory_limit` is no memory size.
    """
    if client is not None:
        from promethium.distributed.cluster import worker_summary

        summary = worker_summary(client)
        workers = max(int(summary["workers"]), 1)
        return WorkerCapacity(
            int(summary["workers"]), max(1, int(summary["threads"]) // workers),
            int(summary["memory_limit"]), float(summary["gpus"]), "the scheduler's workers",
        )  # fmt: skip
    import logging

    from distributed.worker_memory import parse_memory_limit

    cores = os.cpu_count() or 1
    n_workers, threads_per_worker = local_size(n_workers, threads_per_worker, processes)
    no_size = ConfigError(
        f"memory_limit {memory_limit!r} is no memory size; give e.g. '4GiB' or 'auto'."
    )
    if isinstance(memory_limit, bool):
        raise no_size
    try:
        memory = parse_memory_limit(
            memory_limit, 1, n_workers if memory_limit == "auto" else cores,
            logger=logging.getLogger(__name__),
        )  # fmt: skip
    except (ValueError, TypeError) as err:
        raise no_size from err
    if memory is not None and memory < 0:
        raise no_size
    gpus = float(n_workers * (gpus_per_worker or 0))
    return WorkerCapacity(
        n_workers, threads_per_worker, int(memory or 0), gpus, "a local cluster on this machine"
    )


def local_size(
    n_workers: int | None, threads_per_worker: int | None, processes: bool = True
) -> tuple[int, int]:
    """The workers and threads per worker of a ``LocalCluster``, dask's defaults filled in.

    As ``distributed.deploy.local`` sizes itself from the CPU count when `n_workers` or
    `threads_per_worker` (or both) are None.
    """
    from distributed.deploy.utils import nprocesses_nthreads

    cores = os.cpu_count() or 1
    if threads_per_worker is None:
        if n_workers is None:
            return nprocesses_nthreads(cores) if processes else (1, cores)
        return n_workers, max(1, math.ceil(cores / n_workers))
    if n_workers is None:
        return (max(1, cores // threads_per_worker) if processes else 1), threads_per_worker
    return n_workers, threads_per_worker
