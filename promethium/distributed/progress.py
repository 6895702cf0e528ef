"""Progress of a batch run, counted by the driver from finished futures.

The dask progress bar of the local schedulers sees nothing under dask.distributed;
here the driver counts what comes back (files, chunks) and hands a
:class:`BatchProgress` snapshot to a callback. :func:`progress_display` is the rich
bar of ``promethium batch``; library callers pass their own callback (a log line, a
GUI) or none.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = ["BatchProgress", "progress_display"]


@dataclass(frozen=True)
class BatchProgress:
    """Where a batch run stands.

    Attributes
    ----------
    files_total : int
        Inputs in the run.
    files_done : int
        Inputs whose outputs are in place (written now, or up to date before).
    files_failed : int
        Inputs that failed.
    chunks_total : int
        Output chunks of the inputs opened so far.
    chunks_done : int
        Of those, chunks finished (computed now or reused from the manifest).
    chunks_computed : int
        Chunks computed by this run.
    elapsed_s : float
        Seconds since the run started.
    rate : float
        Chunks computed per second by this run (0 until one finished).
    dashboard : str or None
        The dask dashboard's address, if it has one.
    files_open : int
        Inputs open now (their chunks or outputs in progress); at most twice the
        cluster's threads and :data:`~promethium.distributed.driver.MAX_OPEN_INPUTS`.
    """

    files_total: int
    files_done: int
    files_failed: int
    chunks_total: int
    chunks_done: int
    chunks_computed: int
    elapsed_s: float
    rate: float
    dashboard: str | None
    files_open: int = 0

    @property
    def eta_s(self) -> float | None:
        """Seconds left for the chunks known so far at the current rate (None: unknown)."""
        if self.rate <= 0:
            return None
        return (self.chunks_total - self.chunks_done) / self.rate

    def describe(self) -> str:
        """One line for logs: files, chunks, rate and ETA."""
        eta = self.eta_s
        left = "?" if eta is None else f"{math.ceil(eta)} s"
        failed = f", {self.files_failed} failed" if self.files_failed else ""
        return (
            f"files {self.files_done}/{self.files_total}{failed}, chunks "
            f"{self.chunks_done}/{self.chunks_total}, {self.rate:.2f} chunks/s, ETA {left}"
        )


@contextlib.contextmanager
def progress_display(
    description: str, *, enabled: bool = True
) -> Iterator[Callable[[BatchProgress], None]]:
    """A rich progress display on stderr; yields the callback that updates it.

    Parameters
    ----------
    description : str
        Text before the bars.
    enabled : bool, optional
        When False the callback does nothing.

    Yields
    ------
    callable
        ``callback(BatchProgress)``.
    """
    if not enabled:
        yield lambda _: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        console=Console(stderr=True),
        transient=False,
    )
    files = progress.add_task(f"{description} files", total=None, note="")
    chunks = progress.add_task("chunks", total=None, note="")

    def update(state: BatchProgress) -> None:
        eta = state.eta_s
        note = f"{state.rate:.2f}/s, ETA {'?' if eta is None else f'{math.ceil(eta)} s'}"
        failed = f"{state.files_failed} failed" if state.files_failed else ""
        progress.update(files, total=state.files_total, completed=state.files_done, note=failed)
        progress.update(chunks, total=state.chunks_total, completed=state.chunks_done, note=note)

    with progress:
        yield update
