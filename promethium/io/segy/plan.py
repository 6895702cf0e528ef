"""Which grid positions of a DataArray become which traces of a SEG-Y output, in order.

Every trace position of the array is one of three things: a *present* trace (one the
source file had, ``trace_index >= 0``, dead or live), a *hole* (a position the file
never had, ``trace_index == -1``) or nothing at all. Present traces are always written;
a hole is written only when it holds a trace (see :func:`to_segy`), which is known only
once its block is computed, so holes get a *slot* in the output and the slots of holes
left empty are removed when the write completes.

The output follows the grid's sort order: the slowest-varying dim first, as in the
source file, so that a reader that assumes a sorted file (segyio with geometry) finds
each line where it expects it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

__all__ = ["TracePlan", "grid_order", "plan_traces"]

#: Dims up to which every permutation and direction is tried for the sort order.
_MAX_PERMUTED_DIMS = 3


@dataclass(frozen=True)
class TracePlan:
    """Where each grid position goes in the output file.

    Attributes
    ----------
    slots : numpy.ndarray
        int64 over the trace dims (C order of the array's dims): the output trace of
        each position, -1 for positions never written.
    holes : numpy.ndarray
        bool over the trace dims: positions the source file did not have. A hole with
        a slot is written only if it holds a trace; one without (-1) is counted only.
    n_slots : int
        Number of slots (the file's trace count before empty hole slots are removed).
    """

    slots: np.ndarray
    holes: np.ndarray
    n_slots: int


def _candidates(nd: int) -> list[tuple[tuple[int, ...], tuple[bool, ...]]]:
    """Dim permutations and directions to try, the array's own order first."""
    identity = tuple(range(nd))
    if nd > _MAX_PERMUTED_DIMS:
        perms = [identity, identity[::-1]]
    else:
        perms = list(itertools.permutations(identity))
    flips = list(itertools.product((False, True), repeat=nd))
    return [(perm, flip) for perm in perms for flip in flips]


def grid_order(trace_index: np.ndarray) -> np.ndarray:
    """Return the flat grid positions (C order) in the order the output writes them.

    The order is a sort of the grid (one dim slowest, each dim ascending or descending)
    chosen so that the present traces (``trace_index >= 0``) keep their order in the
    source file; when no such sort exists (an unsorted file), the array's own C order.

    Parameters
    ----------
    trace_index : numpy.ndarray
        int64 over the trace dims: the source file trace at each position, -1 where
        the file has none.

    Returns
    -------
    numpy.ndarray
        A permutation of ``range(trace_index.size)``.

    Examples
    --------
    >>> grid_order(np.array([[0, 2], [1, 3]])).tolist()  # the file is column-major
    [0, 2, 1, 3]
    >>> grid_order(np.array([[0, -1], [1, 2]])).tolist()  # the hole takes its place
    [0, 1, 2, 3]
    """
    flat = np.arange(trace_index.size, dtype=np.int64).reshape(trace_index.shape)
    for perm, flip in _candidates(trace_index.ndim):
        view = tuple(slice(None, None, -1) if f else slice(None) for f in flip)
        order = flat.transpose(perm)[view].ravel()
        present = trace_index.ravel()[order]
        present = present[present >= 0]
        if present.size < 2 or np.all(np.diff(present) > 0):
            return order
    return flat.ravel()


def plan_traces(trace_index: np.ndarray | None, shape: tuple[int, ...], insert: bool) -> TracePlan:
    """Assign output slots to the grid positions of an array.

    Parameters
    ----------
    trace_index : numpy.ndarray or None
        The source file trace at each position (-1 where the file has none), over the
        trace dims; None when every position is a trace (an array built in memory).
    shape : tuple of int
        Shape of the trace dims.
    insert : bool
        Give holes slots in the sort order (True), or leave holes out and keep the
        present traces in source file order (False).

    Returns
    -------
    TracePlan
        The slots; with nothing to insert, present traces keep their file order, so
        that writing a whole file back reproduces it trace for trace.
    """
    n = int(np.prod(shape))
    if trace_index is None:
        return TracePlan(np.arange(n, dtype=np.int64).reshape(shape), np.zeros(shape, bool), n)
    holes = trace_index < 0
    slots = np.full(n, -1, dtype=np.int64)
    if insert and holes.any():
        order = grid_order(trace_index)
        slots[order] = np.arange(n, dtype=np.int64)
        return TracePlan(slots.reshape(shape), holes, n)
    present = np.flatnonzero(~holes.ravel())
    by_file = present[np.argsort(trace_index.ravel()[present], kind="stable")]
    slots[by_file] = np.arange(by_file.size, dtype=np.int64)
    return TracePlan(slots.reshape(shape), holes, int(by_file.size))
