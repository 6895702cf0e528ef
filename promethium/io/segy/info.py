"""``segy_info``: what a SEG-Y file holds, from its headers (samples only when asked)."""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np

from promethium.core.mask import TRACE_FILLED
from promethium.io.segy.layout import BINARY_SIZE, TEXT_SIZE
from promethium.io.segy.samples import FORMATS, ByteOrder
from promethium.io.segy.text import CARD_SIZE, text_encoding
from promethium.io.summary import SegyHeaders, SurveyInfo, TraceCounts
from promethium.io.survey_stats import extents, fold_stats, key_stats, keys_in_use, sampling

__all__ = ["decode_text_header", "segy_info"]

logger = logging.getLogger(__name__)

#: Binary header essentials: name -> (offset from byte 3201, dtype without byte order).
BINARY_ESSENTIALS = {
    "job_id": (0, "i4"),
    "line_number": (4, "i4"),
    "reel_number": (8, "i4"),
    "traces_per_ensemble": (12, "i2"),
    "aux_traces_per_ensemble": (14, "i2"),
    "sample_interval_us": (16, "i2"),
    "n_samples": (20, "u2"),
    "format_code": (24, "i2"),
    "ensemble_fold": (26, "i2"),
    "trace_sorting": (28, "i2"),
    "measurement_system": (54, "i2"),
    "revision_major": (300, "u1"),
    "revision_minor": (301, "u1"),
    "fixed_length": (302, "i2"),
    "n_ext_headers": (304, "i2"),
}


def decode_text_header(raw: bytes) -> tuple[str, str]:
    """Decode a 3200-byte textual header, EBCDIC or ASCII, into 80-character lines.

    The encoding is found by :func:`~promethium.io.segy.text.text_encoding`. Trailing
    blanks and NUL bytes are removed from each card, and trailing blank cards dropped.

    Parameters
    ----------
    raw : bytes
        The textual header.

    Returns
    -------
    tuple of str
        The text (one line per card) and its encoding: ``"EBCDIC"``, ``"ASCII"`` or
        ``"blank"``.

    Examples
    --------
    >>> decode_text_header("C 1 CLIENT: ACME".ljust(3200).encode("cp037"))
    ('C 1 CLIENT: ACME', 'EBCDIC')
    >>> decode_text_header(b"C 1 LINE 7".ljust(3200))
    ('C 1 LINE 7', 'ASCII')
    """
    if raw.strip(b"\x00 @") == b"":
        return "", "blank"
    encoding = text_encoding(raw)
    text = raw.decode(encoding)
    cards = [text[i : i + CARD_SIZE].rstrip(" \x00") for i in range(0, len(text), CARD_SIZE)]
    while cards and not cards[-1]:
        cards.pop()
    printable = ["".join(ch if ch.isprintable() else "." for ch in c) for c in cards]
    return "\n".join(printable), "EBCDIC" if encoding == "cp037" else "ASCII"


def _file_headers(path: str, endian: str) -> tuple[str, str, dict[str, int]]:
    with open(path, "rb") as f:
        head = f.read(TEXT_SIZE + BINARY_SIZE)
    text, encoding = decode_text_header(head[:TEXT_SIZE])
    order: ByteOrder = ">" if endian == "big" else "<"
    binary = {
        name: int(np.frombuffer(head, np.dtype(dt).newbyteorder(order), 1, TEXT_SIZE + off)[0])
        for name, (off, dt) in BINARY_ESSENTIALS.items()
    }
    return text, encoding, binary


def _fold(keys: dict[str, np.ndarray], dims: tuple[str, ...]) -> Any:
    varies = {k for k, v in keys.items() if v.size and np.any(v != v[0])}
    if {"iline", "xline"} <= varies:
        return fold_stats("iline/xline bin", [keys["iline"], keys["xline"]])
    if "cdp" in varies:
        return fold_stats("cdp", [keys["cdp"]])
    if len(dims) > 1 and dims[0] in varies:
        return fold_stats(dims[0], [keys[dims[0]]])
    return None


