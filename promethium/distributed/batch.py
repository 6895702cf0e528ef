"""``pm.batch_reconstruct``: many inputs, or one large survey by chunks, on dask.distributed.

The front door: it checks everything it can before any work starts
(:mod:`promethium.distributed.checks`), opens the client
(:mod:`promethium.distributed.cluster`), hands the inputs to the driver loop
(:mod:`promethium.distributed.driver`) and reports each input's outcome
(:mod:`promethium.distributed.result`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promethium.distributed.checks import (
    FORMATS,
    check_jobs,
    checked_chunks,
    checked_formats,
    checked_output_dir,
    checked_sources,
    lazy_inputs,
    make_output_dir,
    run_estimate,
    run_settings,
)
from promethium.distributed.cluster import (
    ClusterSpec,
    dashboard_link,
    open_client,
    task_resources,
    warn_ignored_sizes,
)
from promethium.distributed.driver import BatchDriver
from promethium.distributed.estimate import worker_capacity
from promethium.distributed.fit import check_fits
from promethium.distributed.job import InputJob
from promethium.distributed.result import BatchResult, input_result
from promethium.errors import BatchError, ConfigError

if TYPE_CHECKING:
    from distributed import Client

    from promethium.distributed.progress import BatchProgress
    from promethium.registry import Registry
    from promethium.typing import PathType

__all__ = ["batch_reconstruct"]


def batch_reconstruct(
    inputs: PathType | Sequence[PathType],
    output_dir: PathType,
    *,
    model: str = "auto",
    client: Client | str | None = None,
    resume: bool = True,
    overwrite: bool = False,
    formats: Sequence[str] = FORMATS,
    chunks: Mapping[str, int] | None = None,
    config: Mapping[str, Any] | None = None,
    weights: PathType | None = None,
    keep_observed: bool = True,
    extrapolate: bool = False,
    refill: bool = False,
    segy: Mapping[str, Any] | None = None,
    calibrate: bool = True,
    n_workers: int | None = None,
    threads_per_worker: int | None = None,
    gpus_per_worker: int | None = None,
    memory_limit: str | int = "auto",
    processes: bool = True,
    dashboard_address: str | None = ":0",
    registry: Registry | None = None,
    progress: Callable[[BatchProgress], None] | None = None,
    errors: str = "raise",
    **options: Any,
) -> BatchResult:
    """Reconstruct many inputs (or one large one, chunk by chunk) on dask.distributed.

    Each input (SEG-Y file or Zarr store) is reconstructed as :func:`promethium.reconstruct`
    would, chunk by chunk on the cluster. Every finished chunk is saved with a record in
    a manifest under ``output_dir/.promethium-batch/``; when all are done the outputs
    are written from them: ``output_dir/<name>.zarr`` and, for a SEG-Y input,
    ``output_dir/<name>.sgy`` with the input's headers (every original header byte kept,
    filled positions inserted in sort order). Outputs appear under their names only
    when complete. Inputs are never modified. Run the same call again after a crash and
    only the unfinished chunks are computed; the outputs equal an uninterrupted run's.

    Parameters
    ----------
    inputs : path or sequence of paths
        SEG-Y files and Zarr stores.
    output_dir : path
        Folder of the outputs (created if missing). On a cluster of several machines
        it must be on a file system every worker sees.
    model : str, default "auto"
        A registered model name (see :func:`promethium.list_models`).
    client : distributed.Client, str or None
        A client, a scheduler address (``"tcp://host:8786"``; dask-jobqueue and
        dask-cuda clusters give one), or None to start a ``LocalCluster`` sized to the
        machine (or by `n_workers`, `threads_per_worker`, `gpus_per_worker`,
        `memory_limit`, `processes`) for the run. With a client or an address, those
        sizes are ignored (a ``PromethiumWarning`` says so): its workers run the tasks.
    resume : bool, default True
        Reuse the chunks an earlier run with the same input and settings finished (and
        skip inputs whose outputs are complete). False recomputes everything.
    overwrite : bool, default False
        Replace outputs this batch did not write. Outputs of an earlier batch run into
        `output_dir` are replaced when their input or settings changed.
    formats : sequence of {"zarr", "segy"}
        Outputs per input; ``"segy"`` applies to SEG-Y inputs.
    chunks : mapping, optional
        Chunk sizes by dim for reading inputs (e.g. ``{"iline": 16}``): one task per
        output chunk. The readers' defaults otherwise.
    config : mapping, optional
        Model configuration overrides, passed to the model's factory.
    weights : path, optional
        Trained weights of a network model (as for :func:`promethium.reconstruct`).
    keep_observed, extrapolate, refill : bool
        As for :func:`promethium.reconstruct`.
    segy : mapping, optional
        Keyword arguments of :func:`promethium.open_segy` (``iline``, ``profile``,
        ``geometry``, ...).
    calibrate : bool, default True
        Before starting, where the counted tasks do not fit the workers' limit with
        room to spare (:func:`promethium.distributed.fit.clearly_fits`), run the
        largest task's chunk in this process and check its measured peak memory
        against the limit, as ``promethium plan`` does
        (:func:`promethium.distributed.fit.estimate_run`). False checks the counted
        estimate alone (it can miss a model's own buffers).
    n_workers, threads_per_worker, gpus_per_worker, memory_limit, processes
        The ``LocalCluster`` started when `client` is None (its dashboard listens at
        `dashboard_address`, a free port by default; None turns it off). With `gpus_per_worker`,
        workers offer the resource ``GPU`` and each task of a model with a ``device``
        option asks for ``GPU=1``.
    registry : Registry, optional
        Where to look the model up; the installed plugins by default.
    progress : callable, optional
        Called with a :class:`BatchProgress` whenever a chunk or an input finishes.
    errors : {"raise", "report"}
        After the run, raise :class:`~promethium.errors.BatchError` if an input failed
        (default), or only report it in the result.
    **options
        The model's options (``patch_size``, ``batch_size``, ``n_iter``, ``device``...).

    Returns
    -------
    BatchResult
        What happened to each input.

    Raises
    ------
    ConfigError
        Before any work: no input, an input missing, two inputs with the same output
        name, an output that is an input, `output_dir` a file, an output this batch did
        not write (without `overwrite`), an unknown model or option, a local cluster
        that cannot be meant (more worker processes than the machine's memory holds, or
        more than 8 threads per CPU core in all: see
        :class:`~promethium.distributed.cluster.ClusterSpec`), a chunk size that is not
        positive (or chunks of dims no input has), a bad scheduler address or no
        scheduler there, or tasks that would not fit in a worker's memory (the estimate,
        check and message of ``promethium plan``:
        :func:`promethium.distributed.fit.estimate_run` and
        :func:`~promethium.distributed.fit.check_fits`).
    BatchError
        With ``errors="raise"``, if any input failed (the others are complete); its
        ``result`` attribute is the :class:`BatchResult`.

    Notes
    -----
    Tasks carry only references to the model (its name, config and options); each
    worker builds a model once and caches it. When a chunk fails with an out-of-memory
    error of the device, the input's remaining chunks are submitted again with half
    the ``batch_size``, down to 1 (the output does not depend on the batch size).
    See ``docs/distributed.md`` for the manifest's layout and cluster recipes.

    Examples
    --------
    >>> import promethium as pm, tempfile, pathlib  # doctest: +SKIP
    >>> result = pm.batch_reconstruct(["a.sgy", "b.sgy"], "out", model="pocs")  # doctest: +SKIP
    >>> print(result.summary())  # doctest: +SKIP
    """
    start = time.perf_counter()
    if weights is not None:
        config = {**(config or {}), "weights": os.fspath(Path(weights).absolute())}
    sources = checked_sources(inputs)
    out = checked_output_dir(output_dir)
    fmt = checked_formats(formats)
    if errors not in ("raise", "report"):
        raise ConfigError(f"errors must be 'raise' or 'report'; got {errors!r}.")
    settings = run_settings(
        model, config, options, registry,
        {"keep_observed": keep_observed, "extrapolate": extrapolate, "refill": refill},
        checked_chunks(chunks), segy, fmt,
    )  # fmt: skip
    jobs = [InputJob.for_source(s, out, fmt) for s in sources]
    check_jobs(jobs, overwrite)
    spec, local = None, None
    if client is None:
        spec = ClusterSpec(
            n_workers=n_workers, threads_per_worker=threads_per_worker,
            gpus_per_worker=gpus_per_worker, memory_limit=memory_limit, processes=processes,
            dashboard_address=dashboard_address,
        )  # fmt: skip
        local = worker_capacity(**spec.capacity_kwargs())
    else:
        where = client if isinstance(client, str) else "the client given"
        warn_ignored_sizes(where, {
            "n_workers": n_workers, "threads_per_worker": threads_per_worker,
            "gpus_per_worker": gpus_per_worker, "processes": None if processes else False,
            "memory_limit": None if memory_limit == "auto" else memory_limit,
        })  # fmt: skip
    opened = lazy_inputs(jobs, settings, registry)
    if opened and local is not None:  # before a cluster starts
        check_fits(run_estimate(opened, settings, local, calibrate=calibrate), local)
    device = settings.resolved.get("device")
    with open_client(client, spec) as active:
        if opened and local is None:
            capacity = worker_capacity(active)
            check_fits(run_estimate(opened, settings, capacity, calibrate=calibrate), capacity)
        del opened  # the run opens each input again, a bounded number at a time
        make_output_dir(out)
        dashboard = dashboard_link(active)
        resources = task_resources(active, None if device is None else str(device))
        driver = BatchDriver(
            active, jobs, settings, resume, registry, resources, progress, dashboard
        )
        driver.run()
    results = tuple(input_result(job) for job in jobs)
    result = BatchResult(results, dashboard, time.perf_counter() - start)
    if errors == "raise" and result.failed:
        names = "; ".join(f"{r.source}: {r.error}" for r in result.failed)
        raise BatchError(
            f"{len(result.failed)} of {len(results)} input(s) failed ({names}); the others "
            "are complete.",
            result,
        )
    return result
