"""``to_segy``: stream a DataArray to SEG-Y, chunk by chunk, atomically."""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core.axis import sample_interval, vertical_values
from promethium.core.dims import vertical_dim
from promethium.core.mask import TRACE_MASK
from promethium.errors import ConfigError, InvalidDataError, PromethiumWarning
from promethium.io.atomic import commit, prepare, remove_path
from promethium.io.pending import PendingWrite
from promethium.io.segy.absent import AppendedHeaders, absent_headers
from promethium.io.segy.build import HeaderBuilder, binary_header, text_header, text_lines
from promethium.io.segy.layout import HEADER_SIZE, SegyLayout, read_layout, trace_records
from promethium.io.segy.read import CHUNK_BYTES, TRACE_INDEX, _default_chunks
from promethium.io.segy.samples import encode, get_format

if TYPE_CHECKING:
    import dask.array
    import xarray as xr

__all__ = ["ABSENT", "SegyWrite", "to_segy"]

#: Accepted values of ``to_segy(absent=...)``.
ABSENT = ("skip", "append")
#: Accepted values of ``to_segy(mode=...)``, as ``to_zarr``: refuse or replace a file.
MODES = ("w-", "w")
#: Attribute ``open_segy`` sets to the file's sample interval in microseconds; used when a
#: single-sample trace leaves the vertical coordinate without an interval.
_DT_ATTR = "segy_sample_interval_us"


class SegyWrite(PendingWrite):
    """A pending :func:`to_segy` write, a :class:`~promethium.io.pending.PendingWrite`.

    Computing it creates a temporary file beside the output, writes every block of
    traces into it and renames it into place.
    """

    __slots__ = ()


@dataclasses.dataclass(frozen=True)
class _Target:
    """What every task of one write needs: picklable, no open file, never mutated."""

    tmp: str
    layout: SegyLayout
    positions: np.ndarray
    headers: Callable[[np.ndarray], np.ndarray]
    what: str


def _create(target: _Target, head: bytes) -> str:
    """Create the pre-sized temporary file holding the file headers."""
    layout = target.layout
    os.makedirs(os.path.dirname(target.tmp), exist_ok=True)
    with open(target.tmp, "xb") as f:
        f.write(head)
        f.truncate(layout.data_start + layout.n_traces * layout.trace_len)
    return target.tmp


def _write_block(value: np.ndarray, created: str, target: _Target, key: tuple[slice, ...]) -> None:
    """Write the traces of one block (grid positions `key`) into the temporary file."""
    layout = target.layout
    pos = target.positions[key[:-1]].ravel()
    samples = np.asarray(value).reshape(pos.size, layout.n_samples)
    live = pos >= 0
    pos, samples = pos[live], samples[live]
    records = np.empty(pos.size, dtype=layout.record_dtype())
    records["header"] = target.headers(pos).view("V240").ravel()
    records["data"] = encode(samples, layout.fmt, layout.endian, what=target.what)
    out = trace_records(dataclasses.replace(layout, path=created), mode="r+")
    out[pos] = records
    out.flush()
    del out


def _check_target(path: str, mode: str) -> None:
    """Refuse an existing `path` in mode ``"w-"`` (checked again at commit)."""
    if mode == "w-" and (os.path.exists(path) or os.path.islink(path)):
        raise ConfigError(
            f"{path!r} already exists; pass mode='w' to replace it, or choose another path."
        )


def _commit(
    _: object, n_filled: Any, target: _Target, path: str, mode: int, skipped: int, write_mode: str
) -> str:
    """Give the complete temporary file its permissions and rename it into place."""
    try:
        os.chmod(target.tmp, mode)
    except BaseException:
        remove_path(Path(target.tmp))
        raise
    commit(Path(target.tmp), Path(path), write_mode)  # mode "w-" is enforced again here
    if n_filled:
        warnings.warn(
            f"{target.what}: {int(n_filled)} of {skipped} grid positions with no "
            f"trace in the like= file hold data (trace_mask True or non-zero samples) and "
            f"were not written to {path}; pass absent='append' to write them after the "
            "original traces (headers cloned from the nearest trace, geometry words set).",
            PromethiumWarning,
            stacklevel=2,
        )
    return path


