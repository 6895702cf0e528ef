"""Read trace samples by file trace index: the work each dask chunk does.

Runs of consecutive traces are read with one sequential read each; scattered traces go
through a memory map of the trace records. Files are opened inside the call, so dask
graphs carry only paths and integers, never a file handle.
"""

from __future__ import annotations

import numpy as np

from promethium.errors import SegyFormatError
from promethium.io.segy.headers import SegyLayout
from promethium.io.segy.samples import decode

__all__ = ["read_block", "read_traces"]

_MAX_RUNS = 64


def read_traces(layout: SegyLayout, index: np.ndarray, out: np.ndarray) -> None:
    """Read the samples of file traces `index` into `out` (shape ``(len(index), ns)``).

    Raises
    ------
    SegyFormatError
        If the file is shorter than its layout says (it changed since it was opened).
    """
    index = np.asarray(index, dtype=np.int64)
    if index.size == 0:
        return
    record = layout.record_dtype()
    breaks = np.flatnonzero(np.diff(index) != 1) + 1
    starts = np.concatenate(([0], breaks))
    stops = np.concatenate((breaks, [index.size]))
    if starts.size > max(_MAX_RUNS, index.size // 16):
        records = np.memmap(
            layout.path, dtype=record, mode="r", offset=layout.data_start, shape=(layout.n_traces,)
        )
        decode(records["data"][index], layout.fmt, out)
        return
    with open(layout.path, "rb") as f:
        for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
            f.seek(layout.data_start + int(index[start]) * layout.trace_len)
            buf = np.fromfile(f, dtype=record, count=stop - start)
            if buf.size != stop - start:
                raise SegyFormatError(
                    f"{layout.path}: expected trace {int(index[start]) + buf.size} but the "
                    "file ends earlier; it was truncated or changed after it was opened."
                )
            decode(buf["data"], layout.fmt, out[start:stop])


def read_block(trace_index: np.ndarray, layout: SegyLayout) -> np.ndarray:
    """Return the samples at grid positions `trace_index` (-1 = absent, read as zeros).

    Parameters
    ----------
    trace_index : numpy.ndarray
        File trace index per grid position, any shape.
    layout : SegyLayout
        The file layout.

    Returns
    -------
    numpy.ndarray
        Shape ``trace_index.shape + (n_samples,)``.
    """
    flat = np.asarray(trace_index, dtype=np.int64).ravel()
    out = np.zeros((flat.size, layout.n_samples), dtype=layout.fmt.value_dtype)
    live = flat >= 0
    if live.all():
        read_traces(layout, flat, out)
    elif live.any():
        part = np.empty((int(live.sum()), layout.n_samples), dtype=out.dtype)
        read_traces(layout, flat[live], part)
        out[live] = part
    return out.reshape((*np.shape(trace_index), layout.n_samples))
