"""SEG-Y trace header words: byte locations, profiles, reading them, writing them.

Byte locations are 1-based, as printed in the SEG-Y standard. A header word is given
either as a byte location (a 4-byte signed integer) or as ``(byte, size)`` with size 2
or 4. Words are read by :func:`read_words`, all of them in one pass: positioned reads
of spans of trace records into a reusable buffer, from which each word is copied with
a strided NumPy read (:func:`read_trace_headers` gives the whole 240 bytes, and
:func:`read_headers_at` those of any traces). No memory map: a file truncated while it
is read is an error, never a ``SIGBUS``.
The file layout (byte order, format, trace count) is :mod:`promethium.io.segy.layout`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from promethium.errors import ConfigError, InvalidDataError
from promethium.io.segy.layout import TRACE_HEADER_SIZE, SegyLayout
from promethium.io.segy.samples import ByteOrder
from promethium.io.segy.spans import (
    header_buffer_bytes,
    read_header_rows,
    runs,
    traces_per_window,
)

__all__ = [
    "DEFAULT_KEYS",
    "PROFILES",
    "TRACE_FIELDS",
    "XY_FIELDS",
    "check_range",
    "header_word",
    "parse_word",
    "put_word",
    "read_headers_at",
    "read_trace_headers",
    "read_words",
    "resolve_byte_locations",
]

#: Bytes of file read at a time while reading header words (bounded memory): large
#: enough that the per-window Python work costs little next to the read itself.
HEADER_WINDOW = 8 * 2**20
#: Threads of the header pass (alternate windows): two cores read and copy at once.
HEADER_THREADS = 2

#: Standard trace header words used by Promethium: name -> (byte, size).
TRACE_FIELDS: dict[str, tuple[int, int]] = {
    "trace_sequence_line": (1, 4),
    "trace_sequence_file": (5, 4),
    "field_record": (9, 4),
    "channel": (13, 4),
    "energy_source_point": (17, 4),
    "cdp": (21, 4),
    "cdp_trace": (25, 4),
    "trace_id": (29, 2),
    "offset": (37, 4),
    "group_elevation": (41, 4),
    "source_elevation": (45, 4),
    "source_depth": (49, 4),
    "elevation_scalar": (69, 2),
    "coordinate_scalar": (71, 2),
    "source_x": (73, 4),
    "source_y": (77, 4),
    "group_x": (81, 4),
    "group_y": (85, 4),
    "coordinate_units": (89, 2),
    "delay": (109, 2),
    "n_samples": (115, 2),
    "sample_interval": (117, 2),
    "cdp_x": (181, 4),
    "cdp_y": (185, 4),
    "iline": (189, 4),
    "xline": (193, 4),
}

#: Default byte locations of the keys :func:`open_segy` builds geometry from.
DEFAULT_KEYS: dict[str, int | tuple[int, int]] = {
    "iline": 189,
    "xline": 193,
    "offset": 37,
    "cdp": 21,
    "shot": 9,
    "channel": 13,
}

#: Named byte-location profiles for layouts met in practice (keys as DEFAULT_KEYS).
PROFILES: dict[str, dict[str, int | tuple[int, int]]] = {
    "standard": dict(DEFAULT_KEYS),
    "bytes_221": {**DEFAULT_KEYS, "iline": 221, "xline": 225},
    "fldr_cdp": {**DEFAULT_KEYS, "iline": 9, "xline": 21},
    "ep_cdp": {**DEFAULT_KEYS, "iline": 17, "xline": 21, "shot": 17},
    "bytes_181": {**DEFAULT_KEYS, "iline": 181, "xline": 185},
}

#: Trace header words holding x/y coordinates (under ``coordinate_scalar``).
XY_FIELDS = ("cdp_x", "cdp_y", "source_x", "source_y", "group_x", "group_y")


def parse_word(value: object, name: str) -> tuple[int, int]:
    """Normalize a byte-location spec to ``(byte, size)``.

    Raises
    ------
    ConfigError
        If the spec is not an int or a ``(byte, size)`` pair inside the 240-byte header.
    """
    byte, size = (value, 4) if isinstance(value, int | np.integer) else (None, None)
    if isinstance(value, tuple | list) and len(value) == 2:
        byte, size = value
    if byte is None or size not in (2, 4) or not 1 <= int(byte) <= TRACE_HEADER_SIZE + 1 - size:
        raise ConfigError(
            f"byte location {name}={value!r} is invalid; give a 1-based byte in 1..237 "
            "(a 4-byte integer) or a pair (byte, size) with size 2 or 4, e.g. (189, 4)."
        )
    return int(byte), int(size)


def resolve_byte_locations(
    profile: str | None, overrides: dict[str, object]
) -> dict[str, tuple[int, int]]:
    """Merge a named profile with keyword overrides into ``name -> (byte, size)``."""
    base: dict[str, object]
    if profile is None:
        base = dict(DEFAULT_KEYS)
    elif profile in PROFILES:
        base = dict(PROFILES[profile])
    else:
        raise ConfigError(
            f"unknown byte-location profile {profile!r}; known profiles: {sorted(PROFILES)}."
        )
    base.update({k: v for k, v in overrides.items() if v is not None})
    return {name: parse_word(value, name) for name, value in base.items()}


def header_word(headers: np.ndarray, word: tuple[int, int], endian: str) -> np.ndarray:
    """Extract a signed header word from ``(n, 240)`` header bytes as int64."""
    byte, size = word
    order: ByteOrder = ">" if endian == "big" else "<"
    dtype = np.dtype(f"i{size}").newbyteorder(order)
    block = headers[:, byte - 1 : byte - 1 + size]
    if block.strides[-1] != 1:  # a view needs its bytes contiguous along the last axis
        block = np.ascontiguousarray(block)
    return block.view(dtype)[:, 0].astype(np.int64)


def check_range(name: str, values: np.ndarray, dtype: str, where: str) -> None:
    """Raise if integer `values` do not fit `dtype` (e.g. ``"i2"``) at `where`.

    Raises
    ------
    InvalidDataError
        Naming the field, the first value out of range and the range.
    """
    values = np.asarray(values, dtype=np.int64)
    info = np.iinfo(dtype)
    if values.size and (values.min() < info.min or values.max() > info.max):
        bad = values[(values < info.min) | (values > info.max)].flat[0]
        raise InvalidDataError(
            f"SEG-Y field {name!r} ({where}) would hold {bad}, outside the "
            f"{info.bits // 8}-byte range {info.min}..{info.max}; shift or rescale "
            f"{name!r} first, or give it another byte location."
        )


def put_word(
    headers: np.ndarray,
    word: tuple[int, int],
    values: np.ndarray,
    endian: str,
    name: str,
    *,
    unsigned: bool = False,
) -> None:
    """Write integers into a header word of ``(n, 240)`` header bytes.

    Parameters
    ----------
    headers : numpy.ndarray
        ``(n, 240)`` uint8 trace headers, written in place.
    word : tuple of int
        ``(byte, size)``, 1-based byte, size 2 or 4.
    values : numpy.ndarray
        ``n`` integer values.
    endian : {"big", "little"}
        Byte order of the file.
    name : str
        What the values are (e.g. ``"iline"``), for the error message.
    unsigned : bool, optional
        Store unsigned (e.g. the sample count) instead of signed.

    Raises
    ------
    InvalidDataError
        If a value does not fit the word (SEG-Y would store it wrapped around).
    """
    byte, size = word
    kind = f"{'u' if unsigned else 'i'}{size}"
    check_range(name, values, kind, f"trace header bytes {byte}-{byte + size - 1}")
    dtype = np.dtype(kind).newbyteorder(">" if endian == "big" else "<")
    block = np.asarray(values, dtype=np.int64).astype(dtype).view(np.uint8).reshape(-1, size)
    headers[:, byte - 1 : byte - 1 + size] = block


def _visit_headers(layout: SegyLayout, stop: int, visit: Callable[[int, np.ndarray], None]) -> None:
    """Call ``visit(first trace, headers)`` for traces ``[0, stop)``, a window at a time.

    ``headers`` is a ``(n, 240)`` uint8 view of a reusable buffer of about
    :data:`HEADER_WINDOW` bytes that positioned reads fill
    (:func:`~promethium.io.segy.spans.read_header_rows`: a span of whole trace records,
    viewed strided by the trace length, or each header by itself for long traces);
    `visit` copies what it needs and keeps no view, since the next window overwrites
    the buffer. Resident memory stays bounded whatever the file size, and a file
    truncated meanwhile is an error (a short read), never a crash: no memory map is
    involved. With several windows, :data:`HEADER_THREADS` threads take alternate
    windows, each with its own buffer and file handle (reads and NumPy copies release
    the GIL), so `visit` must only write where its window goes. After the last window
    each file handle is checked against the identity recorded when the file was opened.
    """
    if stop <= 0:
        return
    per_window = min(stop, traces_per_window(layout, HEADER_WINDOW))
    firsts = range(0, stop, per_window)
    threads = max(1, min(HEADER_THREADS, len(firsts)))

    def work(part: int) -> None:
        buffer = np.empty(header_buffer_bytes(layout, per_window), dtype=np.uint8)
        with open(layout.path, "rb", buffering=0) as f:
            for first in firsts[part::threads]:
                n = min(per_window, stop - first)
                visit(first, read_header_rows(layout, f, first, n, buffer))
            layout.check_unchanged(f.fileno())

    if threads == 1:
        work(0)
        return
    with ThreadPoolExecutor(threads) as pool:
        for done in [pool.submit(work, part) for part in range(threads)]:
            done.result()


def read_headers_at(layout: SegyLayout, index: np.ndarray) -> np.ndarray:
    """Return the trace headers of file traces `index` (any order) as ``(n, 240)`` uint8.

    Runs of consecutive traces are read as spans (as :func:`read_trace_headers` reads
    the whole file); a scattered trace costs one read of its 240 bytes.

    Raises
    ------
    SegyFormatError
        If the file ends before a trace of `index`.
    SourceChangedError
        If the file changed since `layout` was read.
    """
    index = np.asarray(index, dtype=np.int64).ravel()
    out = np.empty((index.size, TRACE_HEADER_SIZE), dtype=np.uint8)
    todo = runs(index)
    if not todo:
        return out
    per_window = min(index.size, traces_per_window(layout, HEADER_WINDOW))
    buffer = np.empty(header_buffer_bytes(layout, per_window), dtype=np.uint8)
    with open(layout.path, "rb", buffering=0) as f:
        for row, first, count in todo:
            for lo in range(0, count, per_window):
                n = min(per_window, count - lo)
                out[row + lo : row + lo + n] = read_header_rows(layout, f, first + lo, n, buffer)
        layout.check_unchanged(f.fileno())
    return out


def read_trace_headers(layout: SegyLayout, stop: int | None = None) -> np.ndarray:
    """Return the trace headers of traces ``[0, stop)`` as a ``(n, 240)`` uint8 array.

    Raises
    ------
    SegyFormatError
        If the file ends before trace `stop`.
    SourceChangedError
        If the file changed since `layout` was read.
    """
    total = layout.n_traces if stop is None else min(stop, layout.n_traces)
    out = np.empty((total, TRACE_HEADER_SIZE), dtype=np.uint8)

    def copy(first: int, headers: np.ndarray) -> None:
        out[first : first + len(headers)] = headers

    _visit_headers(layout, total, copy)
    return out


def read_words(
    layout: SegyLayout, words: Iterable[tuple[int, int]], stop: int | None = None
) -> dict[tuple[int, int], np.ndarray]:
    """Read trace header words of traces ``[0, stop)`` as int64, ``(byte, size) -> values``.

    Every word, standard or not, is read in one pass over the file: positioned reads of
    about :data:`HEADER_WINDOW` bytes at a time into a reusable buffer, from which each
    word is copied with a strided NumPy read (one header word per trace).
    The values are the signed integers segyio's ``f.attributes`` gives for its standard
    fields (a test compares them on random headers).

    Raises
    ------
    SegyFormatError
        If the file ends before trace `stop`.
    SourceChangedError
        If the file changed since `layout` was read.
    """
    n = layout.n_traces if stop is None else min(stop, layout.n_traces)
    words = list(dict.fromkeys(words))
    out = {w: np.empty(n, dtype=np.int64) for w in words}
    if not words:
        return out

    def extract(first: int, headers: np.ndarray) -> None:
        for word in words:
            out[word][first : first + len(headers)] = header_word(headers, word, layout.endian)

    _visit_headers(layout, n, extract)
    return out
