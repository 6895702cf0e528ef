"""Trace headers for grid positions that had no trace in the source file (holes).

A hole that holds a trace (one a reconstruction filled) is written at its place in the
grid's sort order. Its header is that of the nearest present trace (Euclidean distance
in grid index space) with the geometry words (the trace dims, at their byte locations)
and the x/y coordinates set for its position; every other word (trace identification
code, sample count and interval, scalars, offset of a 3-D cube, ...) is the
neighbour's, so that the file reads back as the same survey.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import numpy as np

from promethium.io.segy.build import grid_values, key_words
from promethium.io.segy.headers import (
    TRACE_FIELDS,
    XY_FIELDS,
    header_word,
    put_word,
    read_headers_at,
)
from promethium.io.segy.layout import TRACE_HEADER_SIZE, SegyLayout

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["GridHeaders", "LikeHeaders", "hole_headers"]

#: ``(len(flat), 240)`` uint8 headers for flat grid positions (C order of the trace dims).
HeaderSource = Callable[[np.ndarray], np.ndarray]


def _planar(values: np.ndarray, axes: list[np.ndarray], live: np.ndarray) -> np.ndarray | None:
    """Affine fit of `values` over the dim coordinates, if it reproduces the live values."""
    known = live & np.isfinite(values)
    if known.sum() < len(axes) + 2:
        return None
    grids = np.meshgrid(*axes, indexing="ij")
    design = np.stack([np.ones(values.shape), *grids], axis=-1)
    coef, *_ = np.linalg.lstsq(design[known], values[known], rcond=None)
    fitted = design @ coef
    scale = max(1.0, float(np.abs(values[known]).max()))
    return fitted if np.abs(fitted[known] - values[known]).max() <= 1e-6 * scale else None


def _xy_stored(values: np.ndarray, scalar: np.ndarray) -> np.ndarray:
    """Header integers for x/y `values` under the SEG-Y coordinate scalar of each trace."""
    scalar = np.where(scalar == 0, 1, scalar).astype(np.float64)
    factor = np.where(scalar < 0, -scalar, 1.0 / scalar)
    return np.rint(values * factor).astype(np.int64)


def hole_headers(
    da: xr.DataArray, holes: np.ndarray, present: HeaderSource, endian: str
) -> np.ndarray:
    """Return ``(holes.sum(), 240)`` headers for the holes, in C order of the grid.

    Parameters
    ----------
    da : xarray.DataArray
        The data being written (trace dims in the order of `holes`).
    holes : numpy.ndarray
        bool over the trace dims, True where the source file has no trace.
    present : callable
        Headers of present positions, by flat grid position.
    endian : {"big", "little"}
        Byte order of the output.

    Returns
    -------
    numpy.ndarray
        uint8 headers; with no present position to copy, those of `present` itself
        (which then must serve holes too, as a header builder does).
    """
    from scipy.ndimage import distance_transform_edt

    if holes.all():
        headers = present(np.flatnonzero(holes.ravel()))
    else:
        nearest = distance_transform_edt(holes, return_distances=False, return_indices=True)
        neighbour = np.ravel_multi_index(tuple(n[holes] for n in nearest), holes.shape)
        headers = present(neighbour.astype(np.int64))
    dims = cast("tuple[str, ...]", da.dims[:-1])  # Promethium dims are names (str)
    words = key_words(da)
    for dim in dims:
        values = grid_values(da, dim)
        if dim in words and values is not None and np.issubdtype(values.dtype, np.number):
            at = np.rint(values[holes]).astype(np.int64)
            put_word(headers, words[dim], at, endian, dim)
    axes = [np.asarray(da.coords[d].values, dtype=np.float64) for d in dims if d in da.coords]
    scalar = header_word(headers, TRACE_FIELDS["coordinate_scalar"], endian)
    for name in XY_FIELDS:
        values = grid_values(da, name)
        if values is None:
            continue
        values = values.astype(np.float64)
        if len(axes) == len(dims) and not np.isfinite(values[holes]).all():
            fitted = _planar(values, axes, ~holes)  # regular grids: x/y affine in the keys
            if fitted is not None:
                values = np.where(np.isfinite(values), values, fitted)
        at = values[holes]
        known = np.isfinite(at)
        if known.any():
            kept = header_word(headers, TRACE_FIELDS[name], endian)
            stored = np.where(known, _xy_stored(np.nan_to_num(at), scalar), kept)
            put_word(headers, TRACE_FIELDS[name], stored, endian, name)
    return headers


class LikeHeaders:
    """Headers of the present positions, copied from the file they were read from.

    Parameters
    ----------
    layout : SegyLayout
        The source file (``like=``), opened read-only when headers are asked for.
    trace_index : numpy.ndarray
        The file trace at each grid position (-1 where none).
    """

    def __init__(self, layout: SegyLayout, trace_index: np.ndarray) -> None:
        self.layout, self.trace_index = layout, trace_index.ravel()

    def __call__(self, flat: np.ndarray) -> np.ndarray:
        """Return ``(len(flat), 240)`` uint8 headers of grid positions `flat`."""
        return read_headers_at(self.layout, self.trace_index[flat])


class GridHeaders:
    """Headers by flat grid position: `present` ones, and `extra` ones for the holes.

    Parameters
    ----------
    present : callable
        Headers of present positions, by flat grid position.
    holes : numpy.ndarray
        bool over the trace dims, True where `extra` gives the header.
    extra : numpy.ndarray
        ``(holes.sum(), 240)`` headers of the holes in C order (:func:`hole_headers`).
    """

    def __init__(self, present: HeaderSource, holes: np.ndarray, extra: np.ndarray) -> None:
        self.present, self.holes, self.extra = present, holes.ravel(), extra
        self.rank = np.cumsum(self.holes) - 1

    def __call__(self, flat: np.ndarray) -> np.ndarray:
        """Return ``(len(flat), 240)`` uint8 headers of grid positions `flat`."""
        out = np.empty((flat.size, TRACE_HEADER_SIZE), dtype=np.uint8)
        hole = self.holes[flat]
        if (~hole).any():
            out[~hole] = self.present(flat[~hole])
        out[hole] = self.extra[self.rank[flat[hole]]]
        return out
