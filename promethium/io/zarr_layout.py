"""How a DataArray or Dataset is laid out as a Zarr store, and checked before it is written.

The store's root attributes carry Promethium's markers (``promethium_*``): which variable
holds a DataArray and its name, whether the store is a Dataset, the write's id, that
every chunk was written with a checksum, and whether the write completed.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from promethium.errors import ConfigError, InvalidDataError

if TYPE_CHECKING:
    import xarray as xr

    from promethium.io.location import Location

__all__ = ["MARKERS", "as_store_dataset", "check_destination", "split_markers"]

#: Dataset attribute naming the variable that holds the DataArray.
VARIABLE_ATTR = "promethium_variable"
#: Dataset attribute set when the DataArray had no name.
UNNAMED_ATTR = "promethium_unnamed"
#: Dataset attribute holding the DataArray's name when it is stored under another
#: variable name (its name is also the name of one of its coordinates).
NAME_ATTR = "promethium_name"
#: Set (True) on a store written from a Dataset.
DATASET_ATTR = "promethium_dataset"
#: A random id of the write that made the store.
WRITE_ATTR = "promethium_write"
#: The checksum codec of every chunk; present means every chunk was written.
CHECKSUM_ATTR = "promethium_checksum"
#: False while the write runs, True once every chunk is written.
COMPLETE_ATTR = "promethium_complete"
#: SHA-256 of each array's ``zarr.json`` (variables and coordinates), set at commit.
METADATA_ATTR = "promethium_metadata"
MARKERS = (
    METADATA_ATTR,
    VARIABLE_ATTR,
    UNNAMED_ATTR,
    NAME_ATTR,
    DATASET_ATTR,
    WRITE_ATTR,
    CHECKSUM_ATTR,
    COMPLETE_ATTR,
)
#: Variable name used for an unnamed DataArray.
_DEFAULT_NAME = "data"


def split_markers(attrs: Mapping[Any, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split root attributes into (Promethium's markers, the user's attributes)."""
    markers = {str(k): v for k, v in attrs.items() if k in MARKERS}
    return markers, {k: v for k, v in attrs.items() if k not in MARKERS}


def as_store_dataset(
    data: xr.DataArray | xr.Dataset, chunks: Mapping[str, int] | str | None
) -> xr.Dataset:
    """The Dataset to write for `data`, chunked and checked, markers in its attrs.

    Raises
    ------
    InvalidDataError
        If `data` is neither a DataArray nor a Dataset, or an attribute is not JSON.
    ConfigError
        If `chunks` is no valid chunking of `data`.
    """
    import xarray as xr

    if not isinstance(data, xr.DataArray | xr.Dataset):
        raise InvalidDataError(
            f"to_zarr writes an xarray.DataArray or Dataset; got {type(data).__name__}. "
            "Wrap a NumPy array in xr.DataArray(values, dims=...) first."
        )
    _check_attrs(data)
    if chunks is not None:
        data = _rechunk(data, chunks)
    markers: dict[str, Any] = {WRITE_ATTR: uuid.uuid4().hex, CHECKSUM_ATTR: "crc32c"}
    markers[COMPLETE_ATTR] = False
    if isinstance(data, xr.Dataset):
        if not data.data_vars:
            raise InvalidDataError("to_zarr got a Dataset without data variables to write.")
        ds = data.map(_regular_chunks, keep_attrs=True).drop_encoding()
        ds.attrs = {**split_markers(data.attrs)[1], **markers, DATASET_ATTR: True}
        return ds
    da = _regular_chunks(data)
    name = _DEFAULT_NAME if da.name is None else str(da.name)
    variable = _variable_name(da, name)
    ds = da.to_dataset(name=variable).drop_encoding()
    ds.attrs = {**markers, VARIABLE_ATTR: variable, UNNAMED_ATTR: da.name is None}
    if variable != name:
        ds.attrs[NAME_ATTR] = name
    return ds


