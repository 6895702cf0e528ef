"""Running an operator's block transform over in-memory or dask data."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from promethium.core.chunks import RECHUNK_ATTR, merge_small_chunks
from promethium.errors import InvalidDataError
from promethium.ops.context import BlockContext

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["coord_arrays", "map_blocks_of"]

Transform = Callable[[np.ndarray, BlockContext], np.ndarray]


def coord_arrays(
    da: xr.DataArray, names: Sequence[str], context: BlockContext, *, owner: str
) -> dict[str, np.ndarray]:
    """The coordinates `names` of `da`, each broadcastable to the data's shape.

    ``"vertical"`` is the vertical coordinate in ``context.vertical_unit``.

    Raises
    ------
    InvalidDataError
        If a coordinate is missing or has dims the data lack (`owner` names the
        operator).
    """
    from promethium.core.axis import vertical_values

    out: dict[str, np.ndarray] = {}
    for name in names:
        if name == "vertical":
            values = vertical_values(da, context.vertical_unit)
            out[name] = values.reshape((1,) * (da.ndim - 1) + (-1,))
            continue
        if name not in da.coords:
            raise InvalidDataError(
                f"{owner} needs the coordinate {name!r}, which the data lack; assign it "
                f"with da.assign_coords({name}=...)."
            )
        coord = da.coords[name]
        missing = set(coord.dims) - set(da.dims)
        if missing:
            raise InvalidDataError(f"coordinate {name!r} has dims {missing} not in data.")
        shape = [da.sizes[d] if d in coord.dims else 1 for d in da.dims]
        values = coord.transpose(*[d for d in da.dims if d in coord.dims]).values
        out[name] = np.asarray(values).reshape(shape)
    return out


def map_blocks_of(
    transform: Transform,
    da: xr.DataArray,
    context: BlockContext,
    coords: Mapping[str, np.ndarray],
    halo: Mapping[str, int],
    dtype: np.dtype,
    *,
    owner: str,
) -> xr.DataArray:
    """Apply `transform` to in-memory `da` at once, or lazily to each dask block.

    Dask data are processed with ``map_blocks`` (``map_overlap`` with `halo` samples
    per dim where that dim is chunked), nothing computed; chunks smaller than the halo
    are merged and the merge is recorded in ``attrs["promethium_rechunked"]``.
    """
    import dask.array as dska

    data = da.data
    if not isinstance(data, dska.Array):
        result = transform(np.asarray(data), replace(context, coords=dict(coords)))
        return da.copy(data=np.asarray(result, dtype=dtype))
    da, rechunked = _merge_small_chunks(da, halo)
    data = da.data
    chunked = [
        dska.broadcast_to(
            dska.from_array(
                c, chunks=tuple(ch if n > 1 else (1,) for ch, n in zip(data.chunks, c.shape))
            ),
            data.shape,
            chunks=data.chunks,
        )
        for c in coords.values()
    ]
    names = list(coords)

    def run(block: np.ndarray, *coord_blocks: np.ndarray) -> np.ndarray:
        ctx = replace(context, coords=dict(zip(names, coord_blocks)))
        return np.asarray(transform(block, ctx), dtype=dtype)

    depth = {
        da.get_axis_num(d): int(h)
        for d, h in halo.items()
        if h and len(da.chunksizes.get(d, ())) > 1
    }
    meta = np.empty((0,) * data.ndim, dtype=dtype)
    if depth:
        result = dska.map_overlap(
            run, data, *chunked, depth=depth, boundary="none", trim=True, dtype=dtype, meta=meta
        )
    else:
        result = dska.map_blocks(run, data, *chunked, dtype=dtype, meta=meta)
    out = da.copy(data=result)
    if rechunked:
        out.attrs[RECHUNK_ATTR] = f"{owner} merged chunks smaller than its halo: " + "; ".join(
            rechunked
        )
    return out


def _merge_small_chunks(
    da: xr.DataArray, halo: Mapping[str, int]
) -> tuple[xr.DataArray, list[str]]:
    """Merge chunks smaller than the halo into a neighbour, explicitly.

    ``map_overlap`` needs every chunk to be at least as large as the halo. Rather than
    letting dask rechunk behind our back, short chunks are merged with
    :func:`~promethium.core.chunks.merge_small_chunks` (at most one halo of extra
    memory) and the change is reported so it is recorded in the result's attrs.
    """
    notes = []
    new_chunks = {}
    for dim, h in halo.items():
        chunks = tuple(da.chunksizes.get(dim, ()))
        if not h or len(chunks) < 2 or min(chunks) >= h:
            continue
        new_chunks[dim] = merge_small_chunks(chunks, h)
        notes.append(f"{dim}: {chunks} -> {new_chunks[dim]}")
    return (da.chunk(new_chunks) if new_chunks else da), notes
