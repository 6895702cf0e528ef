"""Match one DataArray to another by label, never by position."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from promethium.errors import InvalidDataError

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["align_like"]


def align_like(
    other: xr.DataArray, reference: xr.DataArray, dims: Sequence[str], *, what: str
) -> xr.DataArray:
    """Return `other` with `dims` in that order and its labels matched to `reference`.

    Where both label a dim, a different order of the same labels is reindexed onto
    `reference`'s; different labels are an error, so values are never paired by
    position by accident.

    Parameters
    ----------
    other : xarray.DataArray
        The array to match; it must span exactly `dims`.
    reference : xarray.DataArray
        The array whose labels win.
    dims : sequence of str
        The dims to compare, in the order wanted.
    what : str
        What `other` is, for error messages.

    Returns
    -------
    xarray.DataArray
        `other`, transposed to `dims`, non-index coordinates dropped.

    Raises
    ------
    InvalidDataError
        If `other` does not span `dims`, or its labels differ from `reference`'s.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ref = xr.DataArray(np.arange(3), dims="x", coords={"x": [1, 2, 3]})
    >>> flipped = ref.isel(x=slice(None, None, -1))
    >>> align_like(flipped, ref, ["x"], what="estimate").values.tolist()
    [0, 1, 2]
    """
    dims = tuple(dims)
    if set(other.dims) != set(dims):
        raise InvalidDataError(f"{what} must span dims {dims}; got {tuple(other.dims)}.")
    aligned = other.reset_coords(drop=True).transpose(*dims)
    for dim in dims:
        if dim not in aligned.indexes or dim not in reference.indexes:
            continue
        ours, theirs = reference.indexes[dim], aligned.indexes[dim]
        if ours.equals(theirs):
            continue
        if ours.is_unique and theirs.is_unique and set(ours) == set(theirs):
            aligned = aligned.reindex({dim: ours})
            continue
        raise InvalidDataError(
            f"{what} labels along {dim!r} differ from the data's; build it from the same "
            f"DataArray or pass plain values with .values."
        )
    return aligned
