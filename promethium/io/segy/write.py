"""``to_segy``: stream a DataArray to SEG-Y, chunk by chunk, atomically, in sort order."""

from __future__ import annotations

import dataclasses
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core.dims import vertical_dim
from promethium.core.mask import TRACE_FILLED, TRACE_MASK
from promethium.errors import ConfigError, InvalidDataError
from promethium.io.atomic import prepare
from promethium.io.pending import PendingWrite
from promethium.io.segy.read import CHUNK_BYTES, _default_chunks
from promethium.io.segy.stream import Target, check_target, commit, create, write_block
from promethium.io.segy.targets import like_target, new_target
from promethium.io.segy.text import check_text, put_card

if TYPE_CHECKING:
    import dask.array
    import xarray as xr

__all__ = ["ABSENT", "SegyWrite", "to_segy"]

#: Accepted values of ``to_segy(absent=...)``.
ABSENT = ("skip", "insert")
#: Former values of ``absent=`` and what they mean now.
_DEPRECATED_ABSENT = {"append": "insert"}
#: Accepted values of ``to_segy(mode=...)``, as ``to_zarr``: refuse or replace a file.
MODES = ("w-", "w")
#: Card of the textual header that ``text_record`` replaces.
_RECORD_CARD = 40


class SegyWrite(PendingWrite):
    """A pending :func:`to_segy` write, a :class:`~promethium.io.pending.PendingWrite`.

    Computing it creates a temporary file beside the output, writes every block of
    traces into it and renames it into place.
    """

    __slots__ = ()


def _blocks(da: xr.DataArray) -> dask.array.Array:
    import dask.array as dsa

    data = da.data
    if not isinstance(data, dsa.Array):
        item = np.dtype(da.dtype).itemsize * da.shape[-1]
        chunks = (*_default_chunks(da.shape[:-1], item, CHUNK_BYTES), da.shape[-1])
        return dsa.from_array(np.asarray(data), chunks=chunks, name=False)
    return data.rechunk({data.ndim - 1: -1})


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


def _trace_coord(da: xr.DataArray, name: str, blocks: dask.array.Array) -> Any:
    """A boolean trace coordinate as a dask array in the blocks' trace chunks, or None."""
    import dask.array as dsa

    if name not in da.coords or set(da.coords[name].dims) != set(da.dims[:-1]):
        return None
    data = da.coords[name].transpose(*da.dims[:-1]).data
    if isinstance(data, dsa.Array):
        return data.astype(bool).rechunk(blocks.chunks[:-1])
    return dsa.from_array(np.asarray(data, dtype=bool), chunks=blocks.chunks[:-1], name=False)


def _graph(da: xr.DataArray, target: Target, head: bytes, path: str, write_mode: str) -> SegyWrite:
    """The deferred write: create the file, write each block, then compact and rename."""
    import dask
    from dask.array.core import slices_from_chunks

    blocks = _blocks(da)
    filled = _trace_coord(da, TRACE_FILLED, blocks)
    mask = _trace_coord(da, TRACE_MASK, blocks)
    claim = mask if filled is None else (filled if mask is None else filled | mask)
    n = blocks.numblocks[:-1]
    claims = (
        claim.to_delayed(optimize_graph=False).ravel()
        if claim is not None
        else [None] * int(np.prod(n))
    )
    fills = (
        filled.to_delayed(optimize_graph=False).ravel()
        if filled is not None
        else [None] * int(np.prod(n))
    )
    created = dask.delayed(create, pure=False)(target, head)
    parts = blocks.to_delayed(optimize_graph=False).ravel()
    write = dask.delayed(write_block, pure=False)
    written = [
        write(part, c, f, created, target, key)
        for part, c, f, key in zip(
            parts, claims, fills, slices_from_chunks(blocks.chunks), strict=True
        )
    ]
    n_holes = int(np.count_nonzero(target.holes))
    done = dask.delayed(commit, pure=False)(
        written, target, path, _file_mode(), write_mode, n_holes
    )
    return SegyWrite.wrap(done, target.tmp, path)


