"""Hooks the training loop calls, and the rich progress bar built on them.

A callback subclasses :class:`Callback` and overrides the events it needs, like a
PyTorch Lightning callback; the loop calls them on rank 0 only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Callback", "EpochRecord", "ProgressBar", "StepInfo"]


@dataclass(frozen=True)
class StepInfo:
    """One optimiser step: where it is and the loss it had.

    Attributes
    ----------
    epoch, batch, n_batches : int
        The epoch (from 0), the batch within it (from 1) and the batches per epoch.
    global_step : int
        Steps since the start of training, resumed runs included.
    loss : float
        The step's loss (the generator's, for a GAN).
    samples : int
        Patches in the step (this process's).
    """

    epoch: int
    batch: int
    n_batches: int
    global_step: int
    loss: float
    samples: int


@dataclass(frozen=True)
class EpochRecord:
    """What one epoch gave: losses (means over patches) and the learning rate."""

    epoch: int
    train_loss: float
    val_loss: float
    learning_rate: float
    parts: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The record as plain JSON values."""
        return {
            "epoch": self.epoch,
            "train_loss": self.train_loss,
            "val_loss": self.val_loss,
            "learning_rate": self.learning_rate,
            "parts": dict(self.parts),
        }


class Callback:
    """Base of training callbacks: every event does nothing unless overridden."""

    def on_train_start(self, trainer: Any) -> None:
        """Called once, after a resume is loaded, before the first epoch runs."""

    def on_epoch_start(self, trainer: Any, epoch: int, n_batches: int, done: int) -> None:
        """Called before each epoch (`done` batches of it already run by a resumed run)."""

    def on_step_end(self, trainer: Any, step: StepInfo) -> None:
        """Called after each optimiser step (and its checkpoint, if one was due)."""

    def on_epoch_end(self, trainer: Any, record: EpochRecord) -> None:
        """Called after validation, the scheduler step and the epoch's checkpoint."""

    def on_train_end(self, trainer: Any) -> None:
        """Called once training has stopped, before the summary is computed."""


class ProgressBar(Callback):
    """A rich progress bar per epoch with the running loss and patches per second."""

    def __init__(self) -> None:
        self._progress: Any = None
        self._task: Any = None
        self._loss = 0.0
        self._steps = 0
        self._samples = 0
        self._start = 0.0

    def on_epoch_start(self, trainer: Any, epoch: int, n_batches: int, done: int) -> None:
        """Start this epoch's bar."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(
            TextColumn(f"epoch {epoch + 1}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]:.4g}  {task.fields[rate]:.1f} patches/s"),
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task("train", total=n_batches, loss=0.0, rate=0.0)
        self._progress.update(self._task, completed=done)
        self._loss, self._steps, self._samples = 0.0, 0, 0
        self._start = time.perf_counter()

    def on_step_end(self, trainer: Any, step: StepInfo) -> None:
        """Advance the bar; show the mean loss and throughput so far."""
        self._loss += step.loss
        self._steps += 1
        self._samples += step.samples
        rate = self._samples / max(time.perf_counter() - self._start, 1e-9)
        self._progress.update(
            self._task, completed=step.batch, loss=self._loss / self._steps, rate=rate
        )

    def on_epoch_end(self, trainer: Any, record: EpochRecord) -> None:
        """Close the bar and print the epoch's losses."""
        if self._progress is not None:
            self._progress.stop()
            self._progress.console.print(
                f"epoch {record.epoch + 1}: train loss {record.train_loss:.4g}, "
                f"val loss {record.val_loss:.4g}, lr {record.learning_rate:.3g}"
            )
        self._progress = None

    def on_train_end(self, trainer: Any) -> None:
        """Stop a bar left running by an interrupted epoch."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
