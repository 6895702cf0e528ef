"""segyio as the reading engine: open and validate files.

This is the only module that imports segyio, and it imports nothing from Promethium but
its errors, so the SEG-Y layer has one way in to segyio and no cycles. Every function
opens the file itself (``segyio.open(path, "r", ignore_geometry=True, endian=...)``) and
closes it before returning, so dask graphs carry only paths and integers, never a file
handle. segyio's exceptions become :class:`~promethium.errors.SegyFormatError` naming
the file and what was found. segyio is imported inside the functions: ``import
promethium`` does not import it.

Header words and samples are not read here: NumPy reads them, with strided reads of a
memory map (:mod:`promethium.io.segy.headers`) and positioned reads straight into the
output (:mod:`promethium.io.segy.traces`); see docs/io-segy.md for why.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from promethium.errors import SegyFormatError

__all__ = ["probe", "segyio_file"]


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