def _like_headers(layout: SegyLayout) -> Callable[[np.ndarray], np.ndarray]:
    def headers(pos: np.ndarray) -> np.ndarray:
        src = trace_records(layout)
        out = np.array(src["header"][pos]).view(np.uint8).reshape(-1, 240)
        del src
        return out

    return headers


def _dt_us(da: xr.DataArray) -> int:
    stored = da.attrs.get(_DT_ATTR)
    if da.shape[-1] == 1 and isinstance(stored, int | float | np.number) and stored > 0:
        if float(stored) != round(float(stored)):
            raise InvalidDataError(
                f"attrs[{_DT_ATTR!r}] of {da.name!r} is {stored}, not a whole number of "
                "microseconds; set it to the sample interval in whole microseconds."
            )
        return round(float(stored))
    if da.shape[-1] == 1:
        raise InvalidDataError(
            f"{da.name!r} has 1 sample per trace and no attrs[{_DT_ATTR!r}], so its "
            "sample interval is unknown; set that attribute (whole microseconds) or "
            "write like= the original file."
        )
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


def _file_mode() -> int:
    """Permissions of a new file under the process umask (``0o666 & ~umask``)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _refuse_input(path: str, da: xr.DataArray, like: str | os.PathLike[str] | None) -> None:
    """Raise if `path` is the `like` file or the file `da` was read from."""
    inputs = {"like=": like, "the source of the data (attrs['source'])": da.attrs.get("source")}
    for role, other in inputs.items():
        if not isinstance(other, str | os.PathLike) or not os.path.exists(other):
            continue
        same = os.path.realpath(path) == os.path.realpath(other)
        if same or (os.path.exists(path) and os.path.samefile(path, other)):
            raise ConfigError(
                f"to_segy would overwrite its input: the output {path!r} is {role} "
                f"{os.fspath(other)!r}. Inputs are never modified; write to another path "
                "(then move it over the original if you mean to replace it)."
            )


def _graph(
    da: xr.DataArray,
    target: _Target,
    head: bytes,
    path: str,
    skipped: np.ndarray | None,
    write_mode: str,
) -> SegyWrite:
    """The deferred write: create the file, write each block, then rename it."""
    import dask
    from dask.array.core import slices_from_chunks

    blocks = _blocks(da)
    created = dask.delayed(_create, pure=False)(target, head)
    parts = blocks.to_delayed(optimize_graph=False).ravel()
    write = dask.delayed(_write_block, pure=False)
    written = [
        write(part, created, target, key)
        for part, key in zip(parts, slices_from_chunks(blocks.chunks), strict=True)
    ]
    n_filled = 0 if skipped is None else _filled_absent(da, blocks, skipped)
    n_skipped = 0 if skipped is None else int(skipped.sum())
    commit = dask.delayed(_commit, pure=False)
    done = commit(written, n_filled, target, path, _file_mode(), n_skipped, write_mode)
    return SegyWrite.wrap(done, target.tmp, path)


def to_segy(
    da: xr.DataArray,
    path: str | os.PathLike[str],
    *,
    like: str | os.PathLike[str] | None = None,
    compute: bool = True,
    format: int = 5,
    endian: str = "big",
    text_record: str | None = None,
    absent: str = "skip",
    mode: str = "w-",
) -> Path | SegyWrite:
    """Write a DataArray to SEG-Y, streaming chunk by chunk, atomically.

    With `like`, every textual, binary and trace header byte of that file is copied
    unchanged and only the samples are new, in the original's sample format and byte
    order. Without it, a new file is written with headers built from the coordinates
    (keys at the byte locations in ``attrs["segy_byte_locations"]`` or the standard
    ones, x/y with a coordinate scalar, dt in exact microseconds).

    The output goes to a temporary file in the same directory (missing parent
    directories are created), renamed into place when complete; on any error it is
    removed and nothing is left under `path`.

    Parameters
    ----------
    da : xarray.DataArray
        Data with the vertical dim last, e.g. from :func:`open_segy`.
    path : str or os.PathLike
        Output file.
    like : str or os.PathLike, optional
        The original file (opened read-only) whose headers are kept.
    compute : bool, optional
        Write now (default), or return the pending write (a :class:`SegyWrite`, a
        ``dask.delayed.Delayed``) that writes the blocks and renames the file when
        computed; no file is created until then.
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
    mode : {"w-", "w"}, optional
        ``"w-"`` (default, as :func:`to_zarr`) refuses an existing `path`; ``"w"``
        replaces it (atomically, when the new file is complete).

    Returns
    -------
    pathlib.Path or SegyWrite
        The path of the written file, or the pending write when `compute` is False.

    Raises
    ------
    ConfigError
        If `endian`, `absent` or `mode` is not one of the accepted values, `path`
        exists and `mode` is ``"w-"``, or `path` is the `like` file or the file `da`
        was read from (``attrs["source"]``).
    InvalidDataError
        If `da` is not a DataArray (e.g. the Dataset of ``return_uncertainty=True``:
        write ``out["mean"]``), does not match `like` (sample count, trace count, sample
        interval), or holds values the format or a header word cannot store.
    SegyFormatError
        If `like` is not a readable SEG-Y file.

    Examples
    --------
    >>> da = open_segy("in.sgy")  # doctest: +SKIP
    >>> to_segy(da * 2, "out.sgy", like="in.sgy")  # doctest: +SKIP
    >>> to_segy(da * 2, "out.sgy", like="in.sgy", mode="w")  # replace  # doctest: +SKIP
    """
    import xarray as xr

    if isinstance(da, xr.Dataset):
        raise InvalidDataError(
            f"to_segy writes one xarray.DataArray; got a Dataset with variables "
            f"{sorted(map(str, da.data_vars))}. Write one of them, e.g. "
            'to_segy(out["mean"], ...) for a reconstruct(..., return_uncertainty=True) result.'
        )
    if not isinstance(da, xr.DataArray):
        raise InvalidDataError(
            f"to_segy writes an xarray.DataArray; got {type(da).__name__}. Wrap arrays "
            "with labeled dims and a vertical coordinate with units (e.g. open the data "
            "with pm.open_segy)."
        )
    path = os.fspath(path)
    what = f"DataArray {da.name!r}"
    vertical_dim(da)
    if endian not in ("big", "little"):
        raise ConfigError(f"endian must be 'big' or 'little'; got {endian!r}.")
    if absent not in ABSENT:
        raise ConfigError(f"absent must be one of {ABSENT}; got {absent!r}.")
    if mode not in MODES:
        raise ConfigError(f"to_segy mode must be one of {MODES}; got {mode!r}.")
    _refuse_input(path, da, like)
    _check_target(path, mode)
    skipped: np.ndarray | None = None
    if like is not None:
        layout = read_layout(like)
        if da.shape[-1] != layout.n_samples:
            raise InvalidDataError(
                f"{what} has {da.shape[-1]} samples per trace but {layout.path} has "
                f"{layout.n_samples}; write like= a file with the same sample count."
            )
        known_dt = da.shape[-1] > 1 or _DT_ATTR in da.attrs
        if da.dims[-1] == "time" and layout.dt_us > 0 and known_dt and _dt_us(da) != layout.dt_us:
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
            source = trace_records(layout)
            extra = absent_headers(da, layout, positions, source["header"])
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
    tmp = os.fspath(prepare(Path(os.path.abspath(path))))
    pending = _graph(da, _Target(tmp, layout, positions, headers, what), head, path, skipped, mode)
    if compute:
        return pending.compute()
    return pending
