"""Progress reporting for dask computations, with a rich progress bar.

The bar counts finished dask tasks of the local schedulers and is drawn on stderr (so
that stdout stays clean for ``--json``); it is used by the
``promethium`` command for long work. Library functions never draw progress bars
themselves.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

__all__ = ["progress_bar"]


@contextlib.contextmanager
def progress_bar(description: str, *, enabled: bool = True) -> Iterator[None]:
    """Show a rich progress bar for dask computations run inside the block.

    Parameters
    ----------
    description : str
        Text shown before the bar.
    enabled : bool, optional
        When False, nothing is shown.

    Yields
    ------
    None
        Control to the block; the bar is removed when it exits.
    """
    if not enabled:
        yield
        return
    from dask.callbacks import Callback
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )

    class _Tasks(Callback):
        def __init__(self) -> None:
            super().__init__()
            self.task_id: Any = None

        def _start_state(self, dsk: Any, state: Any) -> None:
            total = sum(len(state[k]) for k in ("ready", "waiting", "running", "finished"))
            self.task_id = progress.add_task(description, total=total)

        def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
            progress.advance(self.task_id)

    with progress, _Tasks():
        yield
