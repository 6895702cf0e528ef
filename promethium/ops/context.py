"""BlockContext: what an operator's ``transform`` knows about the block it works on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

__all__ = ["BlockContext"]


@dataclass(frozen=True)
class BlockContext:
    """What an operator's :meth:`~Operator.transform` knows about its block.

    Attributes
    ----------
    dims : tuple of str
        Dims of the block, the vertical dim last.
    sample_interval : float
        Vertical sample interval: seconds on a time axis, metres on a depth axis.
    vertical_unit : str
        ``"s"`` on a time axis, ``"m"`` on a depth axis: the unit of
        `sample_interval` and of the ``"vertical"`` entry of `coords`.
    coords : dict of str to numpy.ndarray
        The coordinates the operator asked for in :attr:`Operator.coords_needed`,
        broadcast to the block's shape (halo included). ``"vertical"`` gives the
        vertical coordinate in `vertical_unit`.
    """

    dims: tuple[str, ...]
    sample_interval: float
    vertical_unit: str
    coords: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def vertical_axis(self) -> int:
        """Axis number of the vertical dim in the block (always the last)."""
        return len(self.dims) - 1

    @property
    def trace_axis(self) -> int:
        """Axis number of the trace dim in the block."""
        return len(self.dims) - 2