def segy_info(
    path: str | os.PathLike[str], *, dead_traces: bool = False, **open_kwargs: Any
) -> SurveyInfo:
    """Summarize a SEG-Y file: headers, sampling, keys, geometry, fold, traces.

    Reads the textual, binary and trace headers only, unless `dead_traces` asks for
    the samples. For each key (inline, crossline, offset, shot, channel, cdp) in use,
    the byte location, range, step, count and regularity come from the values of
    every trace. Fold counts traces per inline/crossline bin, else per cdp, else per
    gather. Coordinate extents have the coordinate scalar (bytes 71-72) and
    elevation scalar (69-70) applied.

    Parameters
    ----------
    path : str or os.PathLike
        The SEG-Y file.
    dead_traces : bool, optional
        Count dead traces, all-zero or all-NaN (reads every sample, chunk by chunk,
        as dask tasks: a :func:`~promethium.progress.progress_bar` around the call
        shows the progress). Off by default: ``traces.dead`` is then None.
    **open_kwargs
        Byte locations and options passed to :func:`open_segy`.

    Returns
    -------
    SurveyInfo
        The summary (``segy`` holds the textual and binary headers); ``str(info)``
        renders it, ``info.to_dict()`` gives JSON-ready data. When the byte
        locations give no regular grid, ``suggestion`` holds those
        :func:`scan_headers` proposes.

    Raises
    ------
    SegyFormatError
        If the file is not a readable SEG-Y file.
    ConfigError
        If a byte location, profile or geometry is invalid.

    Examples
    --------
    >>> info = segy_info("survey.sgy")  # doctest: +SKIP
    >>> info.geometry, info.traces.absent, [k.name for k in info.keys]  # doctest: +SKIP
    ('3d', 2, ['iline', 'xline'])
    """
    from promethium.io.segy.read import TRACE_INDEX, from_index, index_segy
    from promethium.io.segy.scan import scan_headers

    chunks = open_kwargs.pop("chunks", "auto")
    index = index_segy(path, require_grid=False, **open_kwargs)
    layout = index.layout
    da = from_index(index, chunks)
    logger.info(
        "%s: %d traces, %s geometry %s (%s)",
        layout.path, layout.n_traces, index.geometry.kind, dict(da.sizes),
        index.geometry.note or "regular grid",
    )  # fmt: skip
    present = index.geometry.trace_index >= 0
    absent = int(np.count_nonzero(~present))
    dead = missing = None
    if dead_traces:
        live = (da.coords[TRACE_INDEX] >= 0) & da.coords["trace_mask"]
        logger.info("%s: reading every sample to count dead traces", layout.path)
        n_live = int(live.sum().compute())
        dead = layout.n_traces - n_live
        missing = present.size - n_live
    filled = None
    if TRACE_FILLED in da.coords:
        filled = int(np.count_nonzero(np.asarray(da.coords[TRACE_FILLED].values)))
    text, encoding, binary = _file_headers(layout.path, layout.endian)
    stats = [key_stats(k, v, index.words[k][0]) for k, v in index.keys.items()]
    info = SurveyInfo(
        path=os.fspath(path),
        kind="SEG-Y",
        dims={str(d): int(s) for d, s in da.sizes.items()},
        n_traces=layout.n_traces,
        **sampling(da),
        geometry=index.geometry.kind,
        sort_order=index.geometry.sort_order,
        keys=keys_in_use(stats),
        fold=_fold(index.keys, index.geometry.dims),
        extents=extents(da, present),
        traces=TraceCounts(present.size, absent=absent, dead=dead, missing=missing, filled=filled),
        note=index.geometry.note,
        segy=SegyHeaders(
            text=text,
            text_encoding=encoding,
            binary=binary,
            format_code=layout.format_code,
            format_name=FORMATS[layout.format_code].name,
            endian=layout.endian,
            byte_locations=dict(index.words),
        ),
    )
    if info.geometry == "traces":
        info.suggestion = scan_headers(path).suggestion
    return info
