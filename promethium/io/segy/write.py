"""``to_segy``: stream a DataArray to SEG-Y, chunk by chunk, atomically."""

from __future__ import annotations

import dataclasses
import functools
import os
import tempfile
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core.axis import sample_interval, vertical_values
from promethium.core.dims import vertical_dim
from promethium.core.mask import TRACE_MASK
from promethium.errors import ConfigError, InvalidDataError, PromethiumWarning
from promethium.io.segy.absent import AppendedHeaders, absent_headers
from promethium.io.segy.build import HeaderBuilder, binary_header, text_header, text_lines
from promethium.io.segy.headers import HEADER_SIZE, SegyLayout, read_layout
from promethium.io.segy.read import CHUNK_BYTES, TRACE_INDEX, _default_chunks
from promethium.io.segy.samples import encode, get_format

if TYPE_CHECKING:
    import dask.array
    import xarray as xr
    from dask.delayed import Delayed

__all__ = ["ABSENT", "to_segy"]

#: Accepted values of ``to_segy(absent=...)``.
ABSENT = ("skip", "append")


class _TraceWriter:
    """A ``dask.array.store`` target writing whole traces into a pre-sized file."""

    def __init__(
        self,
        tmp: str,
        layout: SegyLayout,
        positions: np.ndarray,
        headers: Callable[[np.ndarray], np.ndarray],
        what: str,
    ) -> None:
        self.tmp, self.layout, self.positions = tmp, layout, positions
        self.headers, self.what = headers, what

    def __setitem__(self, key: tuple[slice, ...], value: np.ndarray) -> None:
        layout = self.layout
        pos = self.positions[key[:-1]].ravel()
        samples = np.asarray(value).reshape(pos.size, layout.n_samples)
        live = pos >= 0
        pos, samples = pos[live], samples[live]
        records = np.empty(pos.size, dtype=layout.record_dtype())
        records["header"] = self.headers(pos).view("V240").ravel()
        records["data"] = encode(samples, layout.fmt, layout.endian, what=self.what)
        out = np.memmap(
            self.tmp, dtype=records.dtype, mode="r+", offset=layout.data_start,
            shape=(layout.n_traces,),
        )  # fmt: skip
        out[pos] = records
        out.flush()
        del out


def _like_headers(layout: SegyLayout) -> Callable[[np.ndarray], np.ndarray]:
    def headers(pos: np.ndarray) -> np.ndarray:
        src = np.memmap(
            layout.path, dtype=layout.record_dtype(), mode="r", offset=layout.data_start,
            shape=(layout.n_traces,),
        )  # fmt: skip
        return np.array(src["header"][pos]).view(np.uint8).reshape(-1, 240)

    return headers


def _dt_us(da: xr.DataArray) -> int:
    dt = sample_interval(da, "us")
    if abs(dt - round(dt)) > 1e-3:
        raise InvalidDataError(
            f"the sample interval of {da.name!r} is {dt:g} us, not a whole number of "
            "microseconds, which SEG-Y cannot store; resample to an integer interval."
        )
    return round(dt)


def _positions_like(da: xr.DataArray, layout: SegyLayout, what: str) -> np.ndarray:
    dims = da.dims[:-1]
    if TRACE_INDEX in da.coords:
        positions = np.asarray(da.coords[TRACE_INDEX].transpose(*dims).values, dtype=np.int64)
    elif int(np.prod(da.shape[:-1])) == layout.n_traces:
        return np.arange(layout.n_traces, dtype=np.int64).reshape(da.shape[:-1])
    else:
        raise InvalidDataError(
            f"{what} has {int(np.prod(da.shape[:-1]))} trace positions and no "
            f"{TRACE_INDEX!r} coordinate, but {layout.path} has {layout.n_traces} traces; "
            "write data opened with pm.open_segy (or of the same trace count)."
        )
    live = positions[positions >= 0]
    counts = np.bincount(live, minlength=layout.n_traces) if live.size else np.zeros(0)
    if live.size and live.max() >= layout.n_traces:
        counts = np.zeros(0)
    if counts.size != layout.n_traces or np.any(counts != 1):
        raise InvalidDataError(
            f"{what} covers {live.size} file traces ({np.unique(live).size} distinct) but "
            f"{layout.path} has {layout.n_traces}; to_segy(like=) writes every trace of the "
            "original exactly once, so write the full array (not a subset), or omit like="
        )
    return positions


