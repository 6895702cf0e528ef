"""The samples of an opened SEG-Y file as dask arrays: samples and live-trace mask."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.io.segy.traces import live_traces, read_block

if TYPE_CHECKING:
    import dask.array as dsa

    from promethium.io.segy.layout import SegyLayout

__all__ = ["lazy_samples"]


def lazy_samples(
    layout: SegyLayout, trace_index: np.ndarray, chunks: tuple[int, ...], time_chunks: Any = None
) -> tuple[dsa.Array, dsa.Array]:
    """Return the samples (trace dims + time) and the live-trace mask as dask arrays.

    One task per chunk of `chunks` (over the trace dims) reads its traces; the mask is
    reduced from those chunks, so a compute of both reads each chunk once, and a
    compute of the samples alone (e.g. ``.values``) does not compute the mask.
    `time_chunks` rechunks the time axis.
    """
    import dask.array as dsa  # dask.array imports scipy: not at `import promethium`

    dtype = np.dtype(layout.fmt.value_dtype)
    tindex = dsa.from_array(trace_index, chunks=chunks, name=False)
    token = dsa.core.tokenize(layout, trace_index, chunks)
    nd = tindex.ndim
    data = tindex.map_blocks(
        read_block, layout, new_axis=nd, chunks=(*tindex.chunks, (layout.n_samples,)),
        dtype=dtype, meta=np.empty((0,) * (nd + 1), dtype=dtype), name=f"open_segy-{token}",
    )  # fmt: skip
    mask = data.map_blocks(
        live_traces, drop_axis=nd, dtype=bool, meta=np.empty((0,) * nd, dtype=bool),
        name=f"open_segy-live-{token}",
    )  # fmt: skip
    if time_chunks is not None:
        return data.rechunk({nd: time_chunks}), mask
    return data, mask
