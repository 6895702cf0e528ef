"""What training leaves behind: weights with their sidecar, metrics, and the summary.

Weights go to ``<output_dir>/weights/best.safetensors`` (the epoch of lowest
validation loss) and ``last.safetensors``, each with its JSON sidecar
(:func:`promethium.ml.weights.save_weights`): the architecture, its parameters, the
training configuration and the metrics.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from promethium.train.loop.callbacks import EpochRecord
    from promethium.train.loop.trainer import Trainer

__all__ = ["TrainResult", "save_trained_weights", "validation_metrics"]


@dataclass(frozen=True)
class TrainResult:
    """The summary of a training run.

    Attributes
    ----------
    best_epoch : int
        The epoch (from 0) of lowest validation loss; its weights are :attr:`weights`.
    best_val_loss : float
        That loss.
    epochs_run : int
        Epochs completed (resumed runs included).
    stopped_early : bool
        Whether early stopping ended the run.
    history : list of dict
        Per epoch: ``epoch``, ``train_loss``, ``val_loss``, ``learning_rate``,
        ``parts`` (the loss terms).
    weights, last_weights : pathlib.Path
        The best and the last weights (safetensors with a JSON sidecar).
    metrics : dict of str to float
        Of the best weights on the validation patches' missing traces:
        ``snr_improvement_db``, ``ssim``, ``mse``, ``coherence``.
    precision : str
        What mixed precision meant on this device.
    device : str
        The device of rank 0.
    global_step : int
        Optimiser steps in all.
    world_size : int
        Training processes.
    wall_time_s : float
        Training time in seconds (summed over resumed sessions).
    """

    best_epoch: int
    best_val_loss: float
    epochs_run: int
    stopped_early: bool
    history: list[dict[str, Any]]
    weights: Path
    last_weights: Path
    metrics: dict[str, float] = field(default_factory=dict)
    precision: str = "float32"
    device: str = "cpu"
    global_step: int = 0
    world_size: int = 1
    wall_time_s: float = 0.0

    def describe(self) -> str:
        """A few lines for the terminal."""
        lines = [
            f"trained {self.epochs_run} epoch(s), {self.global_step} steps on {self.device} "
            f"x{self.world_size} ({self.precision}) in {self.wall_time_s:.0f} s"
            + (", stopped early" if self.stopped_early else ""),
            f"best epoch {self.best_epoch + 1}: validation loss {self.best_val_loss:.4g}",
        ]
        if self.metrics:
            lines.append(
                "validation (missing traces): "
                + ", ".join(f"{k} {v:.4g}" for k, v in self.metrics.items())
            )
        lines.append(f"weights: {self.weights} (last: {self.last_weights})")
        return "\n".join(lines)


def save_trained_weights(trainer: Trainer, name: str, record: EpochRecord | None) -> Path:
    """Save the trainer's network as ``weights/<name>.safetensors`` with its sidecar."""
    from promethium.ml.weights import save_weights

    config = trainer.config
    metadata: dict[str, Any] = {
        "training": config.model_dump(mode="json"),
        "global_step": trainer.progress.global_step,
    }
    if record is not None:
        metadata["epoch"] = record.as_dict()
    if trainer.init_weights is not None:
        metadata["init_weights"] = trainer.init_weights
    path = trainer.output_dir / "weights" / f"{name}.safetensors"
    return save_weights(
        trainer.network,
        path,
        config=config.model.params,
        metadata=metadata,  # strict JSON: a non-finite number is written as null
        architecture=config.model.architecture,
    )


def validation_metrics(trainer: Trainer, weights: Path) -> dict[str, float]:
    """Metrics of `weights` on every validation patch, scored on the missing traces.

    The reconstruction keeps the live traces and takes the network's output on the
    missing ones, as :func:`promethium.reconstruct` does; the degraded input has the
    missing traces zero-filled.
    """
    import torch

    from promethium import metrics
    from promethium.ml.weights import load_weights

    if not weights.is_file():
        return {}
    state, _ = load_weights(weights)
    net = copy.deepcopy(trainer.network)  # the trainer's network keeps its last weights
    net.load_state_dict(state)
    net.eval()
    refs, degraded, outs, missing = [], [], [], []
    size = trainer.config.training.batch_size
    with torch.no_grad():
        for batch in trainer.val_data.batches(0, size):
            x = torch.from_numpy(batch.inputs).to(trainer.world.device)
            out = net(x).float()[:, 0].cpu().numpy().astype(np.float64)
            gone = batch.missing[:, :, None]
            target = batch.target[:, 0].astype(np.float64)
            refs.append(target)
            degraded.append(np.where(gone, 0.0, target))
            outs.append(np.where(gone, out, target))
            missing.append(batch.missing)
    ref, deg, out, sel = (np.concatenate(a) for a in (refs, degraded, outs, missing))
    if not sel.any():
        return {}
    return {
        "snr_improvement_db": metrics.snr_improvement(ref, deg, out, traces=sel),
        "ssim": metrics.ssim(ref, out),
        "mse": metrics.mse(ref, out, traces=sel),
        "coherence": metrics.coherence(ref, out, traces=sel),
    }
