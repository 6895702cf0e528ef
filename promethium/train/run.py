"""The one entry point of ``python -m promethium.train`` and ``promethium train``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from promethium.train.summary import TrainResult

__all__ = ["train"]


def train(
    config: str | Path,
    overrides: Sequence[str] = (),
    *,
    resume: bool = False,
    progress: bool = True,
    export: str | Path | None = None,
) -> TrainResult:
    """Train from a YAML configuration file.

    Parameters
    ----------
    config : str or path-like
        The seed's YAML (``model``, ``data``, ``training``, ``inference``).
    overrides : sequence of str
        ``key=value`` items, e.g. ``["training.epochs=2"]``.
    resume : bool, optional
        Continue from the latest checkpoint in ``training.output_dir``.
    progress : bool, optional
        Show a progress bar per epoch (rank 0).
    export : str or path-like, optional
        Also write the best weights as a shippable set
        ``<export>/<architecture>.safetensors`` with its sidecar (recipe, data,
        metrics, machine and wall time; see :func:`promethium.train.export.export_weights`).

    Returns
    -------
    TrainResult
        Best epoch, losses, metrics and where the weights went.

    Raises
    ------
    ConfigError
        For a configuration that does not validate, data that cannot be read, a
        checkpoint of another run, or a tracking store (``tracking.tracking_uri``)
        that cannot be reached.
    """
    from promethium.tracking import Tracker, open_tracker
    from promethium.tracking.training import TrackingCallback
    from promethium.train.config import load_config
    from promethium.train.loop.callbacks import Callback, ProgressBar
    from promethium.train.loop.trainer import Trainer

    cfg = load_config(config, overrides)
    callbacks: list[Callback] = [ProgressBar()] if progress else []
    # Only rank 0 tracks (torchrun sets RANK); the store is checked before training.
    tracker = open_tracker(cfg.tracking, rank=int(os.environ.get("RANK", "0")))
    if isinstance(tracker, Tracker):
        callbacks.append(TrackingCallback(tracker))
    with tracker:
        result = Trainer(cfg, resume=resume, callbacks=callbacks).fit()
    if export is not None and int(os.environ.get("RANK", "0")) == 0:
        from promethium.train.export import export_weights

        export_weights(result, cfg, export, recipe=str(config))
    return result
