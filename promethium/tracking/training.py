"""Track a ``promethium train`` run: the trainer's callback that feeds a tracker.

:class:`TrackingCallback` starts (or, on ``--resume``, continues) the MLflow run,
logs each epoch's losses, learning rate and validation metrics, and at the end logs
the best weights as a registered, pickle-free model with a before/after figure of a
validation patch. The trainer calls it on rank 0 only; the run id travels in the
checkpoints (``progress.mlflow_run_id``), so a resumed training continues its run.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.train.loop.callbacks import Callback, EpochRecord

if TYPE_CHECKING:
    import xarray as xr

    from promethium.tracking.tracker import Tracker

__all__ = ["TrackingCallback"]


class TrackingCallback(Callback):
    """Feed a :class:`~promethium.tracking.Tracker` from the training loop.

    Parameters
    ----------
    tracker : Tracker
        A started-or-not tracker of rank 0 (give no callback to other ranks).

    Notes
    -----
    Per epoch (step = epoch from 0): ``train_loss``, ``val_loss``, ``learning_rate``,
    the loss parts as ``train_<part>`` (e.g. ``train_physics`` of a PINN), and the
    current network's ``val_snr_improvement_db``, ``val_ssim``, ``val_mse`` and
    ``val_coherence`` on the missing validation traces.
    """

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    def on_train_start(self, trainer: Any) -> None:
        """Start the run, or continue the one the checkpoint names."""
        run_id = self.tracker.start(trainer.config, run_id=trainer.progress.mlflow_run_id)
        trainer.progress.mlflow_run_id = run_id

    def on_epoch_end(self, trainer: Any, record: EpochRecord) -> None:
        """Log the epoch's losses, learning rate and validation metrics."""
        self.tracker.log_epoch(
            record.epoch,
            train_loss=record.train_loss,
            val_loss=record.val_loss,
            learning_rate=record.learning_rate,
            validation=_current_metrics(trainer),
        )
        if record.parts:
            self.tracker.log_metrics(
                {f"train_{k}": v for k, v in record.parts.items()}, record.epoch
            )

    def on_train_end(self, trainer: Any) -> None:
        """Log the best weights as the model, and a figure of one validation patch."""
        from promethium.ml.weights import load_weights

        best = trainer.output_dir / "weights" / "best.safetensors"
        if not best.is_file():
            return
        state, info = load_weights(best)
        network = copy.deepcopy(trainer.network).cpu()
        network.load_state_dict(state)
        network.eval()
        model = trainer.config.model
        self.tracker.log_model(
            network,
            architecture=model.architecture,
            config=model.params,
            metadata={"epoch": info.get("metadata", {}).get("epoch")},
        )
        panels = _example_panels(trainer, network)
        if panels is not None:
            self.tracker.log_comparison(*panels)


def _current_metrics(trainer: Any) -> dict[str, float]:
    from promethium.ml.weights import save_weights
    from promethium.train.summary import validation_metrics

    with tempfile.TemporaryDirectory(prefix="promethium-epoch-") as tmp:
        path = save_weights(
            trainer.network,
            Path(tmp) / "epoch.safetensors",
            config=trainer.config.model.params,
            architecture=trainer.config.model.architecture,
        )
        return validation_metrics(trainer, path)


def _example_panels(trainer: Any, network: Any) -> tuple[xr.DataArray, xr.DataArray] | None:
    """The first validation patch with its missing traces zeroed, and reconstructed."""
    import torch
    import xarray as xr

    batch = next(iter(trainer.val_data.batches(0, 1)), None)
    if batch is None:
        return None
    with torch.no_grad():
        out = network(torch.from_numpy(batch.inputs)).float()[0, 0].numpy()
    target = batch.target[0, 0]
    gone = batch.missing[0][:, None]
    dims = ("trace", "time")
    coords = {"trace": np.arange(target.shape[0]), "time": np.arange(target.shape[1])}
    before = xr.DataArray(np.where(gone, 0.0, target), dims=dims, coords=coords)
    after = xr.DataArray(np.where(gone, out, target), dims=dims, coords=coords)
    return before, after
