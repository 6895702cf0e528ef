"""Checked reads of a Zarr store: pinned to the store opened, every chunk present and intact.

:func:`promethium.io.zarr.open_zarr` reads each variable through a :class:`GuardedArray`,
which, for every block a dask task reads,

- checks that the path still holds the store that was opened (:class:`Pin`: the
  :class:`~promethium.io.identity.FileIdentity` of the folder and of its ``zarr.json``;
  for an URL, the bytes of ``zarr.json``, which hold a write id), before and after
  reading, so a read concurrent with a replace raises
  :class:`~promethium.errors.SourceChangedError` instead of mixing two versions;
- in stores Promethium wrote (every chunk is written, each with a CRC32C checksum), checks
  that each chunk it needs exists: Zarr would read a missing chunk as fill values;
- turns a failed decode (a checksum mismatch, a truncated chunk) into a
  :class:`~promethium.errors.StoreError` naming the chunk and the store.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.errors import PromethiumError, SourceChangedError, StoreError
from promethium.io.identity import FileIdentity

if TYPE_CHECKING:
    import xarray as xr

    from promethium.io.location import Location

__all__ = [
    "ChunkGrid",
    "GuardedArray",
    "Pin",
    "checksum_encoding",
    "find_corrupt_chunk",
    "stores_read_by",
]


def checksum_encoding(names: list[str]) -> dict[str, dict[str, Any]]:
    """Zarr encoding giving each variable Zstandard compression then a CRC32C checksum."""
    from zarr.codecs import Crc32cCodec, ZstdCodec

    return {name: {"compressors": (ZstdCodec(), Crc32cCodec())} for name in names}


#: Prefix of the names of the dask layers that read a store.
READ_LAYER = "open_zarr-"


@dataclasses.dataclass(frozen=True)
class Pin:
    """The identity of the store that was opened at a location."""

    location: Location
    identity: tuple[Any, ...]

    @classmethod
    def of(cls, location: Location) -> Pin:
        """Pin the store now at `location`."""
        return cls(location, _identity(location))

    def check(self) -> None:
        """Raise if the location no longer holds the pinned store.

        Raises
        ------
        SourceChangedError
            If the store was replaced, removed or its metadata rewritten.
        """
        if _identity(self.location) != self.identity:
            raise SourceChangedError(
                f"the Zarr store {str(self.location)!r} was replaced or changed while it was "
                "being read (another write?); nothing mixed was returned. Open it again "
                "once the write is done."
            )


def _identity(location: Location) -> tuple[Any, ...]:
    if location.path is None:
        text = location.read("zarr.json")
        return ("url", None if text is None else hashlib.sha256(text).hexdigest())
    try:
        return (FileIdentity.of(location.path), FileIdentity.of(location.path / "zarr.json"))
    except OSError:
        return ("missing",)


@dataclasses.dataclass(frozen=True)
class ChunkGrid:
    """An array's chunk grid and how its chunks are named in the store."""

    array: str
    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    separator: str
    v2_keys: bool

    @classmethod
    def read(cls, location: Location, array: str) -> ChunkGrid:
        """Read the grid of `array` from its ``zarr.json``."""
        raw = location.read(f"{array}/zarr.json")
        try:
            meta = json.loads(raw or b"")
            shape = tuple(int(n) for n in meta["shape"])
            chunks = tuple(int(n) for n in meta["chunk_grid"]["configuration"]["chunk_shape"])
            encoding = meta.get("chunk_key_encoding", {"name": "default"})
            separator = str(encoding.get("configuration", {}).get("separator", ""))
            v2 = encoding.get("name") == "v2"
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise StoreError(
                f"the metadata of array {array!r} of the Zarr store {str(location)!r} "
                f"({array}/zarr.json) is missing or corrupt: {err!r}."
            ) from err
        if len(chunks) != len(shape) or any(c <= 0 for c in chunks):
            raise StoreError(
                f"the metadata of array {array!r} of the Zarr store {str(location)!r} has "
                f"chunks {list(chunks)} for shape {list(shape)}; the store is corrupt."
            )
        return cls(array, shape, chunks, separator or ("." if v2 else "/"), v2)

    def key(self, coords: tuple[int, ...]) -> str:
        """The store key of the chunk at chunk coordinates `coords`."""
        if self.v2_keys:
            return f"{self.array}/{self.separator.join(map(str, coords)) or '0'}"
        return self.separator.join([f"{self.array}/c", *map(str, coords)])

    def coords(self, region: tuple[slice, ...]) -> list[tuple[int, ...]]:
        """Chunk coordinates of every chunk that `region` (slices, step 1) touches."""
        ranges = [
            range(s.start // c, math.ceil(s.stop / c)) if s.stop > s.start else range(0)
            for s, c in zip(region, self.chunks, strict=True)
        ]
        return list(itertools.product(*ranges))

    def region(self, coords: tuple[int, ...]) -> tuple[slice, ...]:
        """The slices of the chunk at `coords`."""
        return tuple(
            slice(i * c, min((i + 1) * c, n))
            for i, c, n in zip(coords, self.chunks, self.shape, strict=True)
        )


class GuardedArray:
    """A variable of an opened store, read with the checks of this module.

    Parameters
    ----------
    variable : xarray.Variable
        The variable, lazily indexed (opened without dask).
    grid : ChunkGrid
        Its chunk grid.
    pin : Pin
        The store that was opened.
    every_chunk : bool
        Whether the store has every chunk (Promethium wrote it): a missing one is an error.
    """

    def __init__(self, variable: xr.Variable, grid: ChunkGrid, pin: Pin, every_chunk: bool):
        self.variable = variable
        self.grid = grid
        self.pin = pin
        self.every_chunk = every_chunk
        self.shape = tuple(variable.shape)
        self.dtype = variable.dtype
        self.ndim = len(self.shape)

    def __getitem__(self, key: Any) -> np.ndarray:
        region = _region(key, self.shape)
        self.pin.check()
        try:
            if self.every_chunk:
                self.check_present(region)
            out = np.asarray(self.variable[region].values)
        except Exception as err:
            self.pin.check()  # a store replaced mid-read is not a damaged store
            if isinstance(err, PromethiumError):
                raise
            raise self._corrupt(region, err) from err
        self.pin.check()
        return out

    def read_all(self) -> np.ndarray:
        """Every value, checked."""
        return self[tuple(slice(0, n) for n in self.shape)]

    def check_present(self, region: tuple[slice, ...]) -> None:
        """Raise if a chunk that `region` needs is missing from the store."""
        location = self.pin.location
        for coords in self.grid.coords(region):
            key = self.grid.key(coords)
            if not location.exists(key):
                raise StoreError(
                    f"chunk {key!r} of the Zarr store {str(location)!r} is missing: the store "
                    "was written with every chunk, so it has been damaged (deleted files, an "
                    "incomplete copy). Copy it again or rewrite it from its source."
                )

    def _corrupt(self, region: tuple[slice, ...], err: Exception) -> StoreError:
        """The error naming the first chunk of `region` that cannot be decoded."""
        key = None
        for coords in self.grid.coords(region):
            try:
                np.asarray(self.variable[self.grid.region(coords)].values)
            except Exception:
                key = self.grid.key(coords)
                break
        what = f"chunk {key!r}" if key else f"array {self.grid.array!r}"
        return StoreError(
            f"{what} of the Zarr store {str(self.pin.location)!r} is corrupt (checksum "
            f"mismatch, truncated or undecodable: {type(err).__name__}: {err}); copy the "
            "store again or rewrite it from its source."
        )


def _region(key: Any, shape: tuple[int, ...]) -> tuple[slice, ...]:
    """`key` (what dask passes: slices, maybe fewer than dims) as full slices of step 1."""
    key = key if isinstance(key, tuple) else (key,)
    out = []
    for i, n in enumerate(shape):
        k = key[i] if i < len(key) else slice(None)
        if not isinstance(k, slice) or k.step not in (None, 1):
            raise TypeError(f"GuardedArray takes slices of step 1; got {k!r}")
        start, stop, _ = k.indices(n)
        out.append(slice(start, max(start, stop)))
    return tuple(out)


def stores_read_by(data: Any) -> list[Location]:
    """The stores that :func:`~promethium.io.zarr.open_zarr` arrays in `data`'s graph read.

    Parameters
    ----------
    data : xarray.DataArray or xarray.Dataset
        Data, lazy or not.

    Returns
    -------
    list of Location
        Where each store read lazily by `data` lives (empty for in-memory data).
    """
    import dask

    if not dask.is_dask_collection(data):
        return []
    found = []
    for name, layer in data.__dask_graph__().layers.items():
        if str(name).startswith(f"original-{READ_LAYER}"):
            found += [v.pin.location for v in layer.values() if isinstance(v, GuardedArray)]
    return found


def find_corrupt_chunk(location: Location) -> str | None:
    """The key of the first undecodable chunk of a one-dimensional array, or None.

    One-dimensional arrays are the dims' coordinates, which xarray reads on opening;
    this names the chunk when a store fails to open.
    """
    import zarr

    try:
        group = zarr.open_group(location.target, mode="r", zarr_format=3)
        arrays = sorted(group.arrays(), key=lambda item: str(item[0]))
    except Exception:
        return None
    for name, array in arrays:
        try:
            grid = ChunkGrid.read(location, str(name))
        except StoreError:
            continue
        if len(grid.shape) != 1:
            continue
        for coords in grid.coords(tuple(slice(0, n) for n in grid.shape)):
            try:
                array[grid.region(coords)]
            except Exception:
                return grid.key(coords)
    return None