def _text_record(head: bytes, record: str) -> bytes:
    text = head[:3200]
    encoding = "cp037" if text[:1] == "C".encode("cp037") else "latin-1"
    card = f"C40 {record}"[:80].ljust(80).encode(encoding)
    return text[:3120] + card + head[3200:]


def _blocks(da: xr.DataArray) -> dask.array.Array:
    import dask.array as dsa

    data = da.data
    if not isinstance(data, dsa.Array):
        item = np.dtype(da.dtype).itemsize * da.shape[-1]
        chunks = (*_default_chunks(da.shape[:-1], item, CHUNK_BYTES), da.shape[-1])
        return dsa.from_array(np.asarray(data), chunks=chunks, name=False)
    return data.rechunk({data.ndim - 1: -1})


def _filled_absent(da: xr.DataArray, blocks: dask.array.Array, holes: np.ndarray) -> Any:
    """Lazy count of absent positions holding data: live in trace_mask or non-zero."""
    import dask.array as dsa

    filled = (abs(blocks) > 0).any(axis=-1)
    if TRACE_MASK in da.coords and set(da.coords[TRACE_MASK].dims) == set(da.dims[:-1]):
        mask = da.coords[TRACE_MASK].transpose(*da.dims[:-1]).data
        filled = filled | (mask if isinstance(mask, dsa.Array) else np.asarray(mask, dtype=bool))
    return (filled & dsa.from_array(holes, chunks=filled.chunks)).sum()


def _write(
    da: xr.DataArray,
    path: str,
    head: bytes,
    layout: SegyLayout,
    writer: _TraceWriter,
    skipped: np.ndarray | None = None,
) -> None:
    import dask
    import dask.array as dsa

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(head)
            f.truncate(layout.data_start + layout.n_traces * layout.trace_len)
        writer.tmp = tmp
        blocks = _blocks(da)
        if skipped is None:
            dsa.store(blocks, writer, lock=False)
            n_filled = 0
        else:  # one pass: the count shares the blocks that are written
            stored = dsa.store(blocks, writer, lock=False, compute=False)
            _, n_filled = dask.compute(stored, _filled_absent(da, blocks, skipped))
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    if n_filled:
        warnings.warn(
            f"{writer.what}: {int(n_filled)} of {int(skipped.sum())} grid positions with no "
            f"trace in the like= file hold data (trace_mask True or non-zero samples) and "
            f"were not written to {path}; pass absent='append' to write them after the "
            "original traces (headers cloned from the nearest trace, geometry words set).",
            PromethiumWarning,
            stacklevel=3,
        )


