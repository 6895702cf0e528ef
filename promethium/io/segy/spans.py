"""Positioned reads of trace records that cannot crash: spans, runs and header rows.

Every read of a SEG-Y file's traces goes through here: plain ``readinto`` calls into
memory the reader owns, never a memory map. A memory-mapped file that another process
truncates ends the reading process with ``SIGBUS``, which Python cannot catch; a read
past the new end of the file just returns fewer bytes, and :func:`read_exact` turns that
into :class:`~promethium.errors.SourceChangedError` (the file changed since it was
opened) or :class:`~promethium.errors.SegyFormatError` (it is shorter than its headers
say).
"""

from __future__ import annotations

from io import FileIO

import numpy as np

from promethium.errors import SegyFormatError
from promethium.io.segy.layout import TRACE_HEADER_SIZE, SegyLayout

__all__ = [
    "Run",
    "header_buffer_bytes",
    "read_exact",
    "read_header_rows",
    "runs",
    "traces_per_window",
]

#: ``(first row, first file trace, count)``: rows of an output read from one run of
#: consecutive file traces.
Run = tuple[int, int, int]

#: Longest trace record whose headers are read as one span of whole records: below it
#: a span reads the pages that hold the headers anyway; above it each header is read
#: by itself (a system call per trace costs less than reading the samples between).
SPAN_TRACE_BYTES = 16 * 2**10


def runs(index: np.ndarray) -> list[Run]:
    """Split `index` (file trace per row, -1 = absent) into runs of consecutive traces.

    A run maps consecutive rows onto consecutive file traces; absent rows are in none.

    Examples
    --------
    >>> runs(np.array([4, 5, 6, -1, 9, 8]))
    [(0, 4, 3), (4, 9, 1), (5, 8, 1)]
    """
    rows = np.flatnonzero(index >= 0)
    if rows.size == 0:
        return []
    traces = index[rows]
    breaks = np.flatnonzero((np.diff(rows) != 1) | (np.diff(traces) != 1)) + 1
    starts = np.concatenate(([0], breaks))
    counts = np.diff(np.concatenate((starts, [rows.size])))
    return list(zip(rows[starts].tolist(), traces[starts].tolist(), counts.tolist(), strict=True))


def read_exact(layout: SegyLayout, f: FileIO, offset: int, target: memoryview) -> None:
    """Fill `target` with the bytes of `f` from `offset`, or raise.

    Raises
    ------
    SourceChangedError
        If the file ends early because it changed (truncated, replaced) since it was
        opened.
    SegyFormatError
        If the file, unchanged, ends before `target` is full: it is shorter than its
        layout says.
    """
    f.seek(offset)
    got = 0
    while got < len(target):
        part = f.readinto(target[got:])
        if not part:
            layout.check_unchanged(f.fileno())
            trace = max(0, (offset + got - layout.data_start) // layout.trace_len)
            raise SegyFormatError(
                f"{layout.path}: expected trace {trace} but the file ends earlier; it is "
                "shorter than its headers say."
            )
        got += part


def read_header_rows(
    layout: SegyLayout, f: FileIO, first: int, count: int, buffer: np.ndarray
) -> np.ndarray:
    """Read the headers of traces ``[first, first + count)`` through `buffer`.

    Parameters
    ----------
    layout : SegyLayout
        The file.
    f : io.FileIO
        The file, opened unbuffered.
    first, count : int
        The traces.
    buffer : numpy.ndarray
        uint8 scratch of at least :func:`header_buffer_bytes` of `count` bytes.

    Returns
    -------
    numpy.ndarray
        ``(count, 240)`` uint8 view of `buffer` (strided when the records were read as
        one span); valid until `buffer` is read into again.
    """
    # numpy declares ndarray.__buffer__ only for Python >= 3.12; it is a buffer on 3.10 too.
    view = memoryview(buffer)  # type: ignore[arg-type]
    if layout.trace_len <= SPAN_TRACE_BYTES:
        length = (count - 1) * layout.trace_len + TRACE_HEADER_SIZE
        read_exact(layout, f, layout.data_start + first * layout.trace_len, view[:length])
        return np.ndarray(
            (count, TRACE_HEADER_SIZE), np.uint8, buffer, strides=(layout.trace_len, 1)
        )
    for i in range(count):
        row = view[i * TRACE_HEADER_SIZE : (i + 1) * TRACE_HEADER_SIZE]
        read_exact(layout, f, layout.data_start + (first + i) * layout.trace_len, row)
    return buffer[: count * TRACE_HEADER_SIZE].reshape(count, TRACE_HEADER_SIZE)


def header_buffer_bytes(layout: SegyLayout, count: int) -> int:
    """Bytes of scratch :func:`read_header_rows` needs for `count` traces."""
    if layout.trace_len <= SPAN_TRACE_BYTES:
        return (count - 1) * layout.trace_len + TRACE_HEADER_SIZE
    return count * TRACE_HEADER_SIZE


def traces_per_window(layout: SegyLayout, window_bytes: int) -> int:
    """Traces whose headers :func:`read_header_rows` reads with `window_bytes` of scratch."""
    per = layout.trace_len if layout.trace_len <= SPAN_TRACE_BYTES else TRACE_HEADER_SIZE
    return max(1, window_bytes // per)
