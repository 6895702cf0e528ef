"""Trace headers for grid positions that had no trace in the original file.

``to_segy(da, path, like=orig, absent="append")`` writes the traces a reconstruction
filled at such positions after the original traces. Each gets the header of the nearest
original trace (Euclidean distance in grid index space) with the geometry words (the
trace dims, at the byte locations recorded in ``attrs["segy_byte_locations"]``) and the
x/y coordinates set for its position; every other word (trace identification code,
sample count and interval, scalars, ...) is kept from that neighbour.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, cast

import numpy as np

from promethium.io.segy.build import grid_values
from promethium.io.segy.headers import TRACE_FIELDS, XY_FIELDS, header_word, parse_word, put_word
from promethium.io.segy.layout import SegyLayout, trace_records

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["AppendedHeaders", "absent_headers"]


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


def absent_headers(
    da: xr.DataArray, layout: SegyLayout, positions: np.ndarray, source: np.ndarray
) -> np.ndarray:
    """Return ``(n_absent, 240)`` headers for the positions where ``positions < 0``.

    Parameters
    ----------
    da : xarray.DataArray
        The data being written (trace dims in the order of `positions`).
    layout : SegyLayout
        The original file.
    positions : numpy.ndarray
        File trace per grid position, -1 where absent.
    source : numpy.ndarray
        ``(n_traces, 240)`` uint8 headers of the original file (may be a memory map).

    Returns
    -------
    numpy.ndarray
        uint8 headers, absent positions in C order of the grid.
    """
    from scipy.ndimage import distance_transform_edt

    holes = positions < 0
    nearest = distance_transform_edt(holes, return_distances=False, return_indices=True)
    neighbour = positions[tuple(nearest)][holes]
    headers = np.array(source[neighbour]).view(np.uint8).reshape(-1, 240)
    dims = cast("tuple[str, ...]", da.dims[:-1])  # Promethium dims are names (str)
    recorded = json.loads(da.attrs.get("segy_byte_locations", "{}"))
    for dim in dims:
        values = grid_values(da, dim)
        if dim in recorded and values is not None:
            word = parse_word(tuple(recorded[dim]), dim)
            at = np.rint(values[holes]).astype(np.int64)
            put_word(headers, word, at, layout.endian, dim)
    axes = [np.asarray(da.coords[d].values, dtype=np.float64) for d in dims if d in da.coords]
    scalar = header_word(headers, TRACE_FIELDS["coordinate_scalar"], layout.endian)
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
            kept = header_word(headers, TRACE_FIELDS[name], layout.endian)
            stored = np.where(known, _xy_stored(np.nan_to_num(at), scalar), kept)
            put_word(headers, TRACE_FIELDS[name], stored, layout.endian, name)
    return headers


class AppendedHeaders:
    """Headers by output trace: the original's for the first traces, then `extra`."""

    def __init__(self, layout: SegyLayout, extra: np.ndarray) -> None:
        self.layout, self.extra = layout, extra

    def __call__(self, pos: np.ndarray) -> np.ndarray:
        """Return ``(len(pos), 240)`` uint8 headers of output traces `pos`."""
        n = self.layout.n_traces
        out = np.empty((pos.size, 240), dtype=np.uint8)
        original = pos < n
        if original.any():
            src = trace_records(self.layout)
            out[original] = np.array(src["header"][pos[original]]).view(np.uint8).reshape(-1, 240)
            del src
        out[~original] = self.extra[pos[~original] - n]
        return out
