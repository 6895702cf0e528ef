"""Experiment tracking with MLflow: runs, metrics, a pickle-free model registry.

- :class:`Tracker` logs a training run (flattened config as params, per-epoch
  metrics, ``config.yaml``, weights, a before/after/difference figure) and registers
  the model with aliases; :class:`DisabledTracker` does nothing, and
  :func:`open_tracker` chooses between them (only rank 0 tracks);
- :class:`TrackingConfig` is the ``tracking:`` section of a training configuration;
- :func:`resolve_model_uri` turns ``models:/name/version`` or ``models:/name@alias``
  into verified safetensors weights, their architecture and config.

The default store is SQLite, ``sqlite:///mlflow.db`` in the working directory
(``MLFLOW_TRACKING_URI`` or ``tracking_uri`` override it). MLflow is imported only
when a tracker talks to it. See ``docs/mlflow.md``.
"""

from __future__ import annotations

from promethium.tracking.resolve import (
    ResolvedModel,
    is_model_uri,
    parse_model_uri,
    resolve_model_uri,
)
from promethium.tracking.settings import DEFAULT_TRACKING_URI, TrackingConfig
from promethium.tracking.tracker import METRIC_NAMES, DisabledTracker, Tracker, open_tracker

__all__ = [
    "DEFAULT_TRACKING_URI",
    "METRIC_NAMES",
    "DisabledTracker",
    "ResolvedModel",
    "Tracker",
    "TrackingConfig",
    "is_model_uri",
    "open_tracker",
    "parse_model_uri",
    "resolve_model_uri",
]
