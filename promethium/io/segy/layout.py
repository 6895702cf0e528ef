"""SEG-Y file layout: binary header, byte order, sample format, trace count.

The layout (:class:`SegyLayout`) is read from the 3600-byte file header and checked
against the file size; anything inconsistent raises
:class:`~promethium.errors.SegyFormatError` naming the file and what was found.
"""

from __future__ import annotations

import os
import stat
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np

from promethium.errors import ConfigError, PromethiumWarning, SegyFormatError
from promethium.io.identity import FileIdentity
from promethium.io.segy.engine import probe
from promethium.io.segy.samples import FORMATS, ByteOrder, SampleFormat, get_format

__all__ = [
    "HEADER_SIZE",
    "REV2_ENDIAN_CONSTANT",
    "TEXT_SIZE",
    "TRACE_HEADER_SIZE",
    "SegyLayout",
    "looks_like_segy",
    "read_layout",
    "stat_segy",
    "trace_records",
]

TEXT_SIZE = 3200
BINARY_SIZE = 400
HEADER_SIZE = TEXT_SIZE + BINARY_SIZE
TRACE_HEADER_SIZE = 240
REV2_ENDIAN_CONSTANT = 0x01020304

# Binary header: (offset from byte 3201, dtype without byte order).
_BIN = {
    "sample_interval": (16, "i2"),
    "n_samples": (20, "u2"),
    "format": (24, "i2"),
    "measurement_system": (54, "i2"),
    "ext_n_samples": (68, "i4"),
    "endian_constant": (96, "i4"),
    "revision": (300, "u1"),
    "n_ext_headers": (304, "i2"),
}


@dataclass(frozen=True)
class SegyLayout:
    """Where the traces of a SEG-Y file are and how their samples are stored.

    Picklable and file-handle free, so dask tasks can carry it.
    """

    path: str
    endian: str  # "big" or "little"
    format_code: int
    n_samples: int
    dt_us: int  # binary-header sample interval, microseconds (0 if unset)
    data_start: int
    n_traces: int
    measurement_system: int
    n_ext_headers: int
    #: ``"segyio"``, or ``"numpy"`` for files segyio refuses that Promethium can still
    #: read (a binary-header sample count contradicted by the trace headers and size).
    engine: str = "segyio"
    #: The file version that was opened; reads check it (``None``: not pinned, e.g. a
    #: file being written).
    identity: FileIdentity | None = None

    def check_unchanged(self, opened: int | None = None) -> None:
        """Raise if the file is no longer the one this layout was read from.

        Readers call it after reading, so that samples of a replaced or rewritten file
        are never returned; `opened` is the descriptor read through, if any.

        Raises
        ------
        SourceChangedError
            If the file was replaced, truncated or modified since it was opened.
        """
        if self.identity is not None:
            self.identity.check(self.path, opened)

    @property
    def fmt(self) -> SampleFormat:
        """The sample format."""
        return FORMATS[self.format_code]

    @property
    def order(self) -> ByteOrder:
        """Numpy byte-order character."""
        return ">" if self.endian == "big" else "<"

    @property
    def trace_len(self) -> int:
        """Bytes per trace record (header and samples)."""
        return TRACE_HEADER_SIZE + self.n_samples * self.fmt.itemsize

    def record_dtype(self) -> np.dtype:
        """Structured dtype of one trace record: ``header`` bytes and ``data`` samples."""
        sample = np.dtype(self.fmt.file_dtype).newbyteorder(self.order)
        return np.dtype([("header", "V240"), ("data", sample, (self.n_samples,))])


def trace_records(layout: SegyLayout, mode: Literal["r", "r+"] = "r") -> np.memmap:
    """Memory-map the trace records of a file: ``["header"]`` bytes and ``["data"]``.

    Parameters
    ----------
    layout : SegyLayout
        The file and where its traces are.
    mode : {"r", "r+"}, optional
        Read-only (default) or read-write.

    Returns
    -------
    numpy.memmap
        ``(n_traces,)`` records of dtype :meth:`SegyLayout.record_dtype`; delete it to
        unmap the file.
    """
    return np.memmap(
        layout.path,
        dtype=layout.record_dtype(),
        mode=mode,
        offset=layout.data_start,
        shape=(layout.n_traces,),
    )


def _binary_fields(binary: bytes, order: ByteOrder) -> dict[str, int]:
    return {
        name: int(np.frombuffer(binary, np.dtype(dt).newbyteorder(order), 1, offset)[0])
        for name, (offset, dt) in _BIN.items()
    }