def check_destination(location: Location, mode: str, data: xr.DataArray | xr.Dataset) -> None:
    """Refuse to write over the data's own source, or over anything but a Zarr store.

    Raises
    ------
    ConfigError
        If the destination is where `data` was read from, or exists and is not a Zarr
        store (``mode="w"``), or exists at all (``mode="w-"``).
    """
    target = str(location)
    for role, source in _sources(data):
        if _same_place(location, source):
            raise ConfigError(
                f"to_zarr would overwrite its input: {target!r} is {role} "
                f"{os.fspath(source)!r}. Inputs are never modified; write to another path."
            )
    what = location.describe()
    if what is None:
        return
    if mode == "w-":
        raise ConfigError(
            f"{target!r} already exists; pass mode='w' to replace it, or choose another path."
        )
    if what not in ("a Zarr store", "an empty folder"):
        raise ConfigError(
            f"to_zarr mode='w' replaces only a Zarr store, and {target!r} is {what}; "
            "nothing was changed. Remove it yourself, or choose another path."
        )


def _sources(data: xr.DataArray | xr.Dataset) -> list[tuple[str, Any]]:
    import xarray as xr

    from promethium.io.zarr_guard import stores_read_by

    owners: list[Any] = [data]
    if isinstance(data, xr.Dataset):
        owners += list(data.data_vars.values())
    found = []
    for owner in owners:
        for role, where in (("the source of the data (attrs['source'])", owner.attrs),
                            ("the store the data were read from", owner.encoding)):  # fmt: skip
            source = where.get("source")
            if isinstance(source, str | os.PathLike):
                found.append((role, source))
    role = "the store the data are read from (lazily)"
    found += [(role, location.target) for location in stores_read_by(data)]
    return found


def _same_place(location: Location, source: Any) -> bool:
    if location.path is None:
        return str(location.url) == os.fspath(source).rstrip("/")
    text = os.fspath(source)
    if "://" in text or not os.path.lexists(text):
        return False
    here, there = os.path.realpath(location.path), os.path.realpath(text)
    return here == there or there.startswith(here + os.sep)


def _variable_name(da: xr.DataArray, name: str) -> str:
    """`name`, or a variable name clashing with no coordinate or dim of `da`."""
    taken = {str(k) for k in da.coords} | {str(d) for d in da.dims}
    if name not in taken:
        return name
    candidate = f"{_DEFAULT_NAME}_{name}"
    while candidate in taken:
        candidate = f"_{candidate}"
    return candidate


def _rechunk(data: Any, chunks: Mapping[str, int] | str) -> Any:
    """``data.chunk(chunks)``, with user mistakes as :class:`ConfigError`."""
    if isinstance(chunks, Mapping):
        unknown = sorted(str(k) for k in chunks if k not in data.dims)
        if unknown:
            raise ConfigError(
                f"to_zarr chunks names {unknown}, not dims of {_what(data)} "
                f"(dims {list(map(str, data.dims))}); pass chunks over those dims, e.g. "
                f"{{{str(next(iter(data.dims)))!r}: 64}}."
            )
    try:
        return data.chunk(chunks)
    except (ValueError, TypeError) as err:
        raise ConfigError(
            f"to_zarr chunks={chunks!r} is not a valid chunking of {_what(data)} "
            f"(sizes {dict(data.sizes)}): {err}; pass a dict of positive sizes per dim or 'auto'."
        ) from err


def _what(data: Any) -> str:
    import xarray as xr

    return f"DataArray {data.name!r}" if isinstance(data, xr.DataArray) else "the Dataset"


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    raise TypeError(type(value).__name__)


def _check_attrs(data: xr.DataArray | xr.Dataset) -> None:
    """Raise if an attribute of `data`, a variable or a coordinate cannot be JSON."""
    import xarray as xr

    owners: list[tuple[str, Mapping[Any, Any]]] = [(_what(data), data.attrs)]
    if isinstance(data, xr.Dataset):
        owners += [(f"variable {str(k)!r}", v.attrs) for k, v in data.data_vars.items()]
    owners += [(f"coordinate {str(k)!r}", data.coords[k].attrs) for k in data.coords]
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
