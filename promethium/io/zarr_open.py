"""The steps of :func:`promethium.io.zarr.open_zarr`: find, check and open a store lazily."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from promethium.errors import ConfigError, InvalidDataError, StoreError
from promethium.io.atomic import recover
from promethium.io.location import Location
from promethium.io.zarr_guard import READ_LAYER, GuardedArray, Pin, find_corrupt_chunk
from promethium.io.zarr_layout import METADATA_ATTR, VARIABLE_ATTR

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "check_chunks_spec",
    "check_exists",
    "check_metadata",
    "dask_array",
    "open_dataset",
    "pick_variable",
    "source_of",
]

#: The most elements one dask chunk of ``open_zarr(chunks=...)`` may hold.
_MAX_CHUNK_ELEMENTS = 2**31


def source_of(location: Location) -> str:
    """What ``encoding["source"]`` of the opened data says: an absolute path, or the URL."""
    return os.path.abspath(location.path) if location.path is not None else str(location)


def check_metadata(location: Location, pin: Pin) -> None:
    """Raise if an array's ``zarr.json`` differs from what the writer recorded at commit."""
    try:
        recorded = json.loads(location.read("zarr.json") or b"")["attributes"][METADATA_ATTR]
        recorded = {str(k): str(v) for k, v in dict(recorded).items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        return  # not recorded (another writer), or the root is unreadable: said on open
    for name, digest in sorted(recorded.items()):
        raw = location.read(f"{name}/zarr.json")
        if raw is None or hashlib.sha256(raw).hexdigest() != digest:
            pin.check()
            state = "is missing" if raw is None else "does not match its checksum"
            raise StoreError(
                f"the metadata of array {name!r} of the Zarr store {str(location)!r} "
                f"({name}/zarr.json) {state}: the store is damaged. Copy it again or "
                "rewrite it from its source."
            )


def check_exists(location: Location) -> None:
    """Raise unless a Zarr (format 3) store is at `location`; put back one a crash hid."""
    path = location.path
    if path is not None and not path.exists():
        recover(path)  # a replace that died between its two renames
    if not location.exists():
        raise InvalidDataError(
            f"no Zarr store at {str(location)!r}; check the path (write one with pm.to_zarr)."
        )
    if not location.exists("zarr.json") and any(
        location.exists(f) for f in (".zgroup", ".zarray", ".zattrs")
    ):
        raise InvalidDataError(
            f"{str(location)!r} is a Zarr format 2 store; Promethium reads Zarr format 3. "
            "Convert it once: pm.to_zarr(xr.open_zarr(path, zarr_format=2)[variable], "
            "'new.zarr') (add .assign_coords(...) for units Promethium needs)."
        )


def open_dataset(location: Location) -> xr.Dataset:
    """The store as a lazily indexed Dataset (no dask); metadata problems named."""
    import xarray as xr

    try:
        return xr.open_zarr(
            location.target,
            chunks=None,
            zarr_format=3,
            consolidated=False,
            decode_times=False,
            decode_timedelta=False,
        )
    except Exception as err:
        bad = find_corrupt_chunk(location)
        if bad is not None:
            raise StoreError(
                f"chunk {bad!r} of the Zarr store {str(location)!r} is corrupt (checksum "
                f"mismatch, truncated or undecodable: {type(err).__name__}: {err}); copy the "
                "store again or rewrite it from its source."
            ) from err
        raise InvalidDataError(
            f"{str(location)!r} is not a readable Zarr (format 3) store: "
            f"{type(err).__name__}: {err}"
        ) from err


def pick_variable(ds: xr.Dataset, variable: str | None, location: Location) -> str:
    """The data variable to open: `variable`, the one the writer marked, or the only one."""
    names = sorted(str(v) for v in ds.data_vars)
    marked = ds.attrs.get(VARIABLE_ATTR)
    name = variable or (marked if isinstance(marked, str) else None)
    if name is None and len(names) == 1:
        name = names[0]
    if name is None or name not in names:
        hint = "dataset=True for all of them, or " if len(names) > 1 else ""
        raise InvalidDataError(
            f"cannot tell which variable of {str(location)!r} to open (found {names}); pass "
            f"{hint}variable=<one of them>."
        )
    return str(name)


def check_chunks_spec(chunks: Any) -> None:
    """Refuse zero, negative, non-integer and absurd chunk sizes before anything is read."""
    if chunks is None or chunks in ("store", "auto"):
        return
    sizes = chunks.values() if isinstance(chunks, Mapping) else [chunks]
    for size in sizes:
        ok = size in ("auto", None) or (
            isinstance(size, int)
            and not isinstance(size, bool)
            and (size == -1 or 0 < size <= _MAX_CHUNK_ELEMENTS)
        )
        if not ok:
            raise ConfigError(
                f"open_zarr chunks={chunks!r}: {size!r} is not a chunk size; pass positive "
                f"integers (at most {_MAX_CHUNK_ELEMENTS}), -1 for a whole dim or 'auto', "
                "or chunks='store' (the store's chunks), 'auto' or None (read into memory)."
            )


def dask_array(guard: GuardedArray, var: xr.DataArray, chunks: Any, pin: Pin) -> Any:
    """A dask array reading `guard` with the chunking asked for."""
    import dask.array as dsa
    import numpy as np
    from dask.array.core import normalize_chunks
    from dask.base import tokenize

    store_chunks = dict(zip(map(str, var.dims), guard.grid.chunks, strict=True))
    spec: Any
    if chunks in ("store", None):
        spec = guard.grid.chunks
    elif chunks == "auto":
        spec = "auto"
    elif isinstance(chunks, Mapping):
        unknown = sorted(str(k) for k in chunks if k not in var.dims)
        if unknown:
            raise ConfigError(
                f"open_zarr chunks names {unknown}, not dims of {str(pin.location)!r} "
                f"(dims {list(map(str, var.dims))}); pass chunks over those dims."
            )
        spec = tuple(chunks.get(d, store_chunks[str(d)]) for d in var.dims)
    else:
        spec = chunks
    normal = normalize_chunks(
        spec, guard.shape, dtype=guard.dtype, previous_chunks=guard.grid.chunks
    )
    name = f"{READ_LAYER}{var.name}-{tokenize(str(pin.location), pin.identity, var.name, normal)}"
    return dsa.from_array(
        guard,
        chunks=normal,
        name=name,
        lock=False,
        asarray=True,
        fancy=False,
        meta=np.empty((0,) * guard.ndim, dtype=guard.dtype),
    )
