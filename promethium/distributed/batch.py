"""``pm.batch_reconstruct``: many inputs, or one large survey by chunks, on dask.distributed.

The driver (this process) checks everything it can before any work starts, then keeps a
bounded number of inputs open: for each it submits one task per unfinished output chunk
(:mod:`promethium.distributed.job`), counts what comes back, and once every chunk of an
input is recorded submits the atomic writes of its outputs. A chunk whose task ran out
of device memory is submitted again with half the batch size. An input that fails is
reported with its error; the others carry on.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import uuid
import warnings
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promethium.distributed.cluster import ClusterSpec, open_client, worker_summary
from promethium.distributed.job import InputJob, RunSettings, is_zarr_input
from promethium.distributed.manifest import ChunkRecord
from promethium.distributed.progress import BatchProgress
from promethium.errors import BatchError, ConfigError, PromethiumWarning

if TYPE_CHECKING:
    from distributed import Client, Future

    from promethium.io.pending import PendingWrite
    from promethium.registry import Registry
    from promethium.typing import PathType

__all__ = ["BatchResult", "InputResult", "batch_reconstruct", "is_device_oom"]

logger = logging.getLogger(__name__)

_FORMATS = ("zarr", "segy")


@dataclass(frozen=True)
class InputResult:
    """What a batch run did with one input.

    Attributes
    ----------
    source : pathlib.Path
        The input.
    status : {"written", "up to date", "failed"}
        Outputs written now, already complete from an earlier run, or not written.
    outputs : tuple of pathlib.Path
        The final outputs (in place unless `status` is ``"failed"``).
    error : str or None
        The error, for a failed input.
    chunks_total, chunks_computed, chunks_reused : int
        Output chunks, those this run computed, and those a previous run had finished.
    traces, filled : int
        Trace positions of the output, and how many a model filled.
    """

    source: Path
    status: str
    outputs: tuple[Path, ...]
    error: str | None
    chunks_total: int
    chunks_computed: int
    chunks_reused: int
    traces: int
    filled: int


@dataclass(frozen=True)
class BatchResult:
    """What a batch run did, input by input.

    Attributes
    ----------
    inputs : tuple of InputResult
        One per input, in the order given.
    dashboard : str or None
        The dask dashboard's address during the run.
    seconds : float
        Wall time of the run.
    """

    inputs: tuple[InputResult, ...]
    dashboard: str | None
    seconds: float

    @property
    def failed(self) -> tuple[InputResult, ...]:
        """The inputs that failed."""
        return tuple(r for r in self.inputs if r.status == "failed")

    def summary(self) -> str:
        """Lines for people: one per input."""
        lines = []
        for r in self.inputs:
            if r.status == "failed":
                lines.append(f"FAILED {r.source}: {r.error}")
            else:
                names = ", ".join(str(p) for p in r.outputs)
                chunks = f"{r.chunks_computed} chunk(s) computed, {r.chunks_reused} reused"
                what = "up to date" if r.status == "up to date" else chunks
                lines.append(f"{r.status} {names}: {r.filled} of {r.traces} traces filled ({what})")
        return "\n".join(lines)


def batch_reconstruct(
    inputs: PathType | Sequence[PathType],
    output_dir: PathType,
    *,
    model: str = "auto",
    client: Client | str | None = None,
    resume: bool = True,
    overwrite: bool = False,
    formats: Sequence[str] = _FORMATS,
    chunks: Mapping[str, int] | None = None,
    config: Mapping[str, Any] | None = None,
    weights: PathType | None = None,
    keep_observed: bool = True,
    extrapolate: bool = False,
    refill: bool = False,
    segy: Mapping[str, Any] | None = None,
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
        `memory_limit`, `processes`) for the run.
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
        not write (without `overwrite`), an unknown model or option, a bad scheduler
        address or no scheduler there.
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
    sources = _sources(inputs)
    out = _output_dir(output_dir)
    fmt = _formats(formats)
    if errors not in ("raise", "report"):
        raise ConfigError(f"errors must be 'raise' or 'report'; got {errors!r}.")
    settings, spec_has_device = _settings(
        model, config, options, registry,
        {"keep_observed": keep_observed, "extrapolate": extrapolate, "refill": refill},
        chunks, segy, fmt,
    )  # fmt: skip
    jobs = [InputJob.for_source(s, out, fmt) for s in sources]
    _check_jobs(jobs, overwrite)
    spec = ClusterSpec(
        n_workers=n_workers, threads_per_worker=threads_per_worker,
        gpus_per_worker=gpus_per_worker, memory_limit=memory_limit, processes=processes,
        dashboard_address=dashboard_address,
    )  # fmt: skip
    with open_client(client, spec) as active:
        _make_folder(out)
        dashboard = _dashboard(active)
        resources = _resources(active, settings, spec_has_device)
        run = _Run(active, jobs, settings, resume, registry, resources, progress, dashboard)
        run.run()
    results = tuple(_result(job) for job in jobs)
    result = BatchResult(results, dashboard, time.perf_counter() - start)
    if errors == "raise" and result.failed:
        names = "; ".join(f"{r.source}: {r.error}" for r in result.failed)
        raise BatchError(
            f"{len(result.failed)} of {len(results)} input(s) failed ({names}); the others "
            "are complete.",
            result,
        )
    return result


def is_device_oom(err: BaseException) -> bool:
    """Whether `err` is an out-of-memory error of an accelerator (CUDA, MPS)."""
    torch = sys.modules.get("torch")
    oom = getattr(getattr(torch, "cuda", None), "OutOfMemoryError", None)
    if isinstance(oom, type) and isinstance(err, oom):
        return True
    text = str(err).lower()
    return (
        isinstance(err, RuntimeError)
        and "out of memory" in text
        and ("cuda" in text or "mps" in text or "device" in text)
    )


# -- checks before any work -------------------------------------------------------------
def _sources(inputs: PathType | Sequence[PathType]) -> list[Path]:
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    sources = [Path(p).absolute() for p in inputs]
    if not sources:
        raise ConfigError("nothing to do: no input given; pass SEG-Y files or Zarr stores.")
    missing = [str(p) for p in sources if not p.exists()]
    if missing:
        raise ConfigError(f"input(s) not found: {', '.join(missing)}; nothing was started.")
    return sources


def _output_dir(output_dir: PathType) -> Path:
    out = Path(output_dir).absolute()
    if out.exists() and not out.is_dir():
        raise ConfigError(
            f"the output folder {out} is a file; give a folder (it is created if missing)."
        )
    if is_zarr_input(out):
        raise ConfigError(
            f"the output folder {out} is a Zarr store; give a folder to hold the outputs."
        )
    return out


def _make_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigError(f"cannot create the output folder {out}: {err.strerror}.") from err


def _formats(formats: Sequence[str]) -> tuple[str, ...]:
    given = (formats,) if isinstance(formats, str) else tuple(formats)
    unknown = [f for f in given if f not in _FORMATS]
    if unknown or not given:
        raise ConfigError(f"formats must be among {list(_FORMATS)}; got {list(given)}.")
    return tuple(f for f in _FORMATS if f in given)


def _settings(
    model: str,
    config: Mapping[str, Any] | None,
    options: dict[str, Any],
    registry: Registry | None,
    front_door: dict[str, Any],
    chunks: Mapping[str, int] | None,
    segy: Mapping[str, Any] | None,
    formats: tuple[str, ...],
) -> tuple[RunSettings, bool]:
    from promethium.plugins import default_registry
    from promethium.reconstruct import model_options

    if "return_uncertainty" in options:
        raise ConfigError(
            "batch_reconstruct writes the reconstruction itself; run pm.reconstruct with "
            "return_uncertainty=True for the mean and std."
        )
    reg = default_registry() if registry is None else registry
    spec = reg.get(model)
    reg.build(spec.name, config)  # the configuration, checked as the run checks it
    resolved = model_options(spec, options).model_dump(mode="json")
    settings = RunSettings(
        model=model,
        config=dict(config or {}),
        options=dict(options),
        resolved=resolved,
        front_door=front_door,
        chunks=dict(chunks) if chunks is not None else None,
        segy=dict(segy or {}),
        formats=formats,
        model_version=f"{spec.plugin} {spec.plugin_version} {spec.version}",
    )
    return settings, "device" in resolved


def _check_jobs(jobs: list[InputJob], overwrite: bool) -> None:
    seen: dict[Path, Path] = {}
    for job in jobs:
        for target in job.targets.values():
            other = seen.get(target)
            if other is not None:
                raise ConfigError(
                    f"inputs {other} and {job.source} would both write {target}; rename one "
                    "or run them into different output folders."
                )
            seen[target] = job.source
    sources = {j.source.resolve() for j in jobs}
    for job in jobs:
        for target in job.targets.values():
            if target.resolve() in sources:
                raise ConfigError(
                    f"the output {target} is an input; inputs are never modified: choose "
                    "another output folder."
                )
        job.check_targets(overwrite=overwrite)


def _dashboard(client: Client) -> str | None:
    try:
        link = client.dashboard_link
    except (KeyError, AttributeError):
        return None
    return str(link) if link else None


def _resources(client: Client, settings: RunSettings, has_device: bool) -> dict[str, float] | None:
    """``{"GPU": 1}`` when a device model runs where workers offer GPUs."""
    if not has_device:
        return None
    device = str(settings.resolved.get("device", "cpu"))
    gpus = worker_summary(client)["gpus"]
    if device == "cpu":
        return None
    if gpus > 0:
        return {"GPU": 1}
    if device.startswith("cuda"):
        warnings.warn(
            f"device={device!r} but no worker offers the resource 'GPU': tasks do not "
            "reserve a GPU and several may share one. Start workers with --resources "
            "GPU=1 (or gpus_per_worker=1; dask-cuda does it per GPU).",
            PromethiumWarning,
            stacklevel=3,
        )
    return None


def _result(job: InputJob) -> InputResult:
    total = job.total
    status = {"complete": "written", "up to date": "up to date"}.get(job.status, "failed")
    error = job.error if status == "failed" else None
    if status == "failed" and error is None:
        error = "interrupted before it finished"
    return InputResult(
        job.source, status, tuple(job.targets.values()), error, total, job.computed,
        job.reused, job.traces, job.filled,
    )  # fmt: skip


# -- the driver loop --------------------------------------------------------------------
class _Run:
    """Submit chunk tasks and writes, input by input, and count what comes back."""

    def __init__(
        self,
        client: Client,
        jobs: list[InputJob],
        settings: RunSettings,
        resume: bool,
        registry: Registry | None,
        resources: dict[str, float] | None,
        progress: Callable[[BatchProgress], None] | None,
        dashboard: str | None,
    ) -> None:
        from distributed import as_completed

        self.client = client
        self.jobs = jobs
        self.settings = settings
        self.resume = resume
        self.registry = registry
        self.resources = resources
        self.progress = progress
        self.dashboard = dashboard
        self.run_id = uuid.uuid4().hex
        self.queue = deque(jobs)
        self.active: set[int] = set()
        self.owner: dict[Future, tuple[InputJob, tuple[int, ...] | None]] = {}
        self.writes: dict[int, list[PendingWrite]] = {}
        self.futures: dict[int, set[Future]] = {}
        self.pending = as_completed()
        threads = max(1, int(worker_summary(client)["threads"]))
        self.max_active = max(2, 2 * threads)
        self.started = time.perf_counter()
        self.computed = 0

    def run(self) -> None:
        try:
            self._fill()
            self._report()
            for future in self.pending:
                entry = self.owner.pop(future, None)
                if entry is None:
                    continue  # cancelled with its input
                job, index = entry
                self.futures[id(job)].discard(future)
                if index is None:
                    self._write_done(job, future)
                else:
                    self._chunk_done(job, index, future)
                future.release()
                self._fill()
                self._report()
        except BaseException:
            self._cancel_all()
            raise

    # -- inputs ---------------------------------------------------------------------
    def _fill(self) -> None:
        while self.queue and len(self.active) < self.max_active:
            job = self.queue.popleft()
            try:
                if job.up_to_date(self.settings, resume=self.resume):
                    job.status = "up to date"
                    logger.info("%s: outputs up to date", job.source)
                    continue
                job.prepare(
                    self.settings, resume=self.resume, registry=self.registry,
                    resources=self.resources,
                )  # fmt: skip
                self.active.add(id(job))
                self.futures[id(job)] = set()
                if job.pending:
                    self._submit_chunks(job)
                else:
                    self._submit_writes(job)
            except Exception as err:  # this input fails; the others carry on
                self._fail(job, err)

    def _submit_chunks(self, job: InputJob) -> None:
        tasks = job.chunk_tasks(self.run_id)
        futures = self.client.compute(list(tasks.values()))
        for index, future in zip(tasks, futures, strict=True):
            self._track(job, index, future)
        job.status = "running"

    def _submit_writes(self, job: InputJob) -> None:
        writes = job.writes()
        self.writes[id(job)] = writes
        for future in self.client.compute(writes):
            self._track(job, None, future)
        job.status = "writing"

    def _track(self, job: InputJob, index: tuple[int, ...] | None, future: Future) -> None:
        self.owner[future] = (job, index)
        self.futures[id(job)].add(future)
        self.pending.add(future)

    # -- results --------------------------------------------------------------------
    def _chunk_done(self, job: InputJob, index: tuple[int, ...], future: Future) -> None:
        if future.status == "finished":
            job.done[index] = ChunkRecord.from_json(future.result())
            job.computed += 1
            self.computed += 1
            if not job.pending and not self.futures[id(job)]:
                self._guarded(job, self._submit_writes)
            return
        err = future.exception()
        if is_device_oom(err) and self._guarded(job, self._back_off):
            return
        if job.status != "failed":
            self._fail(job, err)

    def _guarded(self, job: InputJob, step: Callable[[InputJob], Any]) -> Any:
        """Run ``step(job)``; an error fails this input only (returns None)."""
        try:
            return step(job)
        except Exception as err:
            self._fail(job, err)
            return None

    def _back_off(self, job: InputJob) -> bool:
        """Resubmit `job`'s unfinished chunks with half the batch size; False if at 1."""
        current = job.batch_size or int(self.settings.resolved.get("batch_size") or 1)
        if "batch_size" not in self.settings.resolved or current <= 1:
            return False
        self._cancel(job)
        job.batch_size = max(1, current // 2)
        logger.warning(
            "%s: out of device memory; retrying with batch_size=%d", job.source, job.batch_size
        )
        job.prepare(self.settings, resume=True, registry=self.registry, resources=self.resources)
        self._submit_chunks(job)
        return True

    def _write_done(self, job: InputJob, future: Future) -> None:
        if future.status != "finished":
            for write in self.writes.pop(id(job), []):
                write.abort()
            self._fail(job, future.exception())
            return
        if self.futures[id(job)]:
            return  # the other output is still being written
        self.writes.pop(id(job), None)
        job.work.mark_complete({**job.run, "traces": job.traces, "filled": job.filled})
        job.status = "complete"
        job.result = None  # the graph is no longer needed: keep the driver small
        self.active.discard(id(job))
        logger.info("%s: outputs written", job.source)

    def _fail(self, job: InputJob, err: BaseException | None) -> None:
        self._cancel(job)
        for write in self.writes.pop(id(job), []):
            write.abort()
        job.status = "failed"
        job.result = None
        job.error = f"{type(err).__name__}: {err}"
        self.active.discard(id(job))
        logger.info("%s failed: %s", job.source, job.error)

    def _cancel(self, job: InputJob) -> None:
        futures = list(self.futures.get(id(job), ()))
        for future in futures:
            self.owner.pop(future, None)
        if futures:
            self.client.cancel(futures)
        self.futures[id(job)] = set()

    def _cancel_all(self) -> None:
        for job in self.jobs:
            if id(job) in self.futures:
                self._cancel(job)
            for write in self.writes.pop(id(job), []):
                write.abort()

    def _report(self) -> None:
        if self.progress is None:
            return
        opened = [j for j in self.jobs if j.total]
        elapsed = time.perf_counter() - self.started
        self.progress(
            BatchProgress(
                files_total=len(self.jobs),
                files_done=sum(j.status in ("complete", "up to date") for j in self.jobs),
                files_failed=sum(j.status == "failed" for j in self.jobs),
                chunks_total=sum(j.total for j in opened),
                chunks_done=sum(len(j.done) for j in opened),
                chunks_computed=self.computed,
                elapsed_s=elapsed,
                rate=self.computed / elapsed if self.computed and elapsed > 0 else 0.0,
                dashboard=self.dashboard,
            )
        )
