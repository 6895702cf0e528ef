"""segyio as the reading engine: open and validate files, read header words and samples.

Every function opens the file itself (``segyio.open(path, "r", ignore_geometry=True,
endian=...)``) and closes it before returning, so dask graphs carry only paths and
integers, never a file handle. segyio's exceptions become
:class:`~promethium.errors.SegyFormatError` naming the file and what was found.
segyio is imported inside the functions: ``import promethium`` does not import it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.errors import SegyFormatError

if TYPE_CHECKING:
    from promethium.io.segy.layout import SegyLayout

__all__ = ["probe", "read_runs", "read_words", "segyio_fields", "segyio_file"]

_HEADER_WINDOW = 64 * 2**20  # bytes of file mapped at a time while reading header words


@functools.cache
def segyio_fields() -> dict[int, int]:
    """Trace header words that segyio's ``attributes`` reads: byte -> size in bytes."""
    import segyio

    starts = sorted(int(v) for v in segyio.TraceField.enums())
    return {b: nxt - b for b, nxt in zip(starts, [*starts[1:], 241], strict=True)}


@contextmanager
def segyio_file(path: str, endian: str) -> Iterator[Any]:
    """Open `path` read-only with segyio (no geometry); errors become SegyFormatError."""
    import segyio

    try:
        f = segyio.open(path, "r", ignore_geometry=True, endian=endian)
    except OSError as err:
        raise SegyFormatError(f"{path}: cannot read the file ({err.strerror or err}).") from err
    except (RuntimeError, ValueError, IndexError, KeyError) as err:
        # segyio raises IndexError for a file with headers but no trace.
        raise SegyFormatError(f"{path}: segyio cannot open it as SEG-Y: {err}.") from err
    with f:
        yield f


def probe(path: str, endian: str) -> dict[str, int] | str:
    """Open `path` with segyio and return its layout, or segyio's reason for refusing it.

    Returns
    -------
    dict or str
        ``tracecount``, ``trace0`` (byte where traces start), ``samplecount``,
        ``format``, ``ext_headers`` and, from ``f.bin``, ``interval`` and
        ``measurement_system``; or the error text when segyio cannot open the file.
    """
    import segyio

    try:
        with segyio_file(path, endian) as f:
            metrics = dict(f.xfd.metrics())
            metrics["interval"] = int(f.bin[segyio.BinField.Interval])
            metrics["measurement_system"] = int(f.bin[segyio.BinField.MeasurementSystem])
            return {k: int(v) for k, v in metrics.items()}
    except SegyFormatError as err:
        return str(err)


def read_words(
    layout: SegyLayout, words: Iterable[tuple[int, int]], stop: int | None = None
) -> dict[tuple[int, int], np.ndarray]:
    """Read trace header words of traces ``[0, stop)`` as int64, ``(byte, size) -> values``.

    Words that segyio knows (a standard field start with its standard size) are read
    with ``f.attributes(byte)``, one file window at a time through a memory map that is
    released after each window, so resident memory stays bounded whatever the file
    size. segyio reads only its standard fields: any other ``(byte, size)`` (e.g. byte
    221, or a 2-byte read of a 4-byte field) falls back to NumPy on the raw header bytes.
    """
    from promethium.io.segy.headers import header_word
    from promethium.io.segy.layout import read_trace_headers

    n = layout.n_traces if stop is None else min(stop, layout.n_traces)
    words = list(dict.fromkeys(words))
    fields = segyio_fields()
    native = [w for w in words if fields.get(w[0]) == w[1]] if layout.engine == "segyio" else []
    out = {w: np.empty(n, dtype=np.int64) for w in native}
    step = max(1, _HEADER_WINDOW // layout.trace_len)
    for start in range(0, n if native else 0, step):
        end = min(n, start + step)
        with segyio_file(layout.path, layout.endian) as f:
            f.mmap()  # False when mmap is unavailable: segyio then reads with stdio
            for byte, size in native:
                out[byte, size][start:end] = f.attributes(byte)[start:end]
    layout.check_unchanged()
    others = [w for w in words if w not in out]
    if others:  # NumPy fallback for words segyio does not read
        headers = read_trace_headers(layout, stop=n)
        out.update({w: header_word(headers, w, layout.endian) for w in others})
    return out


def read_runs(layout: SegyLayout, runs: Iterable[tuple[int, int, int]], out: np.ndarray) -> None:
    """Read file traces ``[first, first + count)`` into ``out[row : row + count]``.

    `runs` holds ``(row, first, count)`` triples; each run is one
    ``f.trace.raw[first : first + count]`` read (segyio's fastest path), decoded by
    segyio (IBM floats included) and cast to the dtype of `out`.

    Raises
    ------
    SegyFormatError
        If the file cannot be read any more (it was truncated or changed after it was
        opened).
    """
    with segyio_file(layout.path, layout.endian) as f:
        raw = f.trace.raw
        for row, first, count in runs:
            try:
                out[row : row + count] = raw[first : first + count]
            except (RuntimeError, OSError) as err:
                raise SegyFormatError(
                    f"{layout.path}: cannot read traces {first}..{first + count - 1} ({err}); "
                    "the file was truncated or changed after it was opened."
                ) from err
    layout.check_unchanged()
