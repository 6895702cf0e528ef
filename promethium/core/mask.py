"""Trace masks: which traces are live (True) and which are missing (False).

A mask is a boolean coordinate named ``trace_mask`` over every dim but the vertical
one. Where it is absent it is inferred: all-zero and all-NaN traces are missing. The
``*_mask`` helpers build masks for experiments, seeded and reproducible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from promethium.core.align import align_like
from promethium.core.dims import trace_dim, trace_dims, vertical_dim
from promethium.errors import InvalidDataError

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "TRACE_FILLED",
    "TRACE_MASK",
    "apply_trace_mask",
    "gap_mask",
    "get_trace_mask",
    "infer_trace_mask",
    "random_mask",
    "regular_mask",
    "with_trace_mask",
]

#: Name of the boolean live-trace coordinate.
TRACE_MASK = "trace_mask"

#: Name of the boolean coordinate that marks traces a model filled (True = filled).
#: A reconstruction output carries it beside ``trace_mask`` (True = observed): a trace
#: that is neither was left unfilled (e.g. an absent grid position not extrapolated).
TRACE_FILLED = "trace_filled"


def infer_trace_mask(da: xr.DataArray) -> xr.DataArray:
    """Infer which traces are live: a trace that is all zero or all NaN is missing.

    Lazy on dask input: the result is a dask-backed boolean DataArray.

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data, vertical dim last.

    Returns
    -------
    xarray.DataArray
        Boolean, over every dim but the vertical one, True where the trace is live.

    Raises
    ------
    InvalidDataError
        If `da` does not follow the dim conventions or its samples are not numbers.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> data = np.ones((3, 4)); data[1] = 0.0; data[2] = np.nan
    >>> infer_trace_mask(xr.DataArray(data, dims=("trace", "time"))).values.tolist()
    [True, False, False]
    """
    trace_dims(da)  # the dim conventions: a vertical dim and a trace dim before it
    dim = vertical_dim(da)
    if da.dtype.kind not in "biufc":
        raise InvalidDataError(
            f"cannot tell live traces from dead ones in samples of dtype {da.dtype}; "
            "seismic samples must be numbers: convert with da.astype('float32')."
        )
    live = ((da != 0) & ~np.isnan(da)).any(dim)
    live.name = TRACE_MASK
    return live.drop_vars([c for c in live.coords if c == TRACE_MASK])


def get_trace_mask(da: xr.DataArray) -> xr.DataArray:
    """Return the ``trace_mask`` coordinate, or the inferred mask where it is absent.

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data, vertical dim last, with or without a ``trace_mask`` coordinate.

    Returns
    -------
    xarray.DataArray
        Boolean, named ``trace_mask``, over every dim but the vertical one, True where
        the trace is live. Inferred with :func:`infer_trace_mask` (lazily on dask input)
        when the coordinate is absent.

    Raises
    ------
    InvalidDataError
        If `da` does not follow the dim conventions, or a ``trace_mask`` coordinate
        exists but is not boolean over the trace dims.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray(np.ones((3, 4)), dims=("trace", "time"))
    >>> get_trace_mask(da).values.tolist()
    [True, True, True]
    >>> get_trace_mask(with_trace_mask(da, [True, False, True])).values.tolist()
    [True, False, True]
    """
    expected = set(trace_dims(da))
    if TRACE_MASK not in da.coords:
        return infer_trace_mask(da)
    mask = da.coords[TRACE_MASK]
    if mask.dtype != bool or set(mask.dims) != expected:
        raise InvalidDataError(
            f"coordinate {TRACE_MASK!r} must be boolean over dims {sorted(expected)}; "
            f"found dtype {mask.dtype} over {list(mask.dims)}. Rebuild it with "
            "pm.infer_trace_mask(da) or drop it with da.drop_vars('trace_mask')."
        )
    return mask.reset_coords(drop=True).rename(TRACE_MASK)


def with_trace_mask(da: xr.DataArray, mask: xr.DataArray | np.ndarray) -> xr.DataArray:
    """Return `da` with `mask` attached as its ``trace_mask`` coordinate.

    Only the coordinate is set: the samples are not changed (see
    :func:`apply_trace_mask` to also kill the missing traces). The input is not
    modified.

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data, vertical dim last.
    mask : xarray.DataArray or numpy.ndarray
        Boolean mask, True = live. A DataArray must span exactly the trace dims (in
        any order); an array-like must have their shape, in ``da.dims`` order.

    Returns
    -------
    xarray.DataArray
        A copy of `da` with a boolean ``trace_mask`` coordinate.

    Raises
    ------
    InvalidDataError
        If `mask` does not have the trace dims and their sizes.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray(np.ones((3, 4)), dims=("trace", "time"))
    >>> with_trace_mask(da, [True, False, True]).trace_mask.values.tolist()
    [True, False, True]
    """
    dims = trace_dims(da)
    mask = _aligned_mask(da, mask)
    return da.assign_coords({TRACE_MASK: (dims, mask.data)})


def apply_trace_mask(
    da: xr.DataArray, mask: xr.DataArray | np.ndarray, fill: float = 0.0
) -> xr.DataArray:
    """Kill the traces where `mask` is False: set their samples to `fill`.

    The result carries the combined mask (existing mask AND `mask`) as
    ``trace_mask``. Lazy on dask input; the input is not modified.

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data, vertical dim last.
    mask : xarray.DataArray or numpy.ndarray
        Boolean mask over the trace dims, True = live (keep), False = kill.
    fill : float, default 0.0
        Value written into every sample of a killed trace.

    Returns
    -------
    xarray.DataArray
        Data of the same dtype, dims, coords and attrs as `da`, with the killed traces
        set to `fill` and a ``trace_mask`` coordinate.

    Raises
    ------
    InvalidDataError
        If `mask` does not span the trace dims with their sizes, or an existing
        ``trace_mask`` coordinate is malformed.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray(np.ones((3, 2)), dims=("trace", "time"))
    >>> out = apply_trace_mask(da, [True, False, True])
    >>> out.values.tolist()
    [[1.0, 1.0], [0.0, 0.0], [1.0, 1.0]]
    >>> out.trace_mask.values.tolist()
    [True, False, True]
    """
    dims = trace_dims(da)
    mask = _aligned_mask(da, mask)
    previous = get_trace_mask(da) if TRACE_MASK in da.coords else None
    combined = mask if previous is None else (mask & previous)
    out = da.where(_broadcastable(da, mask), fill)
    out = out.astype(da.dtype)
    out.attrs = dict(da.attrs)
    return with_trace_mask(out, combined.transpose(*dims))


def _aligned_mask(da: xr.DataArray, mask: object) -> xr.DataArray:
    """`mask` as a boolean DataArray over ``trace_dims(da)``, matched to `da` by label.

    An array-like is taken in ``da.dims`` order. A DataArray may list the trace dims
    in any order; where it and `da` both label a dim, its labels are matched to
    `da`'s (a different order is reindexed, different labels are an error), so a
    mask built for other traces is never attached by position.
    """
    import xarray as xr

    dims = trace_dims(da)
    shape = tuple(da.sizes[d] for d in dims)
    if not isinstance(mask, xr.DataArray):
        try:
            values = np.asarray(mask)
        except (TypeError, ValueError) as err:
            raise InvalidDataError(f"trace mask must be a boolean array; got {mask!r}.") from err
        if values.dtype.kind not in "biu" or values.shape != shape:
            raise InvalidDataError(
                f"trace mask must be boolean with shape {shape} (dims {dims}); got "
                f"dtype {values.dtype} and shape {values.shape}."
            )
        return xr.DataArray(values.astype(bool), dims=dims)
    if mask.dtype.kind not in "biu":
        raise InvalidDataError(f"trace mask must be boolean; got dtype {mask.dtype}.")
    aligned = align_like(mask, da, dims, what="trace mask")
    if aligned.shape != shape:
        raise InvalidDataError(
            f"trace mask must have shape {shape} over dims {dims}; got {aligned.shape}."
        )
    return xr.DataArray(aligned.data.astype(bool), dims=dims)


def _broadcastable(da: xr.DataArray, mask: xr.DataArray) -> xr.DataArray:
    """`mask` with `da`'s index coordinates, so ``da.where`` aligns trivially."""
    coords = {d: da.indexes[d] for d in mask.dims if d in da.indexes}
    return mask.assign_coords(coords)


