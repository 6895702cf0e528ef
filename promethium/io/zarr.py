"""Zarr (format 3): Promethium's native chunked store, written atomically.

:func:`to_zarr` writes a seismic DataArray chunk by chunk into a temporary sibling
directory and renames it into place only when every chunk is written, so a failure
never leaves a half-written store under the final name. :func:`open_zarr` reads it back
as a lazy DataArray with its name, attrs (``history`` included), units, coordinates and
``trace_mask``.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promethium.errors import ConfigError, InvalidDataError
from promethium.io.pending import PendingWrite, compute_writes

if TYPE_CHECKING:
    import xarray as xr

    from promethium.typing import PathType

__all__ = ["ZarrWrite", "open_zarr", "to_zarr"]

#: Dataset attribute naming the variable that holds the DataArray.
_VARIABLE_ATTR = "promethium_variable"
#: Dataset attribute set when the DataArray had no name.
_UNNAMED_ATTR = "promethium_unnamed"
#: Dataset attribute holding the DataArray's name when it is stored under another
#: variable name (its name is also the name of one of its coordinates).
_NAME_ATTR = "promethium_name"
#: Variable name used for an unnamed DataArray.
_DEFAULT_NAME = "data"
_MODES = ("w-", "w")


class ZarrWrite(PendingWrite):
    """A pending :func:`to_zarr` write, a :class:`~promethium.io.pending.PendingWrite`.

    Computing it writes every chunk and renames the temporary store into place.
    """

    __slots__ = ()


def to_zarr(
    da: xr.DataArray,
    store: PathType,
    *,
    compute: bool = True,
    mode: str = "w-",
    chunks: Mapping[str, int] | str | None = None,
) -> Path | ZarrWrite:
    """Write a DataArray to a Zarr (format 3) store, chunk by chunk, atomically.

    Parameters
    ----------
    da : xarray.DataArray
        The data. Dask-backed data are written one chunk at a time and never computed
        whole; Zarr chunks equal the dask chunks.
    store : str or os.PathLike
        Directory of the store to create.
    compute : bool, optional
        Write now (default). With False, return a :class:`ZarrWrite` (a dask
        ``Delayed``) that writes the chunks and renames the store when computed.
    mode : {"w-", "w"}, optional
        ``"w-"`` (default) refuses to overwrite an existing store; ``"w"`` replaces it
        once the new one is complete.
    chunks : dict or "auto", optional
        Chunk the data like this before writing (``da.chunk(chunks)``).

    Returns
    -------
    pathlib.Path or ZarrWrite
        The path of the written store, or the pending write when `compute` is False.

    Raises
    ------
    ConfigError
        If `mode` is unknown, the store exists and `mode` is ``"w-"``, or `chunks` names
        a dim `da` does not have or is not a valid chunking.
    InvalidDataError
        If `da` is not a DataArray, or an attribute (of `da` or a coordinate) cannot be
        stored as JSON.

    Notes
    -----
    A DataArray named like one of its coordinates (e.g. ``"time"``) is stored under
    another variable name; :func:`open_zarr` restores its name.

    Zarr needs equal chunks along each dim (the last may be smaller). Dask chunks
    that break this are rechunked to their largest size along that dim, and the
    change is recorded as a line of ``attrs["history"]``.

    Examples
    --------
    >>> import tempfile, os, promethium as pm
    >>> from promethium.io.zarr import open_zarr, to_zarr
    >>> path = os.path.join(tempfile.mkdtemp(), "gather.zarr")
    >>> _ = to_zarr(pm.synthetic_gather(n_traces=8, n_samples=16), path)
    >>> open_zarr(path).dims
    ('offset', 'time')
    """
    import xarray as xr

    if mode not in _MODES:
        raise ConfigError(f"to_zarr mode must be one of {_MODES}; got {mode!r}.")
    if not isinstance(da, xr.DataArray):
        raise InvalidDataError(
            f"to_zarr writes an xarray.DataArray; got {type(da).__name__}. For a Dataset, "
            "write each variable, or use Dataset.to_zarr."
        )
    final = Path(os.fspath(store))
    _check_target(final, mode)
    _check_attrs(da)
    if chunks is not None:
        da = _rechunk(da, chunks)
    da = _regular_chunks(da)
    name = _DEFAULT_NAME if da.name is None else str(da.name)
    variable = _variable_name(da, name)
    ds = da.to_dataset(name=variable).drop_encoding()
    ds.attrs = {_VARIABLE_ATTR: variable, _UNNAMED_ATTR: da.name is None}
    if variable != name:
        ds.attrs[_NAME_ATTR] = name
    tmp = final.parent / f".{final.name}.tmp-{uuid.uuid4().hex}"
    final.parent.mkdir(parents=True, exist_ok=True)
    import dask

    try:
        pending = ds.to_zarr(tmp, mode="w-", zarr_format=3, consolidated=False, compute=False)
        if compute:
            compute_writes(pending.compute, pending)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if compute:
        _commit(None, tmp, final, mode)
        return final

    done = dask.delayed(_commit, pure=False)(pending, tmp, final, mode)
    return ZarrWrite.wrap(done, tmp, final)


def open_zarr(
    store: PathType,
    *,
    chunks: Mapping[str, int] | str | None = "store",
    variable: str | None = None,
) -> xr.DataArray:
    """Open a Zarr store written by :func:`to_zarr` as a (lazy) DataArray.

    Parameters
    ----------
    store : str or os.PathLike
        Directory of the store.
    chunks : "store", "auto", dict or None, optional
        ``"store"`` (default): one dask chunk per Zarr chunk; ``"auto"`` or a dict:
        dask chunking as in :func:`xarray.open_zarr`; None: read into memory.
    variable : str, optional
        The variable to open, for stores not written by :func:`to_zarr` that hold
        several.

    Returns
    -------
    xarray.DataArray
        The data, dask-backed unless `chunks` is None; coordinates are in memory.

    Raises
    ------
    InvalidDataError
        If there is no store at `store`, it is not a Zarr store (or is a Zarr format 2
        store), or the variable to open cannot be told.
    """
    import xarray as xr

    path = Path(os.fspath(store))
    if not path.exists():
        raise InvalidDataError(
            f"no Zarr store at {str(path)!r}; check the path (write one with pm.to_zarr)."
        )
    if not (path / "zarr.json").exists() and any(
        (path / f).exists() for f in (".zgroup", ".zarray", ".zattrs")
    ):
        raise InvalidDataError(
            f"{str(path)!r} is a Zarr format 2 store; Promethium reads Zarr format 3. "
            "Convert it once: pm.to_zarr(xr.open_zarr(path, zarr_format=2)[variable], "
            "'new.zarr') (add .assign_coords(...) for units Promethium needs)."
        )
    dask_chunks: Any = {} if chunks == "store" else chunks
    try:
        ds = xr.open_zarr(
            path,
            chunks=dask_chunks,
            zarr_format=3,
            consolidated=False,
            decode_times=False,
            decode_timedelta=False,
        )
    except (FileNotFoundError, KeyError, ValueError, TypeError) as err:
        raise InvalidDataError(
            f"{str(path)!r} is not a readable Zarr (format 3) store: {err}"
        ) from err
    name = _pick_variable(ds, variable, path)
    da = ds[name]
    da = da.assign_coords({k: da.coords[k].load() for k in da.coords if k not in da.indexes})
    if ds.attrs.get(_UNNAMED_ATTR, False):
        da.name = None
    elif isinstance(ds.attrs.get(_NAME_ATTR), str):
        da.name = ds.attrs[_NAME_ATTR]
    da.encoding = {}
    return da.load() if chunks is None else da


def _pick_variable(ds: xr.Dataset, variable: str | None, path: Path) -> str:
    names = sorted(str(v) for v in ds.data_vars)
    name = variable or ds.attrs.get(_VARIABLE_ATTR)
    if name is None and len(names) == 1:
        name = names[0]
    if name is None or name not in names:
        raise InvalidDataError(
            f"cannot tell which variable of {str(path)!r} to open (found {names}); pass "
            "variable=<one of them>."
        )
    return str(name)


def _variable_name(da: xr.DataArray, name: str) -> str:
    """`name`, or a variable name clashing with no coordinate or dim of `da`."""
    taken = {str(k) for k in da.coords} | {str(d) for d in da.dims}
    if name not in taken:
        return name
    candidate = f"{_DEFAULT_NAME}_{name}"
    while candidate in taken:
        candidate = f"_{candidate}"
    return candidate


def _rechunk(da: xr.DataArray, chunks: Mapping[str, int] | str) -> xr.DataArray:
    """``da.chunk(chunks)``, with user mistakes as :class:`ConfigError`."""
    if isinstance(chunks, Mapping):
        unknown = sorted(str(k) for k in chunks if k not in da.dims)
        if unknown:
            raise ConfigError(
                f"to_zarr chunks names {unknown}, not dims of DataArray {da.name!r} "
                f"(dims {list(map(str, da.dims))}); pass chunks over those dims, e.g. "
                f"{{{str(da.dims[0])!r}: 64}}."
            )
    try:
        return da.chunk(chunks)
    except (ValueError, TypeError) as err:
        raise ConfigError(
            f"to_zarr chunks={chunks!r} is not a valid chunking of DataArray {da.name!r} "
            f"(sizes {dict(da.sizes)}): {err}; pass a dict of positive sizes per dim or 'auto'."
        ) from err


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    raise TypeError(type(value).__name__)


def _check_attrs(da: xr.DataArray) -> None:
    """Raise if an attribute of `da` or of a coordinate cannot be stored as JSON."""
    owners: list[tuple[str, Mapping[Any, Any]]] = [(f"DataArray {da.name!r}", da.attrs)]
    owners += [(f"coordinate {str(k)!r}", da.coords[k].attrs) for k in da.coords]
    for owner, attrs in owners:
        for key, value in attrs.items():
            try:
                json.dumps(value, default=_json_default)
            except (TypeError, ValueError) as err:
                raise InvalidDataError(
                    f"attrs[{key!r}] of {owner} is a {type(value).__name__}, which a Zarr "
                    f"store cannot hold as JSON ({err}); convert it to a str, number or "
                    f"list, or drop it (e.g. da.drop_attrs() or del da.attrs[{key!r}])."
                ) from err


def _check_target(final: Path, mode: str) -> None:
    if mode == "w-" and (final.exists() or final.is_symlink()):
        raise ConfigError(
            f"{str(final)!r} already exists; pass mode='w' to replace it, or choose another path."
        )


def _regular_chunks(da: xr.DataArray) -> xr.DataArray:
    """Rechunk dims whose dask chunks Zarr cannot store; record it in the history."""
    from promethium.core.history import append_history

    if da.chunks is None:
        return da
    fixes: dict[str, int] = {}
    for dim, sizes in zip(da.dims, da.chunks):
        if any(s != sizes[0] for s in sizes[:-1]) or sizes[-1] > sizes[0]:
            fixes[str(dim)] = max(sizes)
    if not fixes:
        return da
    out = da.chunk(fixes)
    return append_history(out, f"to_zarr rechunked irregular dask chunks to {fixes}")


def _commit(_: object, tmp: Path, final: Path, mode: str) -> Path:
    """Move the complete store at `tmp` to `final` (replacing it in mode ``"w"``)."""
    try:
        _check_target(final, mode)
        old = None
        if final.exists() or final.is_symlink():
            old = final.parent / f".{final.name}.old-{uuid.uuid4().hex}"
            os.replace(final, old)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink()
    return final
