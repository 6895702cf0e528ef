"""Zarr (format 3): Promethium's native chunked store, written atomically, read checked.

:func:`to_zarr` writes a seismic DataArray (or a Dataset, such as the ``mean`` and
``std`` of a reconstruction with uncertainty) chunk by chunk, every chunk with a CRC32C
checksum, into a temporary sibling folder that replaces the target in one step once
complete (:mod:`promethium.io.atomic`). :func:`open_zarr` reads it back lazily with its
name, attrs (``history`` included), units, coordinates, ``trace_mask`` and
``trace_filled``; every chunk read is checked (:mod:`promethium.io.zarr_guard`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from promethium.errors import ConfigError, PromethiumError, StoreError
from promethium.io.atomic import commit, os_error_reason, prepare, remove_path
from promethium.io.location import Location
from promethium.io.pending import PendingWrite, compute_writes
from promethium.io.zarr_guard import ChunkGrid, GuardedArray, Pin, checksum_encoding
from promethium.io.zarr_layout import (
    CHECKSUM_ATTR,
    COMPLETE_ATTR,
    DATASET_ATTR,
    METADATA_ATTR,
    NAME_ATTR,
    UNNAMED_ATTR,
    WRITE_ATTR,
    as_store_dataset,
    check_destination,
    split_markers,
)
from promethium.io.zarr_open import (
    check_chunks_spec,
    check_exists,
    check_metadata,
    dask_array,
    open_dataset,
    pick_variable,
    source_of,
)

if TYPE_CHECKING:
    import xarray as xr

    from promethium.typing import PathType

__all__ = ["ZarrWrite", "open_zarr", "to_zarr"]

_MODES = ("w-", "w")


class ZarrWrite(PendingWrite):
    """A pending :func:`to_zarr` write, a :class:`~promethium.io.pending.PendingWrite`.

    Computing it writes every chunk and moves the temporary store into place.
    """

    __slots__ = ()


@overload
def to_zarr(
    da: xr.DataArray | xr.Dataset,
    store: PathType,
    *,
    compute: Literal[True] = ...,
    mode: str = ...,
    chunks: Mapping[str, int] | str | None = ...,
) -> Path | str: ...


@overload
def to_zarr(
    da: xr.DataArray | xr.Dataset,
    store: PathType,
    *,
    compute: Literal[False],
    mode: str = ...,
    chunks: Mapping[str, int] | str | None = ...,
) -> ZarrWrite: ...


@overload
def to_zarr(
    da: xr.DataArray | xr.Dataset,
    store: PathType,
    *,
    compute: bool,
    mode: str = ...,
    chunks: Mapping[str, int] | str | None = ...,
) -> Path | str | ZarrWrite: ...


def to_zarr(
    da: xr.DataArray | xr.Dataset,
    store: PathType,
    *,
    compute: bool = True,
    mode: str = "w-",
    chunks: Mapping[str, int] | str | None = None,
) -> Path | str | ZarrWrite:
    """Write a DataArray or Dataset to a Zarr (format 3) store, chunk by chunk, atomically.

    Parameters
    ----------
    da : xarray.DataArray or xarray.Dataset
        The data. Dask-backed data are written one chunk at a time and never computed
        whole; Zarr chunks equal the dask chunks. A Dataset (e.g. the ``mean`` and
        ``std`` that ``pm.reconstruct(..., return_uncertainty=True)`` returns) is read
        back with ``open_zarr(store, dataset=True)``.
    store : str or os.PathLike
        Folder of the store to create, or an fsspec URL (``s3://bucket/line.zarr``,
        ``memory://line.zarr``; the filesystem package must be installed).
    compute : bool, optional
        Write now (default). With False, return a :class:`ZarrWrite` (a dask
        ``Delayed``) that writes the chunks and moves the store into place when computed.
    mode : {"w-", "w"}, optional
        ``"w-"`` (default) refuses an existing store, also one that appears while the
        write runs; ``"w"`` replaces an existing Zarr store once the new one is complete
        (never anything else, and never the data's own source).
    chunks : dict or "auto", optional
        Chunk the data like this before writing (``da.chunk(chunks)``).

    Returns
    -------
    pathlib.Path, str or ZarrWrite
        The path of the written store (the URL for an URL), or the pending write when
        `compute` is False.

    Raises
    ------
    ConfigError
        If `mode` is unknown; the store exists and `mode` is ``"w-"``; the path holds
        something other than a Zarr store, or the data's source; `chunks` names a dim
        the data lack or is no valid chunking; an URL's filesystem is not installed.
    InvalidDataError
        If `da` is not a DataArray or Dataset, or an attribute cannot be stored as JSON.
    StoreError
        If the destination cannot be written (a read-only folder, say).

    Notes
    -----
    A DataArray named like one of its coordinates (e.g. ``"time"``) is stored under
    another variable name; :func:`open_zarr` restores its name.

    Zarr needs equal chunks along each dim (the last may be smaller). Dask chunks
    that break this are rechunked to their largest size along that dim, and the
    change is recorded as a line of ``attrs["history"]``.

    Every chunk is written (also chunks of fill values) with a CRC32C checksum, so
    :func:`open_zarr` tells a damaged or missing chunk from data.

    Examples
    --------
    >>> import tempfile, os, promethium as pm
    >>> from promethium.io.zarr import open_zarr, to_zarr
    >>> path = os.path.join(tempfile.mkdtemp(), "gather.zarr")
    >>> _ = to_zarr(pm.synthetic_gather(n_traces=8, n_samples=16), path)
    >>> open_zarr(path).dims
    ('offset', 'time')
    """
    import dask

    if mode not in _MODES:
        raise ConfigError(f"to_zarr mode must be one of {_MODES}; got {mode!r}.")
    ds = as_store_dataset(da, chunks)
    location = Location.of(store)
    check_destination(location, mode, da)
    if location.path is not None:
        tmp: Path | None = prepare(location.path)
        written: Any = tmp
    else:
        tmp = None
        if mode == "w":
            location.remove()
        written = location.url

    write_id = ds.attrs[WRITE_ATTR]

    def clean_up() -> None:
        if tmp is not None:
            remove_path(tmp)
        elif _written_by(location) in (write_id, None):
            location.remove()  # what this write made, never another writer's store

    encoding = checksum_encoding([str(k) for k in ds.variables])
    try:
        pending = ds.to_zarr(
            written,
            mode="w-",
            zarr_format=3,
            consolidated=False,
            compute=False,
            encoding=encoding,
            write_empty_chunks=True,
        )
        if compute:
            compute_writes(pending.compute, pending)
    except BaseException as err:
        clean_up()
        if tmp is None and _written_by(location) not in (write_id, None):
            raise ConfigError(
                f"{str(location)!r} already exists: another writer created it while this "
                "write started; mode 'w-' never replaces. Choose another path, or write "
                "again with mode='w'."
            ) from err
        if isinstance(err, OSError) and not isinstance(err, StoreError):
            reason = os_error_reason(err, tmp)
            raise StoreError(f"cannot write the Zarr store {str(location)!r}: {reason}.") from err
        raise
    if compute:
        return _finish(None, location, tmp, mode, write_id)
    done = dask.delayed(_finish, pure=False)(pending, location, tmp, mode, write_id)
    return ZarrWrite.wrap(done, tmp, location.target, abort=clean_up)


def _written_by(location: Location) -> str | None:
    """The write id in the root ``zarr.json`` at an URL; None if there is none."""
    try:
        attrs = json.loads(location.read("zarr.json") or b"{}").get("attributes", {})
        return str(attrs[WRITE_ATTR]) if WRITE_ATTR in attrs else None
    except (ValueError, AttributeError, TypeError):
        return None


def _finish(
    _: object, location: Location, tmp: Path | None, mode: str, write_id: str
) -> Path | str:
    """Mark the written store complete, then move it into place (local) or check it (URL)."""
    import zarr

    written = tmp if tmp is not None else location.url
    files = Location(path=tmp) if tmp is not None else location
    try:
        group = zarr.open_group(written, mode="r+", zarr_format=3)
        if group.attrs.get(WRITE_ATTR) != write_id:
            raise ConfigError(
                f"{str(location)!r} was written by another writer while this write ran; "
                "mode 'w-' never replaces. Choose another path, or write again with mode='w'."
            )
        digests = {
            name: hashlib.sha256(files.read(f"{name}/zarr.json") or b"").hexdigest()
            for name in sorted(group.array_keys())
        }
        group.attrs.update({METADATA_ATTR: digests, COMPLETE_ATTR: True})
    except BaseException:
        if tmp is not None:
            remove_path(tmp)
        raise
    if tmp is None:
        return location.target
    return commit(tmp, Path(location.target), mode)


@overload
def open_zarr(
    store: PathType,
    *,
    chunks: Mapping[str, int] | int | str | None = ...,
    variable: str | None = ...,
    dataset: Literal[False] = ...,
) -> xr.DataArray: ...


@overload
def open_zarr(
    store: PathType,
    *,
    chunks: Mapping[str, int] | int | str | None = ...,
    variable: None = ...,
    dataset: Literal[True],
) -> xr.Dataset: ...


@overload
def open_zarr(
    store: PathType,
    *,
    chunks: Mapping[str, int] | int | str | None = ...,
    variable: str | None = ...,
    dataset: bool,
) -> xr.DataArray | xr.Dataset: ...


def open_zarr(
    store: PathType,
    *,
    chunks: Mapping[str, int] | int | str | None = "store",
    variable: str | None = None,
    dataset: bool = False,
) -> xr.DataArray | xr.Dataset:
    """Open a Zarr store written by :func:`to_zarr` as a (lazy) DataArray, or Dataset.

    Parameters
    ----------
    store : str or os.PathLike
        Folder of the store, or an fsspec URL (``s3://bucket/line.zarr``).
    chunks : "store", "auto", int, dict or None, optional
        ``"store"`` (default): one dask chunk per Zarr chunk; ``"auto"``: dask's automatic
        chunking; a positive int, or a dict of them per dim (``-1``: the whole dim):
        those chunk sizes; None: read into memory.
    variable : str, optional
        The variable to open as a DataArray, for stores that hold several (e.g.
        ``"std"`` of a reconstruction with uncertainty).
    dataset : bool, optional
        Return every variable as a Dataset (e.g. ``mean`` and ``std``).

    Returns
    -------
    xarray.DataArray or xarray.Dataset
        The data, dask-backed unless `chunks` is None; coordinates are in memory. A
        Dataset when `dataset` is True.

    Raises
    ------
    InvalidDataError
        If there is no store at `store`, it is not a Zarr store (or is a Zarr format 2
        store), or the variable to open cannot be told.
    ConfigError
        If `chunks` is not a valid chunking (zero, negative, unknown dims).
    StoreError
        If the store is damaged (a chunk corrupt or missing, its write incomplete); the
        error names the chunk and the store.
    SourceChangedError
        If the store is replaced (or its metadata rewritten) while it is being read.

    Examples
    --------
    >>> import tempfile, os, promethium as pm
    >>> path = os.path.join(tempfile.mkdtemp(), "g.zarr")
    >>> g = pm.synthetic_gather(n_traces=4, n_samples=8)
    >>> _ = pm.to_zarr(g.to_dataset(name="mean").assign(std=g * 0), path)
    >>> sorted(pm.open_zarr(path, dataset=True).data_vars)
    ['mean', 'std']
    >>> pm.open_zarr(path, variable="std").name
    'std'
    """
    location = Location.of(store)
    check_exists(location)
    check_chunks_spec(chunks)
    pin = Pin.of(location)
    check_metadata(location, pin)
    try:
        ds = open_dataset(location)
        pin.check()
    except PromethiumError:
        pin.check()  # a store replaced while it was opened is not a damaged store
        raise
    markers, attrs = split_markers(ds.attrs)
    if markers.get(COMPLETE_ATTR) is False:
        raise StoreError(
            f"the Zarr store {str(location)!r} is incomplete: its write did not finish "
            "(killed, or still running); write it again."
        )
    every_chunk = markers.get(CHECKSUM_ATTR) is not None
    try:
        grids = {str(k): ChunkGrid.read(location, str(k)) for k in ds.variables}
    except StoreError:
        pin.check()
        raise
    guards = {k: GuardedArray(ds[k].variable, grids[k], pin, every_chunk) for k in grids}
    names = sorted(map(str, ds.data_vars)) if dataset else [pick_variable(ds, variable, location)]
    coords = {}
    for k in ds.coords:
        if k not in ds.indexes:
            coords[k] = ds.coords[k].copy(data=guards[str(k)].read_all())
        elif every_chunk:
            guards[str(k)].check_present(tuple(slice(0, n) for n in ds.coords[k].shape))
    out = ds[names].assign_coords(coords)
    for name in names:
        out[name] = out[name].copy(data=dask_array(guards[name], ds[name], chunks, pin))
    out.attrs = attrs if markers.get(DATASET_ATTR) or dataset else {}
    source = source_of(location)
    for name in names:
        out.variables[name].encoding = {"source": source}
    if chunks is None:
        out = out.load()
    if dataset:
        return out
    da = out[names[0]]
    if markers.get(UNNAMED_ATTR, False) is True and not variable:
        da.name = None
    elif isinstance(markers.get(NAME_ATTR), str) and not variable:
        da.name = markers[NAME_ATTR]
    da.encoding = {"source": source}
    return da
