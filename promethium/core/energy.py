"""A sanity check of filled traces: energy far below that of the live traces around them.

A model can fail silently: POCS on regular decimation returns near-zero traces, a
gather without a live trace has nothing to interpolate from. :func:`weak_fills` finds
filled traces whose RMS is below :data:`WEAK_RATIO` times that of the nearest live
traces of their gather (-20 dB), and :func:`warn_weak_fills` says how many.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from promethium.core.dims import trace_dims, vertical_dim
from promethium.core.mask import TRACE_FILLED, get_trace_mask
from promethium.errors import PromethiumWarning

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["NEIGHBOURS", "WEAK_RATIO", "warn_weak_fills", "weak_fills"]

#: A filled trace is weak when its RMS is below this fraction of its reference (-20 dB).
WEAK_RATIO = 0.1

#: Live traces on each side of a filled trace (along the trace axis) forming its reference.
NEIGHBOURS = 2


def weak_fills(da: xr.DataArray) -> xr.DataArray:
    """Filled traces whose energy is far below that of the live traces around them.

    A trace's reference is the median RMS of the :data:`NEIGHBOURS` nearest live
    traces on each side along the trace axis, in its gather; in a gather without a live
    trace, the median RMS of the live traces of the block (the whole array when it is
    in memory). A filled trace is weak when its RMS is below :data:`WEAK_RATIO` times
    its reference. Lazy on dask input (one pass over the data; the trace axis of the
    per-trace RMS is merged into one chunk).

    Parameters
    ----------
    da : xarray.DataArray
        A reconstruction output, with ``trace_mask`` (True = observed) and
        ``trace_filled`` (True = filled) coordinates.

    Returns
    -------
    xarray.DataArray
        Boolean over the trace dims (in `da`'s order), True where a filled trace is
        weak; all False without a ``trace_filled`` coordinate.

    Examples
    --------
    >>> import xarray as xr
    >>> data = np.ones((5, 4)); data[1] = 0.0; data[3] = 0.9
    >>> da = xr.DataArray(data, dims=("trace", "time")).assign_coords(
    ...     trace_mask=("trace", [True, False, True, False, True]),
    ...     trace_filled=("trace", [False, True, False, True, False]))
    >>> weak_fills(da).values.tolist()
    [False, True, False, False, False]
    """
    import xarray as xr
    from dask.base import is_dask_collection

    dims = trace_dims(da)
    if TRACE_FILLED not in da.coords:
        return xr.zeros_like(get_trace_mask(da), dtype=bool).transpose(*dims)
    squares = da.fillna(0.0) ** 2
    rms = np.sqrt(squares.mean(vertical_dim(da))).reset_coords(drop=True).transpose(*dims)
    live = get_trace_mask(da).transpose(*dims)
    filled = da.coords[TRACE_FILLED].reset_coords(drop=True).transpose(*dims)
    arrays = [a.data for a in (rms, live, filled)]
    if not any(is_dask_collection(a) for a in arrays):
        values = _weak_block(*(np.asarray(a) for a in arrays))
        return xr.DataArray(values, dims=dims, coords=rms.coords)
    import dask.array as dska

    axis = len(dims) - 1
    first = next(a for a in arrays if is_dask_collection(a))
    chunks = first.rechunk({axis: -1}).chunks
    lazy = [dska.asarray(a).rechunk(chunks) for a in arrays]
    weak = dska.map_blocks(_weak_block, *lazy, dtype=bool)
    return xr.DataArray(weak, dims=dims, coords=rms.coords)


def warn_weak_fills(n_weak: int, n_filled: int, *, stacklevel: int = 2) -> None:
    """Warn that `n_weak` of `n_filled` filled traces are weak (nothing when none is).

    Parameters
    ----------
    n_weak, n_filled : int
        Counts, e.g. ``weak_fills(out).sum()`` and ``out.trace_filled.sum()``.
    stacklevel : int
        As for :func:`warnings.warn`.
    """
    if n_weak:
        warnings.warn(
            f"{n_weak} of {n_filled} filled trace(s) have less than "
            f"{WEAK_RATIO**2:.0%} of the energy of the live traces around them; the model "
            "probably failed there (e.g. pocs on regular decimation: use model='auto' or "
            "'linear'; or a gather without live traces). Find them with "
            "promethium.core.energy.weak_fills(out).",
            PromethiumWarning,
            stacklevel=stacklevel + 1,
        )


def _weak_block(rms: np.ndarray, live: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """Weak filled traces of a block whose trace axis (last) is whole."""
    rms = np.asarray(rms, dtype=np.float64)
    live, filled = np.asarray(live, dtype=bool), np.asarray(filled, dtype=bool)
    weak = np.zeros(rms.shape, dtype=bool)
    if not filled.any():
        return weak
    fallback = float(np.median(rms[live])) if live.any() else 0.0
    for index in np.ndindex(rms.shape[:-1]):
        targets = np.flatnonzero(filled[index])
        if targets.size == 0:
            continue
        sources = np.flatnonzero(live[index])
        if sources.size == 0:
            reference = np.full(targets.size, fallback)
        else:
            at = np.searchsorted(sources, targets)
            near = at[:, None] + np.arange(-NEIGHBOURS, NEIGHBOURS)[None, :]
            near = np.clip(near, 0, sources.size - 1)
            reference = np.median(rms[index][sources[near]], axis=1)
        ok = (reference > 0) & (rms[index][targets] < WEAK_RATIO * reference)
        weak[index] = np.isin(np.arange(rms.shape[-1]), targets[ok])
    return weak
