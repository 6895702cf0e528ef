"""Read trace samples by file trace index: the work each dask chunk does.

One path for every sample format: NumPy reads runs of consecutive traces with large
unbuffered ``readinto`` calls (a scattered trace is a run of one) into a reusable buffer
of about 4 MB, and :func:`~promethium.io.segy.samples.decode` turns that buffer's
samples into numbers, IBM floats bit for bit as segyio does. Reading and decoding both
release the GIL, so the dask threads of a compute read and convert chunks in parallel;
segyio holds the GIL for the whole of each read and decode, which serialized them (see
docs/io-segy.md, "Performance", for the measurements). segyio still opens and validates
every file and reads its standard header words (:mod:`promethium.io.segy.engine`).

The file is opened inside the call, so dask graphs carry only paths and integers, and
it is checked against the identity recorded when it was opened after the read
(:meth:`SegyLayout.check_unchanged`), so a replaced file is never mixed in.
"""

from __future__ import annotations

import numpy as np

from promethium.errors import SegyFormatError
from promethium.io.segy.layout import SegyLayout
from promethium.io.segy.samples import Decoder

__all__ = ["live_traces", "read_block", "read_traces"]

#: Size of the read buffer: reads are large, the decoded block stays cache friendly.
READ_BUFFER_BYTES = 1 * 2**20


def live_traces(block: np.ndarray) -> np.ndarray:
    """True for traces with a non-zero, non-NaN sample (two reductions, no temporaries)."""
    return (np.fmax.reduce(block, axis=-1) > 0) | (np.fmin.reduce(block, axis=-1) < 0)


def _runs(index: np.ndarray) -> list[tuple[int, int]]:
    """``(first trace, count)`` of each run of consecutive file traces in `index`."""
    breaks = np.flatnonzero(np.diff(index) != 1) + 1
    starts = np.concatenate(([0], breaks))
    counts = np.diff(np.concatenate((starts, [index.size])))
    return list(zip(index[starts].tolist(), counts.tolist(), strict=True))


def read_traces(
    layout: SegyLayout, index: np.ndarray, out: np.ndarray, live: np.ndarray | None = None
) -> None:
    """Read the samples of file traces `index` into `out` (shape ``(len(index), ns)``).

    When `live` is given, it receives :func:`live_traces` of each trace, computed while
    the samples are still in cache.

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
    record = layout.record_dtype()
    step = max(1, READ_BUFFER_BYTES // layout.trace_len)
    buf = np.empty(min(step, index.size), dtype=record)
    decode = Decoder(layout.fmt, buf.size * layout.n_samples)
    # numpy declares ndarray.__buffer__ only for Python >= 3.12; it is a buffer on 3.10 too.
    view = memoryview(buf).cast("B")  # type: ignore[arg-type]
    filled = done = 0  # traces in the buffer; traces of `out` already decoded

    def flush() -> None:
        nonlocal filled, done
        rows = slice(done, done + filled)
        decode(buf["data"][:filled], out[rows])
        if live is not None:
            live[rows] = live_traces(out[rows])
        done, filled = done + filled, 0

    with open(layout.path, "rb", buffering=0) as f:
        for first, count in _runs(index):
            while count:
                n = min(count, step - filled)
                f.seek(layout.data_start + first * layout.trace_len)
                target = view[filled * layout.trace_len : (filled + n) * layout.trace_len]
                got = 0
                while got < len(target):
                    part = f.readinto(target[got:])
                    if not part:
                        layout.check_unchanged(f.fileno())
                        raise SegyFormatError(
                            f"{layout.path}: expected trace "
                            f"{first + got // layout.trace_len} but the file ends earlier; "
                            "it is shorter than its headers say."
                        )
                    got += part
                filled, first, count = filled + n, first + n, count - n
                if filled == step:
                    flush()
        if filled:
            flush()
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
