"""Cosine (Hann) blending weights for overlapping patches.

Each patch's prediction is weighted by a separable window ``w_t(i) * w_v(j)`` and the
weighted sum is divided by the summed weights, so the weights applied to any sample
add up to exactly 1 (a partition of unity) whatever the overlap and wherever the
end-aligned last patch falls.
"""

from __future__ import annotations

import numpy as np

__all__ = ["hann_window", "patch_weights", "weight_sum"]


def hann_window(patch: int) -> np.ndarray:
    r"""The sampled Hann window ``sin^2(pi (k + 1/2) / patch)``, strictly positive.

    Notes
    -----
    The window is sampled at half-integer positions so that no sample gets zero
    weight, and so that two windows shifted by ``patch / 2`` (even `patch`) sum to
    exactly 1: :math:`\sin^2 x + \cos^2 x = 1`.

    Examples
    --------
    >>> w = hann_window(4)
    >>> bool(np.allclose(w[:2] + w[2:], 1.0))
    True
    """
    k = np.arange(patch, dtype=np.float64)
    return np.sin(np.pi * (k + 0.5) / patch) ** 2


def patch_weights(patch: int, start: int, n: int) -> np.ndarray:
    """Weights along one axis of the patch starting at `start` on an axis of `n`.

    The Hann window, except that the outer half of a patch touching an end of the
    axis is 1: data edges are not tapered.

    Examples
    --------
    >>> patch_weights(4, 0, 4).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    w = hann_window(patch)
    half = patch // 2
    if start == 0:
        w[:half] = 1.0
    if start + patch >= n:
        w[half:] = 1.0
    return w


def weight_sum(
    starts: np.ndarray, patch: int, n: int, lo: int = 0, hi: int | None = None
) -> np.ndarray:
    """Sum of the weights of every patch over samples ``lo:hi`` of an axis of `n`.

    Parameters
    ----------
    starts : numpy.ndarray
        Patch starts along the axis (see :func:`promethium.ml.grid.patch_starts`).
    patch : int
        Patch length.
    n : int
        Axis length.
    lo, hi : int, optional
        The range of samples wanted (default: the whole axis).

    Returns
    -------
    numpy.ndarray
        float64 array of length ``hi - lo``, positive wherever a patch covers.
    """
    hi = n if hi is None else hi
    total = np.zeros(hi - lo, dtype=np.float64)
    for s in starts[(starts < hi) & (starts + patch > lo)]:
        w = patch_weights(patch, int(s), n)
        a, b = max(lo, int(s)), min(hi, int(s) + patch)
        total[a - lo : b - lo] += w[a - int(s) : b - int(s)]
    return total
