"""``training``: the optimisation (optimiser, schedule, early stopping, device, output)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt

from promethium.ml.options import DeviceName
from promethium.train.config.base import Fraction, NonNegative, Positive, PositiveInt, Section

__all__ = ["EarlyStoppingConfig", "OptimizerConfig", "SchedulerConfig", "TrainingConfig"]


class OptimizerConfig(Section):
    """``training.optimizer``: AdamW."""

    type: Literal["adamw"] = "adamw"
    learning_rate: Positive = 1e-4
    weight_decay: NonNegative = 0.01
    betas: tuple[Fraction, Fraction] = (0.9, 0.999)


class SchedulerConfig(Section):
    """``training.scheduler``: reduce the learning rate when validation stalls."""

    type: Literal["reduce_on_plateau"] = "reduce_on_plateau"
    factor: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.5
    patience: Annotated[StrictInt, Field(ge=0)] = 10
    min_lr: NonNegative = 0.0


class EarlyStoppingConfig(Section):
    """``training.early_stopping``: stop after ``patience`` epochs without improvement."""

    enable: StrictBool = True
    patience: PositiveInt = 20
    min_delta: NonNegative = 0.0


class TrainingConfig(Section):
    """``training``: the optimisation.

    Attributes
    ----------
    epochs, batch_size : int
        Epochs, and patches per step (per process under torchrun).
    optimizer, scheduler, early_stopping
        See their classes.
    mixed_precision : bool
        float16 autocast with gradient scaling on CUDA; bfloat16 autocast on the CPU.
    grad_clip : float or None
        Maximum global gradient norm (None: no clipping).
    loss_on : {"all", "missing"}
        Score every sample, or only the traces the mask removed.
    steps_per_epoch : int or None
        Cap on the steps of an epoch (None: every patch once).
    checkpoint_every_steps : int or None
        Also checkpoint every N optimiser steps (always at each epoch's end).
    seed : int
        Seeds weights, patch order, masks, augmentation and dropout.
    init_weights : str or None
        Start from this weight set (``.safetensors`` with its sidecar, e.g. a shipped
        set) instead of random weights: the whole network's weights, or those of a
        ``pinn`` backbone or ``gan`` generator when the set is of that backbone (the
        keys must match exactly). Recorded in the weights' sidecar.
    device : str
        ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
    output_dir : str
        Where checkpoints and weights go.
    """

    epochs: PositiveInt = 100
    batch_size: PositiveInt = 16
    optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    early_stopping: EarlyStoppingConfig = Field(default_factory=EarlyStoppingConfig)
    mixed_precision: StrictBool = True
    grad_clip: Positive | None = 1.0
    loss_on: Literal["all", "missing"] = "all"
    steps_per_epoch: PositiveInt | None = None
    checkpoint_every_steps: PositiveInt | None = None
    seed: StrictInt = 0
    init_weights: str | None = None
    device: DeviceName = "auto"
    output_dir: str = "runs/train"