def _check_values(da: xr.DataArray, what: str) -> None:
    """Refuse data SEG-Y cannot hold: complex or non-numeric samples."""
    kind = np.dtype(da.dtype).kind
    if kind == "c":
        raise InvalidDataError(
            f"{what} is complex ({da.dtype}); SEG-Y stores real samples. Write the real "
            "part (da.real), the magnitude (abs(da)) or each part to its own file."
        )
    if kind not in "biuf":
        raise InvalidDataError(
            f"{what} has {da.dtype} samples; SEG-Y stores numbers: convert with "
            "da.astype('float32')."
        )


def _check_path(path: str, mode: str) -> None:
    """Refuse a directory, an existing file in mode ``"w-"``, or a parent that is a file."""
    check_target(path, mode)
    parent = os.path.dirname(os.path.abspath(path))
    while parent and not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if parent and not os.path.isdir(parent):
        raise ConfigError(
            f"cannot write {path!r}: {parent!r} is a file, not a directory; choose a path "
            "in a directory."
        )


def _absent(absent: str | None, like: object) -> str:
    if absent is None:
        return "skip" if like is not None else "insert"
    if absent in _DEPRECATED_ABSENT:
        new = _DEPRECATED_ABSENT[absent]
        warnings.warn(
            f"absent={absent!r} is deprecated: filled traces are no longer appended after "
            f"the original ones but written at their place in the file's sort order; "
            f"pass absent={new!r}.",
            FutureWarning,
            stacklevel=3,
        )
        return new
    if absent not in ABSENT:
        raise ConfigError(f"absent must be one of {ABSENT}; got {absent!r}.")
    return absent


