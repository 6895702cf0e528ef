"""``promethium plan``: a batch run's chunks, halo, tasks, memory and time, before running it.

The plan resolves the model and options as ``reconstruct --dry-run`` does
(:mod:`promethium.cli.plan`), builds each input's lazy reconstruction (headers only), counts
the memory of the largest task (:mod:`promethium.distributed.estimate`), runs that chunk
once here to calibrate, and refuses a plan whose tasks would not fit in a worker's memory
(:func:`promethium.distributed.fit.estimate_run` and
:func:`~promethium.distributed.fit.check_fits`, the estimate and check `batch` makes too).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from promethium.cli.batch import parse_chunks
from promethium.cli.choices import complete_models
from promethium.cli.files import local_path
from promethium.cli.model_options import checked_options, key_values
from promethium.cli.options import (
    Chunks,
    ModelConfig,
    ModelOptions,
    shared_options,
)
from promethium.cli.plan import RunPlan, add_model, byte_size, chunk_text

if TYPE_CHECKING:
    import xarray as xr

    from promethium.distributed.estimate import Calibration, WorkerCapacity
    from promethium.distributed.fit import RunEstimate

__all__ = ["plan"]


@shared_options()
def plan(
    inputs: Annotated[
        list[Path],
        typer.Argument(parser=local_path, help="Input SEG-Y files and Zarr stores."),
    ],
    model: Annotated[
        str,
        typer.Option("--model", "-m", help="Model name.", autocompletion=complete_models),
    ] = "auto",
    scheduler: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Plan for the workers of a running scheduler.", metavar="ADDR"),
    ] = None,
    workers: Annotated[Optional[int], typer.Option(help="Local cluster: workers.")] = None,  # noqa: UP045
    threads_per_worker: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(help="Local cluster: threads per worker."),
    ] = None,
    gpus_per_worker: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(help="Local cluster: GPUs per worker."),
    ] = None,
    memory_limit: Annotated[
        str, typer.Option(help="Local cluster: memory per worker (default auto).")
    ] = "auto",
    chunks: Chunks = None,
    option: ModelOptions = None,
    config: ModelConfig = None,
    calibrate: Annotated[
        bool,
        typer.Option(help="Run the largest chunk once here to measure time and memory."),
    ] = True,
    *,
    segy: dict[str, Any],
) -> None:
    """Plan a batch run (dry run): chunks, halo, tasks, memory per task and time.

    One chunk is run here to calibrate (--no-calibrate skips it). Exits with status 1,
    saying how to fix it, when a worker could not hold the tasks it runs at once.
    """
    import promethium as pm
    from promethium.distributed.checks import FORMATS, run_settings
    from promethium.distributed.cluster import ClusterSpec, open_client, warn_ignored_sizes
    from promethium.distributed.estimate import worker_capacity
    from promethium.distributed.fit import check_fits, estimate_run
    from promethium.distributed.job import lazy_reconstruction

    options: dict[str, Any] = key_values(option or [], "--option")
    checked_options(model, options)
    model_config = key_values(config or [], "--config") or None
    sizes = parse_chunks(chunks or [])
    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        raise pm.ConfigError(f"input(s) not found: {', '.join(missing)}.")
    if scheduler is not None:
        warn_ignored_sizes(scheduler, {
            "--workers": workers, "--threads-per-worker": threads_per_worker,
            "--gpus-per-worker": gpus_per_worker,
            "--memory-limit": None if memory_limit == "auto" else memory_limit,
        })  # fmt: skip
        with open_client(scheduler) as client:
            capacity = worker_capacity(client)
    else:  # the sizes batch would refuse are refused here
        spec = ClusterSpec(
            n_workers=workers, threads_per_worker=threads_per_worker,
            memory_limit=memory_limit, gpus_per_worker=gpus_per_worker,
        )  # fmt: skip
        capacity = worker_capacity(**spec.capacity_kwargs())
    runplan = RunPlan()
    runplan.add(
        "dry run",
        "nothing is written" + (" (one chunk runs here)" if calibrate else ""),
    )
    resolved = add_model(runplan, model, model_config, options, {})
    # The settings and lazy reconstructions of batch, so that both estimate the same run.
    front_door = {"keep_observed": True, "extrapolate": False, "refill": False}
    settings = run_settings(model, model_config, options, None, front_door, sizes, segy,
                            FORMATS)  # fmt: skip
    results = []
    for path in inputs:
        result = lazy_reconstruction(path.absolute(), settings, None, concrete_mask=False)
        results.append(result)
        dims = ", ".join(f"{d}={n}" for d, n in result.sizes.items())
        runplan.add("input", f"{path} ({dims}); output chunks {chunk_text(result)}")
    estimate = estimate_run(results, resolved, calibrate=calibrate, timed=True)
    _describe(runplan, results, estimate, capacity, resolved)
    typer.echo(runplan.to_text())
    check_fits(estimate, capacity)


def _describe(
    runplan: RunPlan,
    results: list[xr.DataArray],
    run: RunEstimate,
    capacity: WorkerCapacity,
    resolved: dict[str, Any],
) -> None:
    from promethium.distributed.fit import task_peak

    estimate, tasks, measured = run.task, run.task.tasks, run.measured
    if estimate.halo is None:
        runplan.add("halo", "none: the model fills each chunk on its own")
    else:
        ht, hv = estimate.halo
        runplan.add("halo", f"{ht} traces, {hv} samples on each side of a chunk (patch - 1)")
    runplan.add("tasks", f"{tasks} (one per output chunk, {len(results)} input(s))")
    memory = byte_size(capacity.memory_bytes) if capacity.memory_bytes else "no limit"
    gpus = f", {capacity.gpus:g} GPU(s)" if capacity.gpus else ""
    runplan.add(
        "workers", f"{capacity.workers} x {capacity.threads} thread(s), {memory} each{gpus} "
        f"({capacity.source})",
    )  # fmt: skip
    shape = "x".join(str(n) for n in estimate.chunk)
    host = f"{byte_size(estimate.host_bytes)} counted"
    if measured is not None:
        host += f", {byte_size(measured.peak_host_bytes)} measured"
    runplan.add("memory per task", f"host {host} (largest chunk {shape})")
    runplan.add("GPU per task", _gpu_text(run, measured, resolved))
    peak, at_once = task_peak(estimate, measured), min(capacity.threads, tasks)
    runplan.add(
        "peak per worker", f"{byte_size(peak * at_once)} ({at_once} task(s) at once; dask "
        "pauses a worker at 80% of its limit)",
    )  # fmt: skip
    if measured is None or measured.chunk_s is None:
        runplan.add("time", "not calibrated (--calibrate runs one chunk here)")
        return
    runplan.add("calibration", f"first run {measured.first_s:.2f} s (model built, input read), "
                f"then {measured.chunk_s:.2f} s per chunk")  # fmt: skip
    parallel = capacity.workers * capacity.threads
    if estimate.batch_bytes and capacity.gpus and str(resolved.get("device", "cpu")) != "cpu":
        parallel = min(parallel, int(capacity.gpus))  # GPU tasks: one per GPU
    total_elements = sum(math.prod(r.shape) for r in results)
    per_element = measured.chunk_s / max(math.prod(estimate.chunk), 1)
    seconds = per_element * total_elements / max(1, min(parallel, tasks))
    runplan.add("time estimate", f"~{_duration(seconds)} on {min(parallel, tasks)} parallel "
                "task slot(s), at this machine's speed for the calibrated chunk")  # fmt: skip


def _gpu_text(run: RunEstimate, measured: Calibration | None, resolved: dict[str, Any]) -> str:
    if "device" not in resolved:
        return "none (the model runs on the CPU)"
    if measured is not None and measured.peak_gpu_bytes:
        return f"{byte_size(measured.peak_gpu_bytes)} measured (torch peak allocation)"
    from promethium.ml.device import resolve_device

    device = resolve_device(str(resolved["device"]))
    if device == "cpu":
        return f"none here (device {resolved['device']!r} resolves to cpu on this machine)"
    return f"{byte_size(run.task.batch_bytes)} per batch of patches, plus the model"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
