"""The float64 NumPy POCS that ``pocs`` shipped before its batched torch kernel.

Kept, unchanged in substance (float64, ``numpy.fft``, one thresholding pass per
iteration), as the reference the batched kernel
(:mod:`promethium.models.classical._pocs_kernel`) is tested against, and as "today's
implementation" in ``benchmarks/pocs_throughput.py``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ReferencePredictor", "reference_pocs_windows", "reference_threshold_schedule"]


def reference_threshold_schedule(
    n_iter: int, p_max: float, p_min: float, schedule: str = "exponential"
) -> np.ndarray:
    """Relative thresholds, one per iteration, from `p_max` down to `p_min`."""
    if n_iter == 1:
        return np.array([p_min])
    k = np.arange(n_iter) / (n_iter - 1)
    if schedule == "exponential":
        return p_max * (p_min / p_max) ** k
    return p_max + (p_min - p_max) * k


def reference_pocs_windows(
    windows: np.ndarray,
    live: np.ndarray,
    *,
    n_iter: int = 100,
    p_max: float = 0.99,
    p_min: float = 0.001,
    schedule: str = "exponential",
    thresholding: str = "hard",
    pad: float = 0.5,
) -> np.ndarray:
    """Reconstruct ``(B, n_traces, n_samples)`` windows with ``(B, n_traces)`` live masks."""
    complete = np.asarray(live, dtype=bool).all(axis=1)
    if complete.any():  # nothing to fill: the window is its own reconstruction
        out = np.asarray(windows, dtype=np.float32).copy()
        todo = ~complete
        if todo.any():
            out[todo] = reference_pocs_windows(
                np.asarray(windows)[todo], np.asarray(live)[todo], n_iter=n_iter,
                p_max=p_max, p_min=p_min, schedule=schedule, thresholding=thresholding,
                pad=pad,
            )  # fmt: skip
        return out
    w = np.asarray(windows, dtype=np.float64)
    b, nt, nv = w.shape
    pt, pv = nt + round(pad * nt), nv + round(pad * nv)
    mask = np.zeros((b, pt, pv), dtype=bool)
    mask[:, :nt, :nv] = np.asarray(live, dtype=bool)[:, :, None]
    obs = np.zeros((b, pt, pv))
    obs[:, :nt, :nv] = np.where(mask[:, :nt, :nv], w, 0.0)
    spectrum = np.fft.rfft2(obs)
    peak = np.abs(spectrum).max(axis=(1, 2), keepdims=True)
    x = obs
    for p in reference_threshold_schedule(n_iter, p_max, p_min, schedule):
        amp = np.abs(spectrum)
        tau = p * peak
        if thresholding == "hard":
            spectrum = np.where(amp > tau, spectrum, 0.0)
        else:
            spectrum = spectrum * np.maximum(1.0 - tau / np.maximum(amp, 1e-30), 0.0)
        x = np.where(mask, obs, np.fft.irfft2(spectrum, s=(pt, pv)))
        spectrum = np.fft.rfft2(x)
    return x[:, :nt, :nv].astype(np.float32)


class ReferencePredictor:
    """The patch-engine predictor of the reference: ``(B, 2, Pt, Pv)`` -> ``(B, Pt, Pv)``."""

    def __init__(self, **options: object) -> None:
        self.options = options

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        """Reconstruct every window of `batch` (channel 0 data, channel 1 live mask)."""
        batch = np.asarray(batch)
        return reference_pocs_windows(
            np.where(np.isfinite(batch[:, 0]), batch[:, 0], 0.0),
            batch[:, 1, :, 0] > 0.5,
            **self.options,  # type: ignore[arg-type]
        )
