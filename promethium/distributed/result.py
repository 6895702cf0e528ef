"""What a batch run reports: one :class:`InputResult` per input, in a :class:`BatchResult`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from promethium.distributed.job import InputJob

__all__ = ["BatchResult", "InputResult", "input_result"]


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


def input_result(job: InputJob) -> InputResult:
    """The outcome of `job` once the run has ended (a job left unfinished has failed)."""
    status = {"complete": "written", "up to date": "up to date"}.get(job.status, "failed")
    error = job.error if status == "failed" else None
    if status == "failed" and error is None:
        error = "interrupted before it finished"
    return InputResult(
        job.source, status, tuple(job.targets.values()), error, job.total, job.computed,
        job.reused, job.traces, job.filled,
    )  # fmt: skip
