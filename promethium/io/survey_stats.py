"""Statistics behind a :class:`~promethium.io.summary.SurveyInfo`: keys, fold, extents.

Shared by :func:`~promethium.io.segy.segy_info` (values read from trace headers) and
:func:`~promethium.io.zarr_info.zarr_info` (coordinates of a store).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core.dims import vertical_dim
from promethium.io.summary import EXTENT_NAMES, Extent, FoldStats, KeyStats

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["extents", "fold_stats", "key_stats", "keys_in_use", "sampling"]


def key_stats(name: str, values: np.ndarray, byte: int | None = None) -> KeyStats:
    """Summarize the values of one key (NaN ignored).

    Parameters
    ----------
    name : str
        The key.
    values : numpy.ndarray
        Its values, one per trace or per axis position.
    byte : int, optional
        Its trace-header byte.

    Returns
    -------
    KeyStats
        Range, step, count and regularity.

    Examples
    --------
    >>> import numpy as np
    >>> s = key_stats("xline", np.array([10, 12, 14, 18]))
    >>> s.step, s.count, s.describe()
    (2.0, 4, 'irregular: 4 of 5 values')
    """
    v = np.asarray(values).ravel()
    if v.dtype.kind == "f":
        v = v[np.isfinite(v)]
    distinct = np.unique(v)
    if distinct.size == 0:
        return KeyStats(name, byte, math.nan, math.nan, 0.0, 0, 0.0)
    lo, hi = float(distinct[0]), float(distinct[-1])
    if distinct.size < 2:
        return KeyStats(name, byte, lo, hi, 0.0, 1, 1.0)
    diffs = np.diff(distinct)
    if distinct.dtype.kind in "iu":
        step = float(math.gcd(*(int(d) for d in diffs)))
    else:
        step = float(diffs.min())
    slots = round((hi - lo) / step) + 1
    return KeyStats(name, byte, lo, hi, step, int(distinct.size), distinct.size / slots)


def fold_stats(bins: str, labels: list[np.ndarray]) -> FoldStats | None:
    """Count traces per bin, a bin being one combination of the `labels` values.

    Parameters
    ----------
    bins : str
        What a bin is, for the report, e.g. ``"iline/xline bin"``.
    labels : list of numpy.ndarray
        One array per key, a value per trace.

    Returns
    -------
    FoldStats or None
        None when there are no traces.
    """
    if not labels or labels[0].size == 0:
        return None
    _, counts = np.unique(np.stack(labels, axis=1), axis=0, return_counts=True)
    return FoldStats(bins, int(counts.size), int(counts.min()), int(counts.max()),
                     float(counts.mean()))  # fmt: skip


def keys_in_use(stats: list[KeyStats]) -> list[KeyStats]:
    """The keys that vary, or that are constant but set (non-zero)."""
    return [s for s in stats if s.count > 1 or (s.count == 1 and s.min != 0)]


def extents(da: xr.DataArray, present: np.ndarray | None) -> list[Extent]:
    """The x/y and elevation coordinates of `da` over the positions with a trace."""
    out = []
    for name in EXTENT_NAMES:
        if name not in da.coords:
            continue
        coord = da.coords[name]
        values = np.asarray(coord.values, dtype=np.float64)
        if present is not None and values.shape == present.shape:
            values = values[present]
        values = values[np.isfinite(values)]
        if values.size:
            units = str(coord.attrs.get("units", ""))
            out.append(Extent(name, float(values.min()), float(values.max()), units))
    return out


def sampling(da: xr.DataArray) -> dict[str, Any]:
    """The vertical axis of `da`: dim, sample count, interval, first, last, units."""
    vdim = vertical_dim(da)
    axis = np.asarray(da.coords[vdim].values, dtype=np.float64)
    interval = float(np.diff(axis).mean()) if axis.size > 1 else math.nan
    return {
        "vertical_dim": vdim,
        "n_samples": int(axis.size),
        "sample_interval": round(interval, 9),
        "first_sample": float(axis[0]) if axis.size else math.nan,
        "last_sample": float(axis[-1]) if axis.size else math.nan,
        "units": str(da.coords[vdim].attrs.get("units", "")),
    }