def _detect_endian(binary: bytes, path: str) -> tuple[ByteOrder, dict[str, int]]:
    orders: tuple[ByteOrder, ...] = (">", "<")
    candidates = {order: _binary_fields(binary, order) for order in orders}
    for order, fields in candidates.items():
        if fields["endian_constant"] == REV2_ENDIAN_CONSTANT:
            return order, fields
    plausible = [
        order
        for order, f in candidates.items()
        if f["format"] in FORMATS and (f["n_samples"] > 0 or f["ext_n_samples"] > 0)
    ]
    if not plausible:
        big, little = candidates[">"], candidates["<"]
        raise SegyFormatError(
            f"{path}: not a readable SEG-Y file: the binary header (bytes 3201-3600) has "
            f"sample format code {big['format']} and {big['n_samples']} samples per trace "
            f"read big-endian ({little['format']} and {little['n_samples']} little-endian); "
            f"expected a format code in {sorted(FORMATS)} and a positive sample count."
        )
    return plausible[0], candidates[plausible[0]]


def read_layout(path: str | os.PathLike[str]) -> SegyLayout:
    """Read and check the layout of a SEG-Y file from its header and size.

    Byte order and format are detected from the binary header (segyio needs the byte
    order given); the file is then opened with segyio, which validates it and gives the
    trace count, sample count and binary-header values. A file segyio refuses gets a
    message naming what is wrong (e.g. the size is not a whole number of traces), or,
    where Promethium can still read it, a layout with ``engine="numpy"``.

    Parameters
    ----------
    path : str or os.PathLike
        The SEG-Y file.

    Returns
    -------
    SegyLayout
        Byte order, format, sample count, sample interval, trace count, offsets.

    Raises
    ------
    SegyFormatError
        If the file is missing, shorter than its headers, not SEG-Y, uses an
        unsupported format, or its size is not a whole number of traces.
    """
    path, identity = stat_segy(path)
    size = identity.size
    try:
        with open(path, "rb") as f:
            head = f.read(HEADER_SIZE)
    except OSError as err:
        raise SegyFormatError(f"{path}: cannot read the file ({err.strerror}).") from err
    if size < HEADER_SIZE:
        raise SegyFormatError(
            f"{path}: the file is {size} bytes, shorter than the 3600-byte SEG-Y textual "
            "and binary headers; it is truncated or not a SEG-Y file."
        )
    order, b = _detect_endian(head[TEXT_SIZE:], path)
    fmt = get_format(b["format"], source=path)
    n_ext = b["n_ext_headers"] if b["revision"] >= 1 or b["n_ext_headers"] > 0 else 0
    if n_ext < 0:
        raise SegyFormatError(
            f"{path}: the binary header declares a variable number of extended textual "
            f"headers ({n_ext}), which Promethium does not read; rewrite the file with a "
            "fixed count."
        )
    endian = "big" if order == ">" else "little"
    checked = probe(path, endian)
    data_start = HEADER_SIZE + TEXT_SIZE * n_ext
    ns = b["n_samples"] or max(b["ext_n_samples"], 0)
    trace_ns = _first_trace_ns(path, data_start, order, size)
    if ns == 0:
        ns = trace_ns
    # Our own count names what is wrong when the size contradicts the headers (segyio
    # only says "trace count inconsistent with file size").
    n_traces, ns = _count_traces(path, size, data_start, ns, fmt, trace_ns)
    ours = (n_traces, ns, fmt.code, data_start)
    if isinstance(checked, dict) and ours == (
        checked["tracecount"],
        checked["samplecount"],
        checked["format"],
        checked["trace0"],
    ):
        layout = SegyLayout(
            path=path,
            endian=endian,
            format_code=fmt.code,
            n_samples=ns,
            dt_us=checked["interval"],
            data_start=data_start,
            n_traces=n_traces,
            measurement_system=checked["measurement_system"],
            n_ext_headers=checked["ext_headers"],
            identity=identity,
        )
        layout.check_unchanged()
        return layout
    # segyio refuses the file or reads it differently (e.g. the binary header's sample
    # count is wrong but the trace headers' count fits the size): read it with NumPy.
    layout = SegyLayout(
        path=path,
        endian=endian,
        format_code=fmt.code,
        n_samples=ns,
        dt_us=b["sample_interval"],
        data_start=data_start,
        n_traces=n_traces,
        measurement_system=b["measurement_system"],
        n_ext_headers=n_ext,
        engine="numpy",
        identity=identity,
    )
    layout.check_unchanged()
    return layout


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def stat_segy(path: str | os.PathLike[str]) -> tuple[str, FileIdentity]:
    """Check that `path` names a local regular file, without opening it; identify it.

    Opening a FIFO or a device can block forever, and a URL would be taken for a
    local folder, so both are refused before anything is opened.

    Returns
    -------
    tuple
        The path as a string and the :class:`~promethium.io.identity.FileIdentity` of
        the file now.

    Raises
    ------
    ConfigError
        If `path` is a URL (``s3://``, ``memory://``, ...).
    SegyFormatError
        If the file is missing or unreadable, or is not a regular file (a directory,
        FIFO, device or socket).
    """
    path = os.fspath(path)
    if "://" in path:
        raise ConfigError(
            f"{path}: SEG-Y files must be local paths; URLs are not supported for SEG-Y. "
            "Copy the file to a local disk first (Zarr stores accept fsspec URLs such as "
            "s3:// or memory://)."
        )
    try:
        st = os.stat(path)
    except OSError as err:
        raise SegyFormatError(f"{path}: cannot read the file ({err.strerror or err}).") from err
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "of an unknown kind")
        raise SegyFormatError(
            f"{path}: is {kind}, not a regular file; give the path of a SEG-Y file."
        )
    return path, FileIdentity.from_stat(st)


