"""The driver loop of a batch run: submit each input's chunk tasks and writes, count results.

The driver (the calling process) keeps a bounded number of inputs open (twice the
cluster's threads, at most :data:`MAX_OPEN_INPUTS`): for each it submits one task per
unfinished output chunk (:mod:`promethium.distributed.job`), records what comes back,
and once every chunk of an input is recorded submits the atomic writes of its outputs.
A chunk whose task ran out of device memory is submitted again with half the batch
size. An input that fails is reported with its error; the others carry on.
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from promethium.distributed.cluster import worker_summary
from promethium.distributed.manifest import ChunkRecord
from promethium.distributed.progress import BatchProgress

if TYPE_CHECKING:
    from distributed import Client, Future

    from promethium.distributed.job import InputJob, RunSettings
    from promethium.io.pending import PendingWrite
    from promethium.registry import Registry

__all__ = ["MAX_OPEN_INPUTS", "BatchDriver", "is_device_oom"]

logger = logging.getLogger(__name__)

#: The most inputs the driver keeps open at once, however many threads the cluster has.
#: Each open input holds its lazy graph, trace mask and chunk records in the driver, and
#: the driver opens inputs one at a time (headers read, graph built here): twice the
#: threads keeps every thread busy even when each input is one chunk, but a cluster of
#: thousands of threads would have every input of a large batch open at once, all their
#: graphs in this process, without finishing any sooner. 64 keeps 32 threads busy on
#: inputs of one chunk; an input of several chunks keeps several busy by itself.
MAX_OPEN_INPUTS = 64


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


def _error(value: Any) -> BaseException:
    """The exception of a failed future from ``as_completed(with_results=True)``."""
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], BaseException):
        return value[1]  # (type, exception, traceback)
    if isinstance(value, BaseException):
        return value  # cancelled
    return RuntimeError(f"the task ended without a result ({value!r})")


class BatchDriver:
    """Submit chunk tasks and writes, input by input, and count what comes back.

    Parameters
    ----------
    client : distributed.Client
        Where the tasks run.
    jobs : list of InputJob
        The inputs, in order; each job's status, counts and error are updated in place.
    settings : RunSettings
        The run's settings.
    resume : bool
        Reuse chunks an earlier run with the same key finished.
    registry : Registry or None
        Where the model is looked up.
    resources : dict or None
        Worker resources every chunk task asks for (``{"GPU": 1}``).
    progress : callable or None
        Called with a :class:`BatchProgress` after every result.
    dashboard : str or None
        The dashboard's address, passed on in progress reports.
    """

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
        # Results come with their futures, gathered in the client's thread: the loop never
        # waits for a round trip to fetch a record it has been told is ready.
        self.pending = as_completed(with_results=True, raise_errors=False)
        threads = max(1, int(worker_summary(client)["threads"]))
        self.max_active = min(MAX_OPEN_INPUTS, max(2, 2 * threads))
        self.started = time.perf_counter()
        # Running counts for progress, updated where the state changes (counting over
        # the jobs at every result cost O(inputs) each: O(n^2) for a batch of n files).
        self.computed = 0
        self.files_done = 0
        self.files_failed = 0
        self.chunks_total = 0
        self.chunks_done = 0

    def run(self) -> None:
        """Run every job to its end (complete or failed); cancel all on an interruption."""
        try:
            self._fill()
            self._report()
            for future, value in self.pending:
                entry = self.owner.pop(future, None)
                if entry is None:
                    continue  # cancelled with its input
                job, index = entry
                self.futures[id(job)].discard(future)
                error = None if future.status == "finished" else _error(value)
                if index is None:
                    self._write_done(job, error)
                else:
                    self._chunk_done(job, index, value, error)
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
                    self.files_done += 1
                    logger.info("%s: outputs up to date", job.source)
                    continue
                self._prepare(job, resume=self.resume)
                self.active.add(id(job))
                self.futures[id(job)] = set()
                if job.pending:
                    self._submit_chunks(job)
                else:
                    self._submit_writes(job)
            except Exception as err:  # this input fails; the others carry on
                self._fail(job, err)

    def _prepare(self, job: InputJob, *, resume: bool) -> None:
        """Open `job` (again, after a back-off), its chunks counted in or recounted."""
        total, done = job.total, len(job.done)
        try:
            job.prepare(
                self.settings, resume=resume, registry=self.registry, resources=self.resources
            )
        finally:  # prepare may have set them before failing
            self.chunks_total += job.total - total
            self.chunks_done += len(job.done) - done

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
    def _chunk_done(
        self, job: InputJob, index: tuple[int, ...], record: Any, err: BaseException | None
    ) -> None:
        if err is None:
            self.chunks_done += index not in job.done
            job.done[index] = ChunkRecord.from_json(record)
            job.computed += 1
            self.computed += 1
            # done holds only the grid's chunks: counting it is enough (listing the
            # pending chunks here cost O(chunks) per result).
            if len(job.done) == job.total and not self.futures[id(job)]:
                self._guarded(job, self._submit_writes)
            return
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
        self._prepare(job, resume=True)
        self._submit_chunks(job)
        return True

    def _write_done(self, job: InputJob, err: BaseException | None) -> None:
        if err is not None:
            for write in self.writes.pop(id(job), []):
                write.abort()
            self._fail(job, err)
            return
        if self.futures[id(job)]:
            return  # the other output is still being written
        self.writes.pop(id(job), None)
        job.work.mark_complete({**job.run, "traces": job.traces, "filled": job.filled})
        job.status = "complete"
        self.files_done += 1
        job.result = None  # the graph is no longer needed: keep the driver small
        self.active.discard(id(job))
        logger.info("%s: outputs written", job.source)

    def _fail(self, job: InputJob, err: BaseException | None) -> None:
        self._cancel(job)
        for write in self.writes.pop(id(job), []):
            write.abort()
        self.files_failed += job.status != "failed"
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
        elapsed = time.perf_counter() - self.started
        self.progress(
            BatchProgress(
                files_total=len(self.jobs),
                files_done=self.files_done,
                files_failed=self.files_failed,
                chunks_total=self.chunks_total,
                chunks_done=self.chunks_done,
                chunks_computed=self.computed,
                elapsed_s=elapsed,
                rate=self.computed / elapsed if self.computed and elapsed > 0 else 0.0,
                dashboard=self.dashboard,
                files_open=len(self.active),
            )
        )
