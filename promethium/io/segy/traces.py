"""Read trace samples by file trace index: the work each dask chunk does.

segyio reads and decodes the samples: each run of consecutive traces is one
``f.trace.raw[start:stop]`` read (segyio's fastest path; a scattered trace is a run of
one), IBM floats and integer formats decoded by segyio. One measured exception: runs of
IEEE float traces (formats 5 and 6, no decoding needed) are read with NumPy buffered
sequential reads, because segyio holds the GIL while reading, so dask's threads read one
at a time and the whole read ran at about half of segyio's own ``f.trace.raw[:]`` speed
(see docs/io-segy.md). Files segyio refuses but Promethium can still read
(``layout.engine == "numpy"``) also go through NumPy.
Files are opened inside the call, so dask graphs carry only paths and integers.
"""

from __future__ import annotations

import numpy as np

from promethium.errors import SegyFormatError
from promethium.io.segy.engine import read_runs
from promethium.io.segy.layout import SegyLayout
from promethium.io.segy.samples import decode

__all__ = ["live_traces", "read_block", "read_traces"]

_MAX_RUNS = 64
_NUMPY_RUN_FORMATS = (5, 6)  # IEEE floats: NumPy reads runs in parallel threads
_BUFFER_BYTES = 4 * 2**20  # read buffer: large reads, still cache friendly


def live_traces(block: np.ndarray) -> np.ndarray:
    """True for traces with a non-zero, non-NaN sample (two reductions, no temporaries)."""
    return (np.fmax.reduce(block, axis=-1) > 0) | (np.fmin.reduce(block, axis=-1) < 0)


def read_traces(
    layout: SegyLayout, index: np.ndarray, out: np.ndarray, live: np.ndarray | None = None
) -> None:
    """Read the samples of file traces `index` into `out` (shape ``(len(index), ns)``).

    When `live` is given, it receives :func:`live_traces` of each trace, computed while
    the samples are still in cache.

    Raises
    ------
    SegyFormatError
        If the file is shorter than its layout says (it changed since it was opened).
    """
    index = np.asarray(index, dtype=np.int64)
    if index.size == 0:
        return
    breaks = np.flatnonzero(np.diff(index) != 1) + 1
    starts = np.concatenate(([0], breaks))
    stops = np.concatenate((breaks, [index.size]))
    contiguous = starts.size <= max(_MAX_RUNS, index.size // 16)
    if layout.engine == "segyio" and not (contiguous and layout.format_code in _NUMPY_RUN_FORMATS):
        runs = zip(starts.tolist(), index[starts].tolist(), (stops - starts).tolist(), strict=True)
        read_runs(layout, runs, out)
        if live is not None:
            live[...] = live_traces(out)
        return
    _read_numpy(layout, index, starts, stops, out, live)


def _read_numpy(
    layout: SegyLayout,
    index: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    out: np.ndarray,
    live: np.ndarray | None,
) -> None:
    """NumPy reader for files segyio refuses (see :class:`SegyLayout` ``engine``)."""
    record = layout.record_dtype()
    if starts.size > max(_MAX_RUNS, index.size // 16):
        records = np.memmap(
            layout.path, dtype=record, mode="r", offset=layout.data_start, shape=(layout.n_traces,)
        )
        decode(records["data"][index], layout.fmt, out)
        del records
        layout.check_unchanged()
        if live is not None:
            live[...] = live_traces(out)
        return
    step = max(1, _BUFFER_BYTES // layout.trace_len)
    buf = np.empty(min(step, index.size), dtype=record)
    # numpy declares ndarray.__buffer__ only for Python >= 3.12; it is a buffer on 3.10 too.
    view = memoryview(buf).cast("B")  # type: ignore[arg-type]
    with open(layout.path, "rb", buffering=0) as f:
        for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
            f.seek(layout.data_start + int(index[start]) * layout.trace_len)
            for lo in range(start, stop, step):
                n = min(step, stop - lo)
                got = f.readinto(view[: n * layout.trace_len])
                if got != n * layout.trace_len:
                    raise SegyFormatError(
                        f"{layout.path}: expected trace {int(index[lo]) + got // layout.trace_len}"
                        " but the file ends earlier; it was truncated or changed after it was "
                        "opened."
                    )
                decode(buf["data"][:n], layout.fmt, out[lo : lo + n])
                if live is not None:
                    live[lo : lo + n] = live_traces(out[lo : lo + n])
        layout.check_unchanged(f.fileno())


def read_block(trace_index: np.ndarray, layout: SegyLayout) -> tuple[np.ndarray, np.ndarray]:
    """Read the samples at grid positions `trace_index` (-1 = absent, read as zeros).

    Parameters
    ----------
    trace_index : numpy.ndarray
        File trace index per grid position, any shape.
    layout : SegyLayout
        The file layout.

    Returns
    -------
    tuple of numpy.ndarray
        The samples, shape ``trace_index.shape + (n_samples,)``, and the live-trace
        mask, shape ``trace_index.shape`` (False where absent, all zero or all NaN).
    """
    shape = np.shape(trace_index)
    flat = np.asarray(trace_index, dtype=np.int64).ravel()
    present = flat >= 0
    live = np.zeros(flat.size, dtype=bool)
    if present.all():
        out = np.empty((flat.size, layout.n_samples), dtype=layout.fmt.value_dtype)
        read_traces(layout, flat, out, live)
    else:
        out = np.zeros((flat.size, layout.n_samples), dtype=layout.fmt.value_dtype)
        if present.any():
            part = np.empty((int(present.sum()), layout.n_samples), dtype=out.dtype)
            part_live = np.empty(part.shape[0], dtype=bool)
            read_traces(layout, flat[present], part, part_live)
            out[present] = part
            live[present] = part_live
    return out.reshape((*shape, layout.n_samples)), live.reshape(shape)
