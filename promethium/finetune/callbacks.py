"""The trainer callback that makes a training a fine-tuning: start from trained weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from promethium.train.loop.callbacks import Callback

__all__ = ["StartFrom"]


class StartFrom(Callback):
    """Load a trained weight set into the trainer's network before the first step.

    Parameters
    ----------
    weights : pathlib.Path
        A ``.safetensors`` weight set of the trainer's architecture and config
        (verified against its sidecar's sha256 when loaded).
    """

    def __init__(self, weights: Path) -> None:
        self.weights = weights

    def on_train_start(self, trainer: Any) -> None:
        """Copy the weights into the network (the optimiser keeps its parameters)."""
        from promethium.ml.weights import load_weights

        state, _ = load_weights(self.weights)
        trainer.network.load_state_dict(state, strict=True)
