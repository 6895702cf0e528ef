"""The recipe of a fine-tuning: what is held out, how long it trains, on what patches.

:class:`FineTuneSettings` is an option schema (unknown keys refused with the closest
known one, ranges checked, frozen), so ``pm.finetune(..., steps=0)`` and
``promethium finetune --set steps=0`` fail with the same message. Its defaults are
sized so that a small network fine-tunes on a survey of about 100 MB in minutes on a
2-core CPU (see ``docs/finetune.md``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, StrictInt, field_validator

from promethium.ml.options import DeviceName
from promethium.plugin.options import Options
from promethium.tracking.settings import TrackingConfig
from promethium.train.config import AugmentationConfig, MaskSpec

__all__ = ["MIN_LIVE_TRACES", "FineTuneSettings"]

#: Fewest live traces a survey must have to be fine-tuned on (training and validation).
MIN_LIVE_TRACES = 32

PositiveInt = Annotated[StrictInt, Field(ge=1)]
Size = Annotated[int, Field(ge=1)]  # a command line gives "64,128" as text


def _pair(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, str) and "," in value:  # a command line's "64,128"
        return tuple(part.strip() for part in value.split(","))
    return value


class FineTuneSettings(Options):
    """How :func:`promethium.finetune` fine-tunes a network on a survey.

    Attributes
    ----------
    fraction : float
        Fraction of the live traces of the validation gathers held out: never trained
        on, restored by the network before and after fine-tuning to score it.
    gathers : int or None
        Gathers (panels) sampled for validation; None uses every gather. A 2-D
        line is one gather.
    masks : list or None
        Trace masks that hide live traces from the training patches, as in
        ``data.masks`` of a training configuration; None: those the starting weights
        were trained with (their sidecar), else random 10-50 %.
    steps : int
        Optimiser steps in all, in equal validation intervals of at most
        `validate_every` steps (rounded up by less than one step per interval; fewer
        if validation stops improving).
    validate_every : int
        Steps between validations (an "epoch" of the trainer).
    patience : int
        Validations without improvement before stopping early.
    patch_size, stride : (int, int) or None
        Training patches (traces, samples) and the step between them; None: the
        starting weights' training patch size (at most the gather's size) and half
        of it.
    batch_size : int
        Patches per step.
    learning_rate, weight_decay : float
        AdamW.
    augmentation : AugmentationConfig
        Training augmentation (noise, flips, gains, polarity).
    mixed_precision : bool
        bfloat16 autocast on the CPU, float16 with gradient scaling on CUDA.
    seed : int
        Held-out traces, patch order, masks, augmentation.
    device : str
        ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
    tracking : TrackingConfig
        MLflow tracking of the run and registration of the new weights (off by
        default).

    Examples
    --------
    >>> FineTuneSettings.parse({"steps": 50}, owner="finetune").steps
    50
    >>> FineTuneSettings.parse({"fraction": 0.9}, owner="finetune")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    promethium.errors.ConfigError: finetune: got fraction=0.9: ...
    """

    fraction: Annotated[float, Field(gt=0.0, le=0.5)] = Field(
        0.1, description="Fraction of the live traces held out for validation."
    )
    gathers: PositiveInt | None = Field(
        8, description="Gathers sampled for validation (None: all)."
    )
    masks: Annotated[list[MaskSpec], Field(min_length=1)] | None = Field(
        None, description="Training masks (None: the starting weights' recipe)."
    )
    steps: Annotated[StrictInt, Field(ge=1, le=1_000_000)] = Field(
        300, description="Most optimiser steps."
    )
    validate_every: Annotated[StrictInt, Field(ge=1, le=100_000)] = Field(
        25, description="Steps between validations."
    )
    patience: Annotated[StrictInt, Field(ge=1, le=1000)] = Field(
        4, description="Validations without improvement before stopping."
    )
    patch_size: tuple[Size, Size] | None = Field(
        None, description="Training patch (traces, samples); None: the starting recipe's."
    )
    stride: tuple[Size, Size] | None = Field(
        None, description="Step between training patches; None: half the patch."
    )
    batch_size: Annotated[StrictInt, Field(ge=1, le=4096)] = Field(
        8, description="Patches per step."
    )
    learning_rate: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        3e-4, description="AdamW learning rate."
    )
    weight_decay: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.01, description="AdamW weight decay."
    )
    augmentation: AugmentationConfig = Field(
        default_factory=AugmentationConfig, description="Training augmentation."
    )
    mixed_precision: StrictBool = Field(
        False, description="bfloat16 autocast on the CPU, float16 on CUDA."
    )
    seed: StrictInt = Field(0, description="Seed of the holdout, patches, masks.")
    device: DeviceName = Field("auto", description="auto, cpu, cuda or cuda:N.")
    tracking: TrackingConfig = Field(
        default_factory=lambda: TrackingConfig(enabled=False),
        description="MLflow tracking (off by default).",
    )

    @field_validator("patch_size", "stride", mode="before")
    @classmethod
    def _int_is_square(cls, value: object) -> object:
        return value if value is None else _pair(value)
