"""Dask chunk arithmetic shared by operators and the patch engine."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["RECHUNK_ATTR", "merge_small_chunks"]

#: Attribute recording any rechunking Promethium did, so it is never silent.
RECHUNK_ATTR = "promethium_rechunked"


def merge_small_chunks(chunks: Sequence[int], minimum: int) -> tuple[int, ...]:
    """Merge consecutive chunks until each is at least `minimum` long.

    Chunks are grouped greedily from the start: a group closes as soon as it holds
    `minimum` samples, and a short remainder joins the last group. A group therefore
    exceeds its largest chunk by less than `minimum` samples: merging costs at most
    one halo of extra memory.

    Parameters
    ----------
    chunks : sequence of int
        Chunk sizes along one axis, e.g. ``da.chunks[axis]``.
    minimum : int
        Smallest size a merged chunk may have (typically the operator's halo).

    Returns
    -------
    tuple of int
        Merged chunk sizes with the same total as `chunks`.

    Examples
    --------
    >>> merge_small_chunks((10, 2, 10, 3), 4)
    (10, 15)
    >>> merge_small_chunks((7, 7, 7, 7, 7, 7, 7, 1), 15)
    (21, 29)
    >>> merge_small_chunks((20, 20, 10), 15)
    (20, 30)
    """
    merged: list[int] = []
    current = 0
    for c in chunks:
        current += int(c)
        if current >= minimum:
            merged.append(current)
            current = 0
    if current:
        if merged:
            merged[-1] += current
        else:
            merged.append(current)
    return tuple(merged)
