"""Read trace samples by file trace index: the work each dask chunk does.

One path for every sample format: NumPy reads runs of consecutive traces (a scattered
trace is a run of one) with large positioned reads of whole trace records into a
reusable buffer that stays in the CPU cache (:data:`READ_BUFFER_BYTES`), and decodes
them from there into their rows of the output in one pass (byte order and format at
once; IBM floats bit for bit as segyio decodes them). Reading into a small, hot
buffer costs less than scattering the samples straight into the output: the kernel
copies long contiguous ranges into memory it already has mapped. Reads and NumPy's
array operations release the GIL, so the dask threads of a compute read and convert
chunks in parallel; segyio holds the GIL for the whole of each read and decode, which
serialized them (see docs/io-segy.md, "Performance"); it still opens and validates
every file (:mod:`promethium.io.segy.engine`).

The file is opened inside the call, so dask graphs carry only paths and integers, and
after the read it is checked against the identity recorded when it was opened
(:meth:`SegyLayout.check_unchanged`), so a replaced file is never mixed in.
"""

from __future__ import annotations

from io import FileIO

import numpy as np

from promethium.io.segy.layout import SegyLayout
from promethium.io.segy.samples import Decoder
from promethium.io.segy.shared import SegyBlock, SharedResult
from promethium.io.segy.spans import Run, read_exact, runs

__all__ = ["live_traces", "read_block", "read_into_shared", "read_traces"]

#: Size of the read buffer: reads long enough to cost little per call, a buffer small
#: enough to stay in the CPU cache while it is decoded.
READ_BUFFER_BYTES = 2**19


def live_traces(block: np.ndarray) -> np.ndarray:
    """True for traces with a non-zero, non-NaN sample (two reductions, no temporaries)."""
    return (np.fmax.reduce(block, axis=-1) > 0) | (np.fmin.reduce(block, axis=-1) < 0)


def read_traces(layout: SegyLayout, index: np.ndarray, out: np.ndarray) -> None:
    """Read the samples of file traces `index` into the rows of `out`.

    Parameters
    ----------
    layout : SegyLayout
        The file.
    index : numpy.ndarray
        File trace number of each row of `out`; rows where it is -1 (absent) are left
        as they are.
    out : numpy.ndarray
        C-contiguous ``(len(index), n_samples)`` array of dtype ``fmt.value_dtype``.

    Raises
    ------
    SegyFormatError
        If the file is shorter than its layout says.
    SourceChangedError
        If the file changed (replaced, truncated, rewritten) since it was opened.
    """
    todo = runs(np.asarray(index, dtype=np.int64))
    if not todo:
        return
    buffer_traces = min(len(index), _buffer_traces(layout))
    decoder = Decoder(layout.fmt, buffer_traces * layout.n_samples)
    with open(layout.path, "rb", buffering=0) as f:
        _read_buffered(layout, f, todo, out, decoder, buffer_traces)
        layout.check_unchanged(f.fileno())


def _buffer_traces(layout: SegyLayout) -> int:
    return max(1, READ_BUFFER_BYTES // layout.trace_len)


def _read_buffered(
    layout: SegyLayout,
    f: FileIO,
    todo: list[Run],
    out: np.ndarray,
    decode: Decoder,
    buffer_traces: int,
) -> None:
    """Read runs into a reusable buffer of whole trace records and decode from there.

    Several runs share a buffer (a scattered trace is a run of one); at each flush the
    buffer is decoded into the rows it came from, contiguous rows at once.
    """
    buf = np.empty(buffer_traces, dtype=layout.record_dtype())
    # numpy declares ndarray.__buffer__ only for Python >= 3.12; it is a buffer on 3.10 too.
    view = memoryview(buf).cast("B")  # type: ignore[arg-type]
    targets: list[list[int]] = []  # [first row, first buffer slot, count], merged
    filled = 0  # traces in the buffer

    def flush() -> None:
        for row, slot, n in targets:
            decode(buf["data"][slot : slot + n], out[row : row + n])
        targets.clear()

    for row, first, count in todo:
        while count:
            n = min(count, buf.size - filled)
            target = view[filled * layout.trace_len : (filled + n) * layout.trace_len]
            read_exact(layout, f, layout.data_start + first * layout.trace_len, target)
            if targets and targets[-1][0] + targets[-1][2] == row:
                targets[-1][2] += n
            else:
                targets.append([row, filled, n])
            filled, row, first, count = filled + n, row + n, first + n, count - n
            if filled == buf.size:
                flush()
                filled = 0
    flush()


def read_block(trace_index: np.ndarray, layout: SegyLayout) -> np.ndarray:
    """Read the samples at grid positions `trace_index` (-1 = absent, read as zeros).

    Parameters
    ----------
    trace_index : numpy.ndarray
        File trace index per grid position, any shape.
    layout : SegyLayout
        The file layout.

    Returns
    -------
    numpy.ndarray
        The samples, shape ``trace_index.shape + (n_samples,)``, dtype
        ``fmt.value_dtype``: a new array that the traces were read straight into
        (absent positions are zero pages, never written).
    """
    shape = np.shape(trace_index)
    flat = np.asarray(trace_index, dtype=np.int64).ravel()
    allocate = np.empty if bool(np.all(flat >= 0)) else np.zeros
    out = allocate((flat.size, layout.n_samples), dtype=layout.fmt.value_dtype)
    read_traces(layout, flat, out)
    return out.reshape((*shape, layout.n_samples))


def read_into_shared(
    trace_index: np.ndarray, layout: SegyLayout, result: SharedResult, start: tuple[int, ...]
) -> SegyBlock:
    """Read the samples at grid positions `trace_index` into their region of `result`.

    The chunk task of :func:`~promethium.io.segy.lazy.lazy_samples` when the chunks of
    a compute share one buffer (see :mod:`promethium.io.segy.shared`).

    Parameters
    ----------
    trace_index : numpy.ndarray
        File trace index per grid position of the chunk (-1 = absent, left zero).
    layout : SegyLayout
        The file layout.
    result : SharedResult
        The buffer of this compute, shaped ``grid shape + (n_samples,)``.
    start : tuple of int
        Grid position of the chunk's first element.

    Returns
    -------
    SegyBlock
        The chunk: a view of its region of `result`.
    """
    shape = np.shape(trace_index)
    index = tuple(slice(s, s + n) for s, n in zip(start, shape, strict=True))
    block = result.region(index)
    flat = np.asarray(trace_index, dtype=np.int64).ravel()
    read_traces(layout, flat, block.view(np.ndarray).reshape(flat.size, layout.n_samples))
    return block