def _first_trace_ns(path: str, data_start: int, order: ByteOrder, size: int) -> int:
    if size < data_start + TRACE_HEADER_SIZE:
        return 0
    with open(path, "rb") as f:
        f.seek(data_start + 114)
        return int(np.frombuffer(f.read(2), np.dtype("u2").newbyteorder(order))[0])


def _count_traces(
    path: str, size: int, data_start: int, ns: int, fmt: SampleFormat, trace_ns: int
) -> tuple[int, int]:
    data = size - data_start
    if ns <= 0:
        raise SegyFormatError(
            f"{path}: the sample count is 0 in the binary header (bytes 3221-3222) and in "
            "the first trace header (bytes 115-116); the file is not a usable SEG-Y file."
        )
    trace_len = TRACE_HEADER_SIZE + ns * fmt.itemsize
    if data <= 0:
        raise SegyFormatError(
            f"{path}: the file has headers but no traces ({size} bytes, data would start "
            f"at byte {data_start})."
        )
    if data % trace_len == 0:
        return data // trace_len, ns
    alt_len = TRACE_HEADER_SIZE + trace_ns * fmt.itemsize
    if trace_ns > 0 and trace_ns != ns and data % alt_len == 0:
        warnings.warn(
            f"{path}: the binary header says {ns} samples per trace but the trace headers "
            f"say {trace_ns}, which matches the file size; using {trace_ns}.",
            PromethiumWarning,
            stacklevel=4,
        )
        return data // alt_len, trace_ns
    raise SegyFormatError(
        f"{path}: header/size mismatch: {data} bytes of trace data is not a whole number "
        f"of {trace_len}-byte traces ({ns} samples of {fmt.itemsize} bytes plus a 240-byte "
        f"header): {data // trace_len} full traces and {data % trace_len} bytes left over. "
        "The file is truncated, or its sample count or format code is wrong."
    )


def _text_plausible(text: bytes) -> bool:
    if text.strip(b"\x00 @") == b"":  # blank: zeros, ASCII or EBCDIC spaces
        return True
    for encoding in ("cp037", "latin-1"):
        decoded = text.decode(encoding)
        printable = sum(ch.isprintable() or ch in "\r\n\x00" for ch in decoded)
        if printable >= 0.9 * len(decoded):
            return True
    return False


def looks_like_segy(path: str | os.PathLike[str]) -> bool:
    """Return whether a file looks like SEG-Y by content, whatever its extension.

    The textual header must be EBCDIC, ASCII or blank, and the binary header must have
    a known format code and sample count consistent with the file size.
    """
    try:
        path, _ = stat_segy(path)
        with open(path, "rb") as f:
            head = f.read(HEADER_SIZE)
        if len(head) < HEADER_SIZE or not _text_plausible(head[:TEXT_SIZE]):
            return False
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PromethiumWarning)
            read_layout(path)
    except (OSError, ValueError):  # SegyFormatError and ConfigError are ValueErrors
        return False
    return True