def to_segy(
    da: xr.DataArray,
    path: str | os.PathLike[str],
    *,
    like: str | os.PathLike[str] | None = None,
    compute: bool = True,
    format: int | None = None,
    endian: str | None = None,
    text_record: str | None = None,
    absent: str | None = None,
    mark_filled: bool = False,
    mode: str = "w-",
) -> Path | SegyWrite:
    """Write a DataArray to SEG-Y, streaming chunk by chunk, atomically, in sort order.

    With `like`, every textual, binary and trace header byte of that file is copied
    unchanged and only the samples are new, in the original's sample format and byte
    order. Without it, a new file is written with headers built from the coordinates
    (keys at the byte locations in ``attrs["segy_byte_locations"]`` or the standard
    ones, x/y with a coordinate scalar, dt in exact microseconds).

    Grid positions the source file did not have (``trace_index == -1``, *holes*) are
    written only when they hold a trace: ``trace_filled`` or ``trace_mask`` True there,
    or, for data without a ``trace_filled`` coordinate, any non-zero sample. Traces
    follow the grid's sort order (that of the source file), so that a reader of sorted
    files (segyio with geometry) reads what :func:`open_segy` reads.

    The output goes to a temporary file in the same directory (missing parent
    directories are created), renamed into place when complete; on any error it is
    removed and nothing is left under `path`.

    Parameters
    ----------
    da : xarray.DataArray
        Data with the vertical dim last, e.g. from :func:`open_segy`, or a selection of
        it (``da.sel(iline=slice(1000, 1010))``).
    path : str or os.PathLike
        Output file.
    like : str or os.PathLike, optional
        The original file (opened read-only) whose headers are kept. `da` may hold any
        selection of its traces (each at most once); only those are written.
    compute : bool, optional
        Write now (default), or return the pending write (a :class:`SegyWrite`, a
        ``dask.delayed.Delayed``) that writes the blocks and renames the file when
        computed; no file is created until then.
    format : int, optional
        Sample format of a new file (no `like`): 5 (IEEE, default), 1 (IBM), 2, 3, ...
        Data read from an integer-format file are written as IEEE with a
        ``PromethiumWarning`` unless `format` is given.
    endian : {"big", "little"}, optional
        Byte order of a new file (no `like`; default big).
    text_record : str, optional
        Opt-in processing record written as card C40 of the textual header (headers
        are otherwise byte-identical): printable ASCII, up to 76 characters.
    absent : {"skip", "insert"}, optional
        What to do with holes that hold a trace (e.g. traces a reconstruction filled).
        ``"skip"`` leaves them out and warns with ``PromethiumWarning`` how many there
        are; ``"insert"`` writes each at its place in the grid's sort order, with the
        header of the nearest original trace (grid index distance) with its geometry
        words (the trace dims) and x/y set for its position. Original traces keep every
        header byte. Default: ``"skip"`` with `like` (the output holds the original's
        traces only), ``"insert"`` for a new file. ``"append"`` is a deprecated alias of
        ``"insert"`` (``FutureWarning``).
    mark_filled : bool, optional
        Record which traces a model filled (``trace_filled`` True, or inserted holes
        without that coordinate) in the file: their trace identification code (bytes
        29-30) becomes 32767 and card C39 of the textual header gives the count, so
        that :func:`open_segy` recovers ``trace_filled``. Off by default: headers stay
        byte-identical.
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
        If `endian`, `absent` or `mode` is not one of the accepted values, `format` or
        `endian` is given with `like`, `text_record` is not printable ASCII of at most
        76 characters, `path` is a directory or exists and `mode` is ``"w-"``, or
        `path` is the `like` file or the file `da` was read from
        (``attrs["source"]``).
    InvalidDataError
        If `da` is not a DataArray (e.g. the Dataset of ``return_uncertainty=True``:
        write ``out["mean"]``), is complex or not numeric, does not match `like`
        (sample count, sample interval, traces not in it or repeated), or holds values
        the format or a header word cannot store (NaN or infinite samples in a trace to
        be written: raised when its block is written, leaving nothing under `path`).
    SegyFormatError
        If `like` is not a readable SEG-Y file.

    Examples
    --------
    >>> da = open_segy("in.sgy")  # doctest: +SKIP
    >>> to_segy(da * 2, "out.sgy", like="in.sgy")  # doctest: +SKIP
    >>> to_segy(da * 2, "out.sgy", like="in.sgy", mode="w")  # replace  # doctest: +SKIP
    >>> to_segy(da.sel(iline=slice(10, 12)), "part.sgy", like="in.sgy")  # doctest: +SKIP
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
    _check_values(da, what)
    if endian not in (None, "big", "little"):
        raise ConfigError(f"endian must be 'big' or 'little'; got {endian!r}.")
    if like is not None and (format is not None or endian is not None):
        raise ConfigError(
            "format= and endian= choose the encoding of a new file; with like= the "
            "original's format and byte order are kept. Drop them, or drop like=."
        )
    absent = _absent(absent, like)
    if mode not in MODES:
        raise ConfigError(f"to_segy mode must be one of {MODES}; got {mode!r}.")
    if text_record is not None:
        check_text(text_record, "text_record")
    _refuse_input(path, da, like)
    _check_path(path, mode)
    if like is not None:
        layout, plan, headers, head = like_target(da, like, absent == "insert", what)
    else:
        layout, plan, headers, head = new_target(
            da, path, format, endian or "big", absent == "insert", what
        )
    if text_record is not None:
        head = put_card(head, _RECORD_CARD, text_record)
    tmp = os.fspath(prepare(Path(os.path.abspath(path))))
    axes = tuple(
        (str(d), np.asarray(da.coords[d].values) if d in da.coords else None) for d in da.dims[:-1]
    )
    target = Target(
        tmp=tmp,
        layout=dataclasses.replace(layout, n_traces=plan.n_slots),
        slots=plan.slots,
        holes=plan.holes,
        headers=headers,
        axes=axes,
        claim_nonzero=TRACE_FILLED not in da.coords,
        renumber=like is None,
        mark=mark_filled,
        file_traces=layout.n_traces if like is not None else 0,
        what=what,
    )
    pending = _graph(da, target, head, path, mode)
    if compute:
        return pending.compute()
    return pending
