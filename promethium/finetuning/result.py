"""What a fine-tuning returns: the new weight set and its scores before and after."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promethium.holdout import SCORE_NAMES  # the held-out scores a fine-tuning reports

__all__ = ["SCORE_NAMES", "FineTuneResult"]


@dataclass(frozen=True)
class FineTuneResult:
    """A fine-tuned weight set and how it scores on the survey's held-out traces.

    Attributes
    ----------
    weights : pathlib.Path
        The new ``.safetensors`` file (``pm.reconstruct(da, model, weights=...)``).
    sidecar : pathlib.Path
        Its JSON sidecar: ``finetuned_from``, ``survey``, ``recipe``, ``scores``.
    model : str
        The network.
    finetuned_from : dict
        ``name`` and ``sha256`` of the starting weights.
    before, after : dict of str to float
        :data:`SCORE_NAMES` of the starting and the fine-tuned weights on the same
        held-out live traces (restored by :func:`promethium.reconstruct`).
    steps : int
        Optimiser steps run.
    best_step : int
        The step after which the kept weights were validated.
    stopped_early : bool
        Whether validation stopped improving before ``steps``.
    seconds : float
        Wall time of the whole fine-tuning (scoring included).
    survey : dict
        The survey's identity (source, dims, shape, content hash of the sample).
    history : list of dict
        Per validation: ``epoch``, ``train_loss``, ``val_loss``, ``learning_rate``.
    run_id : str or None
        The MLflow run, when tracking was on.
    """

    weights: Path
    sidecar: Path
    model: str
    finetuned_from: dict[str, str]
    before: dict[str, float]
    after: dict[str, float]
    steps: int
    best_step: int
    stopped_early: bool
    seconds: float
    survey: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    run_id: str | None = None

    @property
    def gain_db(self) -> float:
        """SNR on the held-out traces after minus before, in dB."""
        return float(self.after["snr_db"] - self.before["snr_db"])

    @property
    def improved(self) -> bool:
        """Whether the fine-tuned weights restore the held-out traces better."""
        return self.gain_db > 0.0

    def describe(self) -> str:
        """A few lines for the terminal: the gain, the scores, where the weights went."""
        b, a = self.before, self.after
        lines = [
            f"fine-tuned {self.model} from {self.finetuned_from['name']} "
            f"({self.finetuned_from['sha256'][:12]}): {self.steps} steps in "
            f"{self.seconds:.0f} s" + (", stopped early" if self.stopped_early else ""),
            "held-out traces      before     after",
            f"  SNR (dB)        {b['snr_db']:9.2f} {a['snr_db']:9.2f}",
            f"  SSIM            {b['ssim']:9.3f} {a['ssim']:9.3f}",
            f"  MSE             {b['mse']:9.3g} {a['mse']:9.3g}",
            f"  coherence       {b['coherence']:9.3f} {a['coherence']:9.3f}",
            f"gain: {self.gain_db:+.2f} dB"
            + ("" if self.improved else " (no gain: the starting weights do as well)"),
            f"weights: {self.weights}",
        ]
        return "\n".join(lines)