def _shape_and_dims(da: xr.DataArray) -> tuple[tuple[int, ...], tuple[str, ...], int]:
    dims = trace_dims(da)
    axis = dims.index(trace_dim(da))
    return tuple(da.sizes[d] for d in dims), dims, axis


def _as_mask(da: xr.DataArray, values: np.ndarray) -> xr.DataArray:
    import xarray as xr

    dims = trace_dims(da)
    coords = {d: da.coords[d] for d in dims if d in da.coords}
    return xr.DataArray(values, dims=dims, coords=coords, name=TRACE_MASK)


def random_mask(da: xr.DataArray, fraction: float, seed: int | None = 0) -> xr.DataArray:
    """Mask exactly ``round(fraction * n)`` randomly chosen traces of each panel as missing.

    Each panel (each index of the batch dims) independently loses the same number of
    traces, ``round(fraction * n)`` of its ``n``, chosen at random without replacement.

    Parameters
    ----------
    da : xarray.DataArray
        The data whose trace dims the mask spans.
    fraction : float
        Fraction of traces to remove, in [0, 1).
    seed : int, optional
        Seed of the random generator; the same seed gives the same mask.

    Returns
    -------
    xarray.DataArray
        Boolean mask named ``trace_mask`` over the trace dims, True = live.

    Raises
    ------
    InvalidDataError
        If `fraction` is outside [0, 1) or `da` does not follow the dim conventions.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray(np.ones((2, 10, 3)), dims=("shot", "trace", "time"))
    >>> (~random_mask(da, 0.3, seed=1)).sum("trace").values.tolist()
    [3, 3]
    """
    if not 0.0 <= fraction < 1.0:
        raise InvalidDataError(f"fraction must be in [0, 1); got {fraction}.")
    shape, _, axis = _shape_and_dims(da)
    rng = np.random.default_rng(seed)
    n = shape[axis]
    n_missing = round(fraction * n)
    moved = np.ones(shape[:axis] + shape[axis + 1 :] + (n,), dtype=bool)
    for index in np.ndindex(moved.shape[:-1]):
        moved[index][rng.choice(n, size=n_missing, replace=False)] = False
    return _as_mask(da, np.moveaxis(moved, -1, axis))


