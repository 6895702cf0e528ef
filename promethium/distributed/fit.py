"""Whether a run's tasks fit in its workers' memory: the one estimate and check of plan and batch.

:func:`estimate_run` counts the tasks of every input's lazy reconstruction, keeps the
largest (:func:`~promethium.distributed.estimate.estimate_task`) and runs its chunk here
to measure its peak (:func:`~promethium.distributed.estimate.calibrate`);
:func:`check_fits` refuses a run whose worker would hold more than dask's pause
threshold (80% of its memory limit) with the tasks it runs at once, and says what to
change. ``promethium plan`` and :func:`~promethium.distributed.batch_reconstruct` (and
``promethium batch``) both call them, before starting anything: a plan that ``plan``
refuses is refused by ``batch`` with the same message (``--no-calibrate`` on both
compares the counts alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from promethium.distributed.estimate import PAUSE_FRACTION, estimate_task, task_host_bytes
from promethium.errors import ConfigError
from promethium.ops._memory import format_bytes

if TYPE_CHECKING:
    import xarray as xr

    from promethium.distributed.estimate import Calibration, TaskEstimate, WorkerCapacity

__all__ = [
    "COUNT_MARGIN",
    "RunEstimate",
    "check_fits",
    "clearly_fits",
    "estimate_run",
    "largest_task",
    "task_peak",
]

#: How many times its count a task's measured peak may be before the count alone cannot
#: vouch for it: the largest ratio measured (16x, ``auto`` on small chunks; ``pocs`` 7.7x)
#: with a margin. A batch whose counted tasks fit this many times over is not calibrated.
COUNT_MARGIN = 32


@dataclass(frozen=True)
class RunEstimate:
    """The largest task of a run, and how many tasks the run has.

    Attributes
    ----------
    task : TaskEstimate
        The counted cost of the largest task over every input; its ``tasks`` is the
        run's total (one per output chunk of every input).
    dims : tuple of str
        The dims of the input the largest task belongs to.
    input_index : int
        Which of the inputs that is.
    shape : tuple of int
        That input's output shape.
    batch_size : int
        Patches per batch of the model (0 for a model without patches).
    measured : Calibration or None
        The largest task's chunk run here (None: not calibrated); its peak counts where
        it exceeds the count.
    """

    task: TaskEstimate
    dims: tuple[str, ...]
    input_index: int
    shape: tuple[int, ...]
    batch_size: int = 0
    measured: Calibration | None = None


def largest_task(results: Sequence[xr.DataArray], options: dict[str, Any]) -> RunEstimate:
    """Count every input's largest task; keep the largest, with the run's total of tasks.

    Parameters
    ----------
    results : sequence of xarray.DataArray
        The lazy reconstructions of the inputs (at least one).
    options : dict
        The model's resolved options.
    """
    estimates = [estimate_task(r, options) for r in results]
    index = max(range(len(estimates)), key=lambda i: estimates[i].host_bytes)
    total = sum(e.tasks for e in estimates)
    dims = tuple(str(d) for d in results[index].dims)
    batch = int(options.get("batch_size") or 1) if "patch_size" in options else 0
    shape = tuple(int(n) for n in results[index].shape)
    return RunEstimate(replace(estimates[index], tasks=total), dims, index, shape, batch)


def estimate_run(
    results: Sequence[xr.DataArray], options: dict[str, Any], *, calibrate: bool, timed: bool
) -> RunEstimate:
    """The run's largest task, counted and, with `calibrate`, its chunk run here once.

    Parameters
    ----------
    results : sequence of xarray.DataArray
        The lazy reconstructions of the inputs (at least one).
    options : dict
        The model's resolved options.
    calibrate : bool
        Run the largest task's chunk in this process to measure its peak memory
        (:func:`~promethium.distributed.estimate.calibrate`).
    timed : bool
        Also time a run of that chunk (for a time estimate).
    """
    from promethium.distributed.estimate import calibrate as run_chunk
    from promethium.distributed.estimate import largest_chunk

    run = largest_task(results, options)
    if not calibrate:
        return run
    largest = results[run.input_index]
    return replace(run, measured=run_chunk(largest, largest_chunk(largest), timed=timed))


def task_peak(task: TaskEstimate, measured: Calibration | None = None) -> int:
    """Host bytes of one task: the counted estimate, or the measured peak if larger."""
    return max(task.host_bytes, measured.peak_host_bytes if measured else 0)


def clearly_fits(run: RunEstimate, capacity: WorkerCapacity) -> bool:
    """Whether the run's tasks fit even at :data:`COUNT_MARGIN` times their count.

    Such a run needs no calibration: no measured peak has come near that margin, so
    :func:`check_fits` would pass it measured or not.
    """
    if not capacity.memory_bytes:
        return True
    at_once = min(capacity.threads, run.task.tasks)
    return COUNT_MARGIN * run.task.host_bytes * at_once <= PAUSE_FRACTION * capacity.memory_bytes


def check_fits(run: RunEstimate, capacity: WorkerCapacity) -> None:
    """Refuse a run whose concurrent tasks exceed 80% of a worker's memory limit.

    Parameters
    ----------
    run : RunEstimate
        The run's largest task and number of tasks (with its calibration, whose peak
        counts where it exceeds the count).
    capacity : WorkerCapacity
        The workers (a limit of 0 means none: nothing is refused).

    Raises
    ------
    ConfigError
        Naming the task's peak, the worker's limit, and the fixes: smaller chunks (with
        a size that fits; and a smaller batch of patches when the batch alone fills a
        task's share), fewer threads per worker, more memory per worker.
    """
    if not capacity.memory_bytes:
        return
    task = run.task
    peak, at_once = task_peak(task, run.measured), min(capacity.threads, task.tasks)
    budget = PAUSE_FRACTION * capacity.memory_bytes
    if peak * at_once <= budget:
        return
    threads = (
        "fewer threads per worker (threads_per_worker=1, --threads-per-worker 1), "
        if at_once > 1
        else ""
    )
    raise ConfigError(
        f"the plan does not fit: a task needs about {format_bytes(peak)} and a worker runs "
        f"{at_once} at once ({format_bytes(peak * at_once)}), above 80% of its "
        f"{format_bytes(capacity.memory_bytes)} memory limit, where dask pauses it. Use "
        f"{_smaller(run, peak, budget / at_once)}, {threads}or more memory per worker "
        "(memory_limit, --memory-limit; fewer workers share a machine's memory)."
    )


def _smaller(run: RunEstimate, peak: int, per_task: float) -> str:
    """Chunks that fit `per_task` bytes, with a smaller batch where the batch fills it.

    The batch of patches does not shrink with the chunk: when it alone fills the task's
    share, it is cut to half of it. Then the chunk shrinks along the slowest dims (the
    vertical one last), each to the largest size whose counted cost, scaled as the
    measured peak exceeds the count, fits.
    """
    task = run.task
    batch_bytes, batch_text = task.batch_bytes, ""
    if batch_bytes >= per_task and run.batch_size > 1:
        batch = max(1, int(run.batch_size * per_task / (2 * batch_bytes)))
        batch_bytes = task.batch_bytes * batch // run.batch_size
        batch_text = f"a smaller batch (batch_size={batch}, -o batch_size={batch}) and "
    scale = peak / max(task.host_bytes, 1)

    def cost(chunk: tuple[int, ...]) -> float:
        return scale * task_host_bytes(chunk, run.shape, task.halo, batch_bytes)

    chunk, sizes = list(task.chunk), {}
    for axis in [*range(len(chunk) - 1), len(chunk) - 1]:
        if cost(tuple(chunk)) <= per_task:
            break
        if chunk[axis] <= 1:
            continue
        size = 1
        for n in range(chunk[axis] - 1, 0, -1):
            if cost((*chunk[:axis], n, *chunk[axis + 1 :])) <= per_task:
                size = n
                break
        chunk[axis] = sizes[run.dims[axis]] = size
    given = ", ".join(f"{d!r}: {n}" for d, n in sizes.items())
    flags = " ".join(f"--chunks {d}={n}" for d, n in sizes.items())
    return f"{batch_text}smaller chunks (chunks={{{given}}}, {flags})"
