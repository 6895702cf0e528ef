"""The global patch grid over the (trace, vertical) plane of a 2-D panel.

Patches of ``patch`` samples start every ``step = round(patch * (1 - overlap))``
samples from 0; the last patch is end-aligned at ``n - patch`` so every sample is
covered and no patch reaches past the data. An axis shorter than a patch holds one
patch over the axis reflect-padded to the patch length (the padding is cropped off
the result, never zero-filled into it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from promethium.errors import ConfigError

__all__ = ["PatchGrid", "patch_starts", "resolve_patch_size"]


def resolve_patch_size(patch_size: int | Sequence[int]) -> tuple[int, int]:
    """Return ``(trace, vertical)`` patch lengths from an int or a pair.

    Raises
    ------
    ConfigError
        If a length is not a positive integer or the pair has the wrong length.

    Examples
    --------
    >>> resolve_patch_size(64)
    (64, 64)
    >>> resolve_patch_size((32, 128))
    (32, 128)
    """
    if isinstance(patch_size, (int, np.integer)) and not isinstance(patch_size, bool):
        sizes: tuple[object, ...] = (patch_size, patch_size)
    elif isinstance(patch_size, Sequence) and not isinstance(patch_size, str):
        sizes = tuple(patch_size)
    else:
        sizes = ()
    if len(sizes) != 2 or not all(
        isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1 for s in sizes
    ):
        raise ConfigError(
            f"patch_size must be a positive integer or a (trace, vertical) pair of positive "
            f"integers; got {patch_size!r}. Use e.g. patch_size=256 or patch_size=(64, 256)."
        )
    return int(sizes[0]), int(sizes[1])  # type: ignore[call-overload]


def _check_overlap(overlap: float) -> float:
    if isinstance(overlap, bool) or not isinstance(overlap, (int, float, np.floating)):
        raise ConfigError(f"overlap must be a number in [0, 1); got {overlap!r}.")
    if not 0.0 <= float(overlap) < 1.0:
        raise ConfigError(
            f"overlap must be a fraction of the patch in [0, 1); got {overlap!r}. "
            "The default 0.5 overlaps neighbouring patches by half."
        )
    return float(overlap)


def patch_starts(n: int, patch: int, step: int) -> np.ndarray:
    """Start indices of the patches along an axis of `n` samples.

    Parameters
    ----------
    n : int
        Length of the axis (after padding an axis shorter than `patch`).
    patch : int
        Patch length, ``<= n``.
    step : int
        Distance between regular starts, ``>= 1``.

    Returns
    -------
    numpy.ndarray
        Sorted, unique int64 starts; the last one is ``n - patch``.

    Examples
    --------
    >>> patch_starts(10, 4, 2).tolist()
    [0, 2, 4, 6]
    >>> patch_starts(11, 4, 2).tolist()
    [0, 2, 4, 6, 7]
    """
    last = n - patch
    starts = np.arange(0, last + 1, step, dtype=np.int64)
    if starts[-1] != last:
        starts = np.append(starts, np.int64(last))
    return starts


@dataclass(frozen=True)
class PatchGrid:
    """The global patch grid of a panel of ``shape = (n_trace, n_vertical)`` samples.

    Attributes
    ----------
    shape : tuple of int
        Panel shape ``(n_trace, n_vertical)`` of the data (unpadded).
    patch : tuple of int
        Patch shape ``(trace, vertical)``.
    overlap : float
        Overlap fraction in [0, 1).
    """

    shape: tuple[int, int]
    patch: tuple[int, int]
    overlap: float

    @classmethod
    def build(
        cls, shape: tuple[int, int], patch_size: int | Sequence[int], overlap: float
    ) -> PatchGrid:
        """Validate the options and build the grid (raises :class:`ConfigError`)."""
        return cls(
            (int(shape[0]), int(shape[1])),
            resolve_patch_size(patch_size),
            _check_overlap(overlap),
        )

    @property
    def padded(self) -> tuple[int, int]:
        """Panel shape after reflect-padding axes shorter than a patch."""
        return (max(self.shape[0], self.patch[0]), max(self.shape[1], self.patch[1]))

    @property
    def steps(self) -> tuple[int, int]:
        """Distance between patch starts along each axis."""
        return tuple(max(1, round(p * (1.0 - self.overlap))) for p in self.patch)  # type: ignore[return-value]

    @property
    def halo(self) -> tuple[int, int]:
        """Context a block needs on each side: ``patch - 1`` samples per axis."""
        return (self.patch[0] - 1, self.patch[1] - 1)

    def starts(self, axis: int) -> np.ndarray:
        """Patch starts along `axis` (0 = trace, 1 = vertical) in padded coordinates."""
        return patch_starts(self.padded[axis], self.patch[axis], self.steps[axis])

    def n_patches(self) -> int:
        """Number of patches in one panel."""
        return int(self.starts(0).size * self.starts(1).size)