def regular_mask(da: xr.DataArray, keep_every: int, offset: int = 0) -> xr.DataArray:
    """Keep every `keep_every`-th trace along the trace axis, starting at `offset`.

    The same traces are kept in every panel.

    Parameters
    ----------
    da : xarray.DataArray
        The data whose trace dims the mask spans.
    keep_every : int
        Keep one trace in every `keep_every` (1 keeps all).
    offset : int, default 0
        Index of the first kept trace, in ``[0, keep_every)``.

    Returns
    -------
    xarray.DataArray
        Boolean mask named ``trace_mask`` over the trace dims, True = live.

    Raises
    ------
    InvalidDataError
        If `keep_every` < 1 or `offset` is outside ``[0, keep_every)``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray(np.ones((6, 3)), dims=("trace", "time"))
    >>> regular_mask(da, 2).values.tolist()
    [True, False, True, False, True, False]
    """
    if keep_every < 1:
        raise InvalidDataError(f"keep_every must be a positive integer; got {keep_every}.")
    if not 0 <= offset < keep_every:
        raise InvalidDataError(f"offset must be in [0, keep_every); got {offset}.")
    shape, _, axis = _shape_and_dims(da)
    live_1d = (np.arange(shape[axis]) - offset) % keep_every == 0
    expand: list[slice | None] = [None] * len(shape)
    expand[axis] = slice(None)
    return _as_mask(da, np.broadcast_to(live_1d[tuple(expand)], shape).copy())


def gap_mask(da: xr.DataArray, n_gaps: int, gap_width: int, seed: int | None = 0) -> xr.DataArray:
    """Remove `n_gaps` contiguous runs of `gap_width` traces along the trace axis.

    Gaps do not overlap and do not touch, so exactly ``n_gaps * gap_width`` traces of
    each panel are missing. The same gaps are used in every panel.

    Parameters
    ----------
    da : xarray.DataArray
        The data whose trace dims the mask spans.
    n_gaps : int
        Number of gaps, >= 0.
    gap_width : int
        Number of consecutive missing traces in each gap, >= 1.
    seed : int, optional
        Seed of the random generator placing the gaps; the same seed gives the same
        mask.

    Returns
    -------
    xarray.DataArray
        Boolean mask named ``trace_mask`` over the trace dims, True = live.

    Raises
    ------
    InvalidDataError
        If `n_gaps` < 0, `gap_width` < 1, or the gaps cannot fit in the trace axis.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray(np.ones((20, 3)), dims=("trace", "time"))
    >>> mask = gap_mask(da, n_gaps=2, gap_width=3, seed=0)
    >>> int((~mask).sum())
    6
    """
    shape, _, axis = _shape_and_dims(da)
    n = shape[axis]
    if n_gaps < 0 or gap_width < 1:
        raise InvalidDataError(
            f"n_gaps must be >= 0 and gap_width >= 1; got {n_gaps} and {gap_width}."
        )
    # Each gap needs gap_width traces plus one live trace to separate it from the next.
    slack = n - n_gaps * (gap_width + 1) + 1
    if slack < 0:
        raise InvalidDataError(
            f"{n_gaps} gaps of {gap_width} traces do not fit in {n} traces; use fewer or "
            "narrower gaps."
        )
    rng = np.random.default_rng(seed)
    # Stars and bars: spread the slack between the gaps, keeping them separate.
    cuts = np.sort(rng.choice(slack + n_gaps, size=n_gaps, replace=False))
    starts = cuts - np.arange(n_gaps) + np.arange(n_gaps) * (gap_width + 1)
    live_1d = np.ones(n, dtype=bool)
    for start in starts:
        live_1d[start : start + gap_width] = False
    expand: list[slice | None] = [None] * len(shape)
    expand[axis] = slice(None)
    return _as_mask(da, np.broadcast_to(live_1d[tuple(expand)], shape).copy())
