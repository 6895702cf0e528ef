"""Linear interpolation of missing traces along the trace coordinate.

Each missing trace is filled, sample by sample, by linear interpolation between the
nearest live traces on each side, measured along a numeric coordinate of the trace
axis (``offset``, ``cdp_x``, ...) so irregular spacing is respected. Traces beyond
the first or last live trace take the nearest live trace (or zero: option ``edges``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from promethium.core.chunks import RECHUNK_ATTR
from promethium.core.dims import trace_dim, trace_dims, vertical_dim
from promethium.core.mask import get_trace_mask
from promethium.errors import ConfigError, InvalidDataError, PromethiumWarning
from promethium.plugin.options import ModelOptions

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["LinearInterpolation", "LinearOptions", "linear_fill"]

#: attrs key recording which coordinate the interpolation used.
COORD_ATTR = "interpolation_coordinate"


def linear_fill(
    data: np.ndarray, live: np.ndarray, x: np.ndarray, *, edges: str = "nearest"
) -> np.ndarray:
    """Fill missing traces of NumPy panels by linear interpolation along `x`.

    Parameters
    ----------
    data : numpy.ndarray
        Panels of shape ``(..., n_samples, n_traces)``: the **trace axis is last**.
    live : numpy.ndarray
        Boolean, broadcastable to ``(..., 1, n_traces)``; True where a trace is live.
    x : numpy.ndarray
        Trace positions, broadcastable to ``(..., 1, n_traces)``; any order, any spacing.
    edges : {"nearest", "zero"}
        Value of the missing traces before the first and after the last live trace (in
        `x` order): the nearest live trace, or zero.

    Returns
    -------
    numpy.ndarray
        Same shape as `data`, floating point; live traces unchanged (non-finite
        samples set to zero). A panel with no live trace is all zero.

    Examples
    --------
    >>> d = np.array([[1.0, 0.0, 0.0, 4.0]])
    >>> linear_fill(d, np.array([True, False, False, True]), np.array([0.0, 1.0, 2.0, 3.0]))
    array([[1., 2., 3., 4.]])
    """
    dtype = data.dtype if np.issubdtype(data.dtype, np.floating) else np.dtype("float32")
    out = np.where(np.isfinite(data), data, 0).astype(dtype, copy=True)
    n = out.shape[-1]
    lead = out.shape[:-2]
    live_b = np.broadcast_to(np.asarray(live, dtype=bool), (*lead, 1, n))[..., 0, :]
    x_b = np.broadcast_to(np.asarray(x, dtype=np.float64), (*lead, 1, n))[..., 0, :]
    for index in np.ndindex(lead):
        ok = live_b[index]
        if ok.all():
            continue
        panel = out[index]
        if not ok.any():
            panel[...] = 0
            continue
        live_idx = np.flatnonzero(ok)
        miss_idx = np.flatnonzero(~ok)
        order = np.argsort(x_b[index][live_idx], kind="stable")
        xl = x_b[index][live_idx][order]
        src = live_idx[order]
        xm = x_b[index][miss_idx]
        j = np.searchsorted(xl, xm, side="left")
        lo = np.clip(j - 1, 0, xl.size - 1)
        hi = np.clip(j, 0, xl.size - 1)
        span = xl[hi] - xl[lo]
        w = np.where(span > 0, (xm - xl[lo]) / np.where(span > 0, span, 1.0), 0.0)
        filled = panel[:, src[lo]] * (1.0 - w) + panel[:, src[hi]] * w
        if edges == "zero":
            filled[:, (j == 0) | (j == xl.size)] = 0
        panel[:, miss_idx] = filled
    return out


class LinearOptions(ModelOptions):
    """Options of the ``linear`` model (see :class:`LinearInterpolation`)."""

    coord: str | None = Field(
        None,
        description="Numeric trace coordinate to interpolate along; None: the trace dim's own.",
    )
    edges: Literal["nearest", "zero"] = Field(
        "nearest", description="Fill beyond the outermost live traces: nearest live trace or 0."
    )


class LinearInterpolation:
    r"""Reconstructor filling missing traces by linear interpolation along a coordinate.

    Its options are :class:`LinearOptions`: ``coord``, the name of a numeric coordinate
    along the trace dim to interpolate along (e.g. ``"offset"``, ``"cdp_x"``; by
    default the trace dim's own coordinate if it is numeric, else the trace index), and
    ``edges``, the fill of the missing traces outside the live range (before the first
    and after the last live trace of a line): the nearest live trace (default) or zero.
    Grid positions absent from the file beyond a line's recorded traces are not filled
    at all unless ``pm.reconstruct(..., extrapolate=True)``.

    Notes
    -----
    For a missing trace at position :math:`x` between live traces at :math:`x_l` and
    :math:`x_r`, each sample is

    .. math:: d(x) = d(x_l) + \frac{x - x_l}{x_r - x_l} \bigl(d(x_r) - d(x_l)\bigr).

    Data linear along the coordinate are thus reconstructed exactly. The trace dim
    must lie whole in each dask chunk; batch and vertical dims may be chunked freely,
    with the same result as in memory. ``attrs["interpolation_coordinate"]`` records
    the coordinate used, or says that trace indices were used (a
    :class:`~promethium.errors.PromethiumWarning` says so too).

    Examples
    --------
    >>> import promethium as pm
    >>> da = pm.synthetic_gather(n_traces=24, n_samples=64)
    >>> holed = pm.apply_trace_mask(da, pm.regular_mask(da, 2))
    >>> out = LinearInterpolation().reconstruct(holed)
    >>> out.attrs["interpolation_coordinate"]
    'offset'
    """

    def reconstruct(self, da: xr.DataArray, options: LinearOptions | None = None) -> xr.DataArray:
        """Fill the missing traces of `da`, lazily on dask input.

        Parameters
        ----------
        da : xarray.DataArray
            Seismic data; missing traces per its ``trace_mask`` (inferred if absent).
        options : LinearOptions, optional
            Validated options; the defaults if not given.

        Returns
        -------
        xarray.DataArray
            Same dims, coords and chunks as `da`.

        Raises
        ------
        ConfigError
            If `coord` is not a numeric coordinate along the trace dim.
        InvalidDataError
            If the trace dim is split across dask chunks.
        """
        import xarray as xr

        opts = LinearOptions() if options is None else options
        coord, edges = opts.coord, opts.edges
        tdim = trace_dim(da)
        positions, used = _positions(da, coord)
        da, rechunked = _whole_trace_axis(da, tdim)
        mask = get_trace_mask(da).transpose(*trace_dims(da))
        mask = xr.DataArray(mask.data, dims=mask.dims)
        out = xr.apply_ufunc(
            linear_fill,
            da.drop_vars(list(da.coords)),
            mask,
            positions,
            input_core_dims=[[tdim], [tdim], [tdim]],
            output_core_dims=[[tdim]],
            kwargs={"edges": edges},
            dask="parallelized",
            output_dtypes=[da.dtype if np.issubdtype(da.dtype, np.floating) else np.float32],
        ).transpose(*da.dims)
        result = da.copy(data=out.data)
        result.attrs = {**da.attrs, COORD_ATTR: used}
        if rechunked:
            result.attrs[RECHUNK_ATTR] = rechunked
        return result


def _positions(da: xr.DataArray, coord: str | None) -> tuple[xr.DataArray, str]:
    """Trace positions as a coordinate-free DataArray, and a note of their source."""
    import xarray as xr

    tdim = trace_dim(da)
    if coord is None:
        if tdim in da.coords and _is_numeric(da.coords[tdim]):
            coord = tdim
        else:
            import warnings

            warnings.warn(
                f"linear: the trace dim {tdim!r} has no numeric coordinate, so traces are "
                "taken as evenly spaced (trace index); pass coord=<name> to interpolate "
                "along a coordinate such as offset or cdp_x.",
                PromethiumWarning,
                stacklevel=3,
            )
            index = xr.DataArray(np.arange(da.sizes[tdim], dtype=np.float64), dims=(tdim,))
            return index, f"trace index (no numeric coordinate on {tdim!r})"
    if coord not in da.coords:
        numeric = sorted(str(c) for c, v in da.coords.items() if tdim in v.dims and _is_numeric(v))
        raise ConfigError(
            f"linear: coord={coord!r} is not a coordinate of the data; numeric "
            f"coordinates along {tdim!r}: {numeric or 'none'} (or coord=None for indices)."
        )
    values = da.coords[coord]
    if not _is_numeric(values) or tdim not in values.dims or vertical_dim(da) in values.dims:
        raise ConfigError(
            f"linear: coord={coord!r} must be a numeric coordinate along the trace dim "
            f"{tdim!r} (not the vertical one); found dtype {values.dtype} over "
            f"{list(values.dims)}."
        )
    pos = xr.DataArray(np.asarray(values.values, dtype=np.float64), dims=values.dims)
    if not np.all(np.isfinite(pos.values)):
        raise InvalidDataError(
            f"linear: coordinate {coord!r} has non-finite values; fix them or choose "
            "another coordinate with coord=..."
        )
    return pos, coord


def _is_numeric(values: xr.DataArray) -> bool:
    return bool(np.issubdtype(values.dtype, np.number)) and values.dtype != bool


def _whole_trace_axis(da: xr.DataArray, tdim: str) -> tuple[xr.DataArray, str]:
    """Put the whole trace axis in each chunk, explicitly, keeping chunk memory.

    Interpolation along the traces needs all of them at once, while every time sample
    is independent: a split trace axis is merged and the vertical axis split by the
    same factor, so a chunk holds about as many samples as before. Returns the data and
    a note for ``attrs`` (empty when nothing changed).
    """
    chunks = (da.chunksizes or {}).get(tdim, ())
    if len(chunks) <= 1:
        return da, ""
    vdim = vertical_dim(da)
    n_vertical = max(da.chunksizes[vdim])
    per_chunk = max(chunks)
    vertical = max(1, (n_vertical * per_chunk) // da.sizes[tdim])
    before = {tdim: da.chunksizes[tdim], vdim: da.chunksizes[vdim]}
    # Keep the other dims' chunks, so a NumPy-backed mask coordinate is chunked alike.
    da = da.chunk({**da.chunksizes, tdim: -1, vdim: vertical})
    after = {tdim: da.chunksizes[tdim], vdim: da.chunksizes[vdim]}
    note = "; ".join(
        f"{d}: {len(before[d])} chunks -> {len(after[d])} chunks" for d in (tdim, vdim)
    )
    return da, f"linear interpolation needs the whole trace axis in each chunk: {note}"
