"""The samples of an opened SEG-Y file as dask arrays: samples and live-trace mask."""

from __future__ import annotations

import itertools
import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.io.segy.shared import SharedResult, register_join
from promethium.io.segy.traces import live_traces, read_block, read_into_shared

if TYPE_CHECKING:
    import dask.array as dsa

    from promethium.io.segy.layout import SegyLayout

__all__ = ["lazy_samples", "shares_one_buffer"]


def lazy_samples(
    layout: SegyLayout, trace_index: np.ndarray, chunks: tuple[int, ...], time_chunks: Any = None
) -> tuple[dsa.Array, dsa.Array]:
    """Return the samples (trace dims + time) and the live-trace mask as dask arrays.

    One task per chunk of `chunks` (over the trace dims) reads its traces; the mask is
    reduced from those chunks, so a compute of both reads each chunk once, and a
    compute of the samples alone (e.g. ``.values``) does not compute the mask. When
    every chunk is a contiguous region of the whole array (:func:`shares_one_buffer`),
    the chunks of one compute are read into one buffer made by a task of the graph,
    and joining them (``.values``, ``.compute()``) returns a view of it instead of a
    copy (see :mod:`promethium.io.segy.shared`). `time_chunks` rechunks the time axis.
    """
    import dask.array as dsa  # dask.array imports scipy: not at `import promethium`
    from dask.highlevelgraph import HighLevelGraph

    dtype = np.dtype(layout.fmt.value_dtype)
    grid_chunks = dsa.core.normalize_chunks(chunks, trace_index.shape)
    shape = (*trace_index.shape, layout.n_samples)
    token = dsa.core.tokenize(layout, trace_index, grid_chunks)
    name = f"open_segy-{token}"
    buffer = f"open_segy-buffer-{token}"
    shared = shares_one_buffer(grid_chunks, math.prod(shape) * dtype.itemsize)
    graph: dict[Any, Any] = {}
    if shared:
        register_join()
        graph[buffer] = (SharedResult, shape, dtype.str)
    starts = [np.cumsum((0, *sizes[:-1])).tolist() for sizes in grid_chunks]
    for block in itertools.product(*(range(len(sizes)) for sizes in grid_chunks)):
        first = tuple(starts[axis][i] for axis, i in enumerate(block))
        index = tuple(
            slice(s, s + grid_chunks[axis][i]) for axis, (s, i) in enumerate(zip(first, block))
        )
        positions = trace_index[index]
        key = (name, *block, 0)
        if shared:
            graph[key] = (read_into_shared, positions, layout, buffer, list(first))
        else:
            graph[key] = (read_block, positions, layout)
    nd = trace_index.ndim
    data = dsa.Array(
        HighLevelGraph.from_collections(name, graph, dependencies=()),
        name,
        chunks=(*grid_chunks, (layout.n_samples,)),
        dtype=dtype,
        meta=np.empty((0,) * (nd + 1), dtype=dtype),
    )
    mask = dsa.map_blocks(
        live_traces, data, drop_axis=nd, dtype=bool, meta=np.empty((0,) * nd, dtype=bool),
        name=f"open_segy-live-{token}",
    )  # fmt: skip
    if time_chunks is not None:
        return data.rechunk({nd: time_chunks}), mask
    return data, mask


def shares_one_buffer(grid_chunks: tuple[tuple[int, ...], ...], nbytes: int) -> bool:
    """Whether the chunks of one compute can share one buffer of the whole array.

    Each chunk must be a contiguous region of the whole array in C order (unit sizes,
    then one partial dim, then whole dims: the default chunks along the slowest dims
    are), there must be more than one (a single chunk is the result already), and the
    whole array must fit in physical memory (the buffer is reserved whole, though only
    the chunks read are touched).
    """
    split = [axis for axis, sizes in enumerate(grid_chunks) if len(sizes) > 1]
    if not split:
        return False
    # The last dim split into several chunks may have any sizes; every dim before it
    # must be in unit chunks (every dim after it is whole).
    if any(set(grid_chunks[axis]) != {1} for axis in range(split[-1])):
        return False
    return nbytes <= _physical_memory()


def _physical_memory() -> int:
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 0
