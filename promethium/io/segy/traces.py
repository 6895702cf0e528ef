"""Read trace samples by file trace index: the work each dask chunk does.

One path for every sample format: NumPy reads runs of consecutive traces (a scattered
trace is a run of one) with large positioned reads and decodes them, IBM floats bit for
bit as segyio does. Where the decoded sample has the size of the stored one (IBM and
IEEE floats), ``os.preadv`` scatters each trace's samples straight into its row of the
output (its 240-byte header into a scratch buffer) and they are decoded in place, so
the samples are copied once, from the page cache; other formats (and systems without
``preadv``) read runs into a reusable ~1 MB buffer and decode from there. Reads and
NumPy's array operations release the GIL, so the dask threads of a compute read and
convert chunks in parallel; segyio holds the GIL for the whole of each read and decode,
which serialized them (see docs/io-segy.md, "Performance"). segyio still opens and
validates every file and reads its standard header words
(:mod:`promethium.io.segy.engine`).

The file is opened inside the call, so dask graphs carry only paths and integers, and
after the read it is checked against the identity recorded when it was opened
(:meth:`SegyLayout.check_unchanged`), so a replaced file is never mixed in.
"""

from __future__ import annotations

import os
from io import FileIO

import numpy as np

from promethium.errors import SegyFormatError
from promethium.io.segy.layout import TRACE_HEADER_SIZE, SegyLayout
from promethium.io.segy.samples import Decoder

__all__ = ["live_traces", "read_block", "read_traces"]

#: Size of the read buffer of the buffered path: large reads, cache-friendly decoding.
READ_BUFFER_BYTES = 2**20
#: Traces per ``preadv`` call: two buffers each, under the usual IOV_MAX of 1024.
_PREADV_TRACES = 500


def live_traces(block: np.ndarray) -> np.ndarray:
    """True for traces with a non-zero, non-NaN sample (two reductions, no temporaries)."""
    return (np.fmax.reduce(block, axis=-1) > 0) | (np.fmin.reduce(block, axis=-1) < 0)


def _runs(index: np.ndarray) -> list[tuple[int, int]]:
    """``(first trace, count)`` of each run of consecutive file traces in `index`."""
    breaks = np.flatnonzero(np.diff(index) != 1) + 1
    starts = np.concatenate(([0], breaks))
    counts = np.diff(np.concatenate((starts, [index.size])))
    return list(zip(index[starts].tolist(), counts.tolist(), strict=True))


def _short(layout: SegyLayout, f: FileIO, trace: int) -> SegyFormatError:
    """The error of a file that ends before trace `trace` (unless it changed meanwhile)."""
    layout.check_unchanged(f.fileno())
    return SegyFormatError(
        f"{layout.path}: expected trace {trace} but the file ends earlier; it is shorter "
        "than its headers say."
    )


def read_traces(layout: SegyLayout, index: np.ndarray, out: np.ndarray) -> None:
    """Read the samples of file traces `index` into `out`.

    Parameters
    ----------
    layout : SegyLayout
        The file.
    index : numpy.ndarray
        File trace numbers, in the order of the rows of `out`.
    out : numpy.ndarray
        C-contiguous ``(len(index), n_samples)`` array of dtype ``fmt.value_dtype``.

    Raises
    ------
    SegyFormatError
        If the file is shorter than its layout says.
    SourceChangedError
        If the file changed (replaced, truncated, rewritten) since it was opened.
    """
    index = np.asarray(index, dtype=np.int64)
    if index.size == 0:
        return
    runs = _runs(index)
    size = min(index.size, _buffer_traces(layout)) * layout.n_samples
    decoder = Decoder(layout.fmt, layout.endian, size)
    with open(layout.path, "rb", buffering=0) as f:
        if decoder.in_place and hasattr(os, "preadv"):
            _read_scattered(layout, f, runs, out, decoder)
        else:
            _read_buffered(layout, f, runs, out, decoder)
        layout.check_unchanged(f.fileno())


def _buffer_traces(layout: SegyLayout) -> int:
    return max(1, READ_BUFFER_BYTES // layout.trace_len)


def _read_scattered(
    layout: SegyLayout, f: FileIO, runs: list[tuple[int, int]], out: np.ndarray, decode: Decoder
) -> None:
    """Read each trace's samples into its row of `out` and decode each batch in place.

    Trace headers go to a scratch buffer; a batch is decoded right after it is read,
    while it is in the CPU cache.
    """
    row_bytes = out.shape[1] * out.itemsize
    flat = memoryview(out.reshape(-1).view(np.uint8))  # type: ignore[arg-type]
    header = memoryview(bytearray(TRACE_HEADER_SIZE))
    fd, row = f.fileno(), 0
    for first, count in runs:
        for lo in range(0, count, _PREADV_TRACES):
            n = min(_PREADV_TRACES, count - lo)
            start = (row + lo) * row_bytes
            buffers = []
            for at in range(start, start + n * row_bytes, row_bytes):
                buffers += [header, flat[at : at + row_bytes]]
            offset = layout.data_start + (first + lo) * layout.trace_len
            got = os.preadv(fd, buffers, offset)
            if got != n * layout.trace_len:  # a regular file reads short only at its end
                raise _short(layout, f, first + lo + got // layout.trace_len)
            decode.decode_in_place(out[row + lo : row + lo + n])
        row += count


def _read_buffered(
    layout: SegyLayout,
    f: FileIO,
    runs: list[tuple[int, int]],
    out: np.ndarray,
    decode: Decoder,
) -> None:
    """Read runs into a reusable buffer of whole trace records and decode from there."""
    step = _buffer_traces(layout)
    buf = np.empty(min(step, out.shape[0]), dtype=layout.record_dtype())
    # numpy declares ndarray.__buffer__ only for Python >= 3.12; it is a buffer on 3.10 too.
    view = memoryview(buf).cast("B")  # type: ignore[arg-type]
    filled = done = 0  # traces in the buffer; rows of `out` already decoded
    for first, count in runs:
        while count:
            n = min(count, step - filled)
            f.seek(layout.data_start + first * layout.trace_len)
            target = view[filled * layout.trace_len : (filled + n) * layout.trace_len]
            got = 0
            while got < len(target):
                part = f.readinto(target[got:])
                if not part:
                    raise _short(layout, f, first + got // layout.trace_len)
                got += part
            filled, first, count = filled + n, first + n, count - n
            if filled == buf.size:
                decode(buf["data"][:filled], out[done : done + filled])
                done, filled = done + filled, 0
    if filled:
        decode(buf["data"][:filled], out[done : done + filled])


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
        ``fmt.value_dtype``.
    """
    shape = np.shape(trace_index)
    flat = np.asarray(trace_index, dtype=np.int64).ravel()
    present = flat >= 0
    dtype = layout.fmt.value_dtype
    if present.all():
        out = np.empty((flat.size, layout.n_samples), dtype=dtype)
        read_traces(layout, flat, out)
    else:
        out = np.zeros((flat.size, layout.n_samples), dtype=dtype)
        if present.any():
            part = np.empty((int(present.sum()), layout.n_samples), dtype=dtype)
            read_traces(layout, flat[present], part)
            out[present] = part
    return out.reshape((*shape, layout.n_samples))