def to_segy(
    da: xr.DataArray,
    path: str | os.PathLike[str],
    like: str | os.PathLike[str] | None = None,
    *,
    compute: bool = True,
    format: int = 5,
    endian: str = "big",
    text_record: str | None = None,
    absent: str = "skip",
) -> Delayed | None:
    """Write a DataArray to SEG-Y, streaming chunk by chunk, atomically.

    With `like`, every textual, binary and trace header byte of that file is copied
    unchanged and only the samples are new, in the original's sample format and byte
    order. Without it, a new file is written with headers built from the coordinates
    (keys at the byte locations in ``attrs["segy_byte_locations"]`` or the standard
    ones, x/y with a coordinate scalar, dt in exact microseconds).

    The output goes to a temporary file in the same directory, renamed into place when
    complete; on any error it is removed and nothing is left under `path`.

    Parameters
    ----------
    da : xarray.DataArray
        Data with the vertical dim last, e.g. from :func:`open_segy`.
    path : str or os.PathLike
        Output file.
    like : str or os.PathLike, optional
        The original file (opened read-only) whose headers are kept.
    compute : bool, optional
        Write now (default), or return a ``dask.delayed`` that writes when computed.
    format : int, optional
        Sample format of a new file (no `like`): 5 (IEEE, default), 1 (IBM), 2, 3, ...
    endian : {"big", "little"}, optional
        Byte order of a new file (no `like`).
    text_record : str, optional
        Opt-in processing record written as card C40 of the textual header (headers
        are otherwise byte-identical).
    absent : {"skip", "append"}, optional
        With `like`: what to do with grid positions that have no trace in `like`
        (``trace_index == -1``), e.g. traces a reconstruction filled. ``"skip"``
        (default) leaves them out and warns with ``PromethiumWarning`` when any holds
        data (``trace_mask`` True or non-zero samples). ``"append"`` writes every
        absent position after the original traces, with the header of the nearest
        original trace (grid index distance) and its geometry words (the trace dims,
        at the byte locations in ``attrs["segy_byte_locations"]``) and x/y set for its
        position; the file headers and the original traces stay byte-identical.

    Returns
    -------
    dask.delayed.Delayed or None
        The deferred write when ``compute=False``.

    Raises
    ------
    ConfigError
        If `endian` or `absent` is not one of the accepted values.
    InvalidDataError
        If `da` does not match `like` (sample count, trace count, sample interval), or
        holds values the format cannot store.
    SegyFormatError
        If `like` is not a readable SEG-Y file.

    Examples
    --------
    >>> da = open_segy("in.sgy")  # doctest: +SKIP
    >>> to_segy(da * 2, "out.sgy", like="in.sgy")  # doctest: +SKIP
    """
    path = os.fspath(path)
    what = f"DataArray {da.name!r}"
    vertical_dim(da)
    if endian not in ("big", "little"):
        raise ConfigError(f"endian must be 'big' or 'little'; got {endian!r}.")
    if absent not in ABSENT:
        raise ConfigError(f"absent must be one of {ABSENT}; got {absent!r}.")
    skipped: np.ndarray | None = None
    if like is not None:
        layout = read_layout(like)
        if da.shape[-1] != layout.n_samples:
            raise InvalidDataError(
                f"{what} has {da.shape[-1]} samples per trace but {layout.path} has "
                f"{layout.n_samples}; write like= a file with the same sample count."
            )
        if da.dims[-1] == "time" and layout.dt_us > 0 and _dt_us(da) != layout.dt_us:
            raise InvalidDataError(
                f"{what} has a sample interval of {_dt_us(da)} us but {layout.path} has "
                f"{layout.dt_us} us; resample the data or write without like=."
            )
        positions = _positions_like(da, layout, what)
        with open(layout.path, "rb") as f:
            head = f.read(layout.data_start)
        headers = _like_headers(layout)
        holes = positions < 0
        if holes.any() and absent == "skip":
            skipped = holes
        elif holes.any():
            source = np.memmap(
                layout.path, dtype=layout.record_dtype(), mode="r", offset=layout.data_start,
                shape=(layout.n_traces,),
            )["header"]  # fmt: skip
            extra = absent_headers(da, layout, positions, source)
            del source
            headers = AppendedHeaders(layout, extra)
            positions = positions.copy()
            positions[holes] = layout.n_traces + np.arange(extra.shape[0])
            layout = dataclasses.replace(layout, n_traces=layout.n_traces + extra.shape[0])
    else:
        if da.dims[-1] != "time":
            raise InvalidDataError(
                f"{what} has a {da.dims[-1]!r} axis; a new SEG-Y file needs a time axis "
                "(write like= an existing depth file instead)."
            )
        fmt = get_format(format, source="to_segy(format=...)")
        dt_us = _dt_us(da)
        t0 = float(vertical_values(da, "ms")[0])
        if t0 != round(t0) or abs(t0) > 32767:
            raise InvalidDataError(
                f"{what} starts at {t0:g} ms; SEG-Y stores the delay as whole milliseconds "
                "(-32768..32767); shift the time axis to a whole millisecond."
            )
        builder = HeaderBuilder(da, dt_us, round(t0), endian)
        n = int(np.prod(da.shape[:-1]))
        layout = SegyLayout(path, endian, fmt.code, da.shape[-1], dt_us, HEADER_SIZE, n, 0, 0)
        binary = binary_header(
            dt_us=dt_us, n_samples=da.shape[-1], format_code=fmt.code, endian=endian,
            measurement=builder.measurement,
        )  # fmt: skip
        head = text_header(text_lines(da)) + binary
        positions = np.arange(n, dtype=np.int64).reshape(da.shape[:-1])
        headers = builder.headers
    if text_record is not None:
        head = _text_record(head, text_record)
    writer = _TraceWriter("", layout, positions, headers, what)
    if compute:
        _write(da, path, head, layout, writer, skipped)
        return None
    import dask

    task: Any = functools.partial(_write, da, path, head, layout, writer, skipped)
    return dask.delayed(task, pure=False)()
