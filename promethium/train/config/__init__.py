"""The training configuration: the seed's YAML validated into typed, frozen models.

The sections are ``model``, ``data``, ``training`` and ``inference``, each in its
module (:mod:`~promethium.train.config.model`, :mod:`~promethium.train.config.data`,
:mod:`~promethium.train.config.training`; ``inference`` is the networks' own option
schema); :mod:`~promethium.train.config.parse` holds the whole file.
Unknown keys and wrong types raise :class:`~promethium.errors.ConfigError` naming the
dotted key, the value given and what is allowed; ``model.params`` is validated by the
network's own configuration (:mod:`promethium.models.networks.configs`).
:func:`load_config` reads a YAML file and applies ``--set key=value`` overrides.
"""

from __future__ import annotations

from promethium.train.config.data import (
    AugmentationConfig,
    DataConfig,
    GapMask,
    MaskSpec,
    RandomMask,
    RegularMask,
    SyntheticConfig,
)
from promethium.train.config.model import ARCHITECTURES, ModelConfig
from promethium.train.config.parse import TrainConfig, apply_overrides, load_config, parse_config
from promethium.train.config.training import (
    EarlyStoppingConfig,
    OptimizerConfig,
    SchedulerConfig,
    TrainingConfig,
)

__all__ = [
    "ARCHITECTURES",
    "AugmentationConfig",
    "DataConfig",
    "EarlyStoppingConfig",
    "GapMask",
    "MaskSpec",
    "ModelConfig",
    "OptimizerConfig",
    "RandomMask",
    "RegularMask",
    "SchedulerConfig",
    "SyntheticConfig",
    "TrainConfig",
    "TrainingConfig",
    "apply_overrides",
    "load_config",
    "parse_config",
]
