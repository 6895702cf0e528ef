"""Which traces a reconstruction fills, and which it must leave alone.

A trace is *observed* when ``trace_mask`` is True. Of the others, a reconstruction
fills every trace except

- traces a model filled before (``trace_filled`` True on the input), unless
  ``refill=True``: reconstructing an output again neither refills nor overwrites them;
- grid positions absent from the file (``trace_index == -1``, as
  :func:`promethium.open_segy` marks a masked grid) that are **not bounded** by
  recorded traces along the trace axis: before the first or after the last position
  of their line that the file holds (a whole line the file lacks included). Filling
  them would extrapolate from far-away traces into an area with no data; they stay
  unfilled unless ``extrapolate=True``.

Dead or masked traces inside a recorded line, at its ends included, are filled.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from dask.base import is_dask_collection

from promethium.core.dims import trace_dims
from promethium.core.mask import TRACE_FILLED
from promethium.errors import InvalidDataError, PromethiumWarning
from promethium.io.segy.read import TRACE_INDEX

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["FillPlan", "plan_fill", "unbounded_absent"]


def unbounded_absent(present: np.ndarray) -> np.ndarray:
    """Positions outside the recorded extent of their line (the last axis).

    Parameters
    ----------
    present : numpy.ndarray
        Boolean, True where the file holds a trace; lines along the last axis.

    Returns
    -------
    numpy.ndarray
        Boolean, same shape: True before the first and after the last present
        position of each line, and everywhere in a line with no present position.

    Examples
    --------
    >>> unbounded_absent(np.array([0, 1, 0, 1, 0, 0], bool)).astype(int).tolist()
    [1, 0, 0, 0, 1, 1]
    >>> unbounded_absent(np.zeros((1, 3), bool)).tolist()
    [[True, True, True]]
    """
    present = np.asarray(present, dtype=bool)
    seen_before = np.logical_or.accumulate(present, axis=-1)
    seen_after = np.flip(np.logical_or.accumulate(np.flip(present, -1), axis=-1), -1)
    return ~(seen_before & seen_after)


@dataclass(frozen=True)
class FillPlan:
    """What a reconstruction leaves alone, over the trace dims (NumPy, or None = nothing).

    Attributes
    ----------
    kept : numpy.ndarray or None
        Traces a model filled before, kept as they are (``refill=False``).
    unbounded : numpy.ndarray or None
        Absent positions outside their line's recorded extent, left unfilled
        (``extrapolate=False``).
    """

    kept: np.ndarray | None
    unbounded: np.ndarray | None

    def leave(self) -> np.ndarray | None:
        """Traces not to fill (kept or unbounded), or None when there are none."""
        parts = [p for p in (self.kept, self.unbounded) if p is not None and p.any()]
        if not parts:
            return None
        return np.logical_or.reduce(parts)

    def record(self) -> dict[str, Any]:
        """Counts for the provenance."""
        return {
            "kept_filled": int(self.kept.sum()) if self.kept is not None else 0,
            "unfilled_absent": int(self.unbounded.sum()) if self.unbounded is not None else 0,
        }


def plan_fill(da: xr.DataArray, *, extrapolate: bool, refill: bool) -> FillPlan:
    """Work out which missing traces of `da` a reconstruction must leave alone.

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data, possibly with ``trace_filled`` (from an earlier reconstruction)
        and ``trace_index`` (file trace per grid position, -1 where absent) coordinates
        over the trace dims. Both are small index coordinates: a lazy one is computed.
    extrapolate : bool
        Fill absent positions outside their line's recorded extent too.
    refill : bool
        Refill traces a model filled before.

    Returns
    -------
    FillPlan
        The traces to keep and to leave unfilled, over ``trace_dims(da)``.

    Raises
    ------
    InvalidDataError
        If ``trace_filled`` or ``trace_index`` is not over the trace dims, or of the
        wrong dtype.

    Warns
    -----
    PromethiumWarning
        When absent positions are left unfilled: how many, and how to fill them.
    """
    dims = trace_dims(da)
    kept = None
    if not refill and TRACE_FILLED in da.coords:
        kept = _coordinate(da, TRACE_FILLED, dims, "b")
    unbounded = None
    if not extrapolate and TRACE_INDEX in da.coords:
        present = _coordinate(da, TRACE_INDEX, dims, "iu") >= 0
        unbounded = unbounded_absent(present) & ~present
        n = int(unbounded.sum())
        if n:
            warnings.warn(
                f"{n} grid position(s) absent from the file lie outside the recorded "
                "extent of their line and are left unfilled (trace_mask and trace_filled "
                "False): filling them would extrapolate from far-away traces. Pass "
                "extrapolate=True (--extrapolate) to fill them.",
                PromethiumWarning,
                stacklevel=4,
            )
    return FillPlan(kept=kept, unbounded=unbounded)


def _coordinate(da: xr.DataArray, name: str, dims: tuple[str, ...], kinds: str) -> np.ndarray:
    coord = da.coords[name]
    if set(coord.dims) != set(dims) or coord.dtype.kind not in kinds:
        raise InvalidDataError(
            f"coordinate {name!r} must be over the trace dims {list(dims)} with dtype kind "
            f"{kinds!r}; found dtype {coord.dtype} over {list(coord.dims)}. Drop it with "
            f"da.drop_vars({name!r})."
        )
    values = coord.transpose(*dims).data
    if is_dask_collection(values):
        values = values.compute()
    return np.asarray(values)


def fill_targets(mask: xr.DataArray, leave: np.ndarray | None) -> xr.DataArray:
    """The traces to fill: not observed, and not left alone (lazy when `mask` is).

    Parameters
    ----------
    mask : xarray.DataArray
        The live-trace mask over the trace dims.
    leave : numpy.ndarray or None
        Traces to leave alone (:meth:`FillPlan.leave`), in `mask`'s dim order.

    Returns
    -------
    xarray.DataArray
        Boolean over `mask`'s dims, named ``trace_filled``.
    """
    import xarray as xr

    targets = ~mask.reset_coords(drop=True)
    if leave is not None:
        targets = targets & xr.DataArray(~leave, dims=mask.dims)
    return targets.rename(TRACE_FILLED)


def with_filled(
    da: xr.DataArray, targets: xr.DataArray, kept: np.ndarray | None = None
) -> xr.DataArray:
    """`da` with ``trace_filled`` = `targets` or `kept` (traces filled before)."""
    import xarray as xr

    filled = targets if kept is None else targets | xr.DataArray(kept, dims=targets.dims)
    return da.assign_coords({TRACE_FILLED: (targets.dims, filled.data)})


def restore_filled(
    data: xr.DataArray,
    use: xr.DataArray,
    values: xr.DataArray,
    *,
    model: str,
    fill: float | None = None,
) -> xr.DataArray:
    """Put the model's `values` into `data` where `use`; keep `data` (or `fill`) elsewhere.

    The model's values must be finite where they are used: NaN or infinity raises
    :class:`~promethium.errors.InvalidDataError` naming `model`, at once on NumPy
    data, when computed on dask data.
    """
    import xarray as xr

    checked = _finite(values.variable.astype(data.dtype), use, model)
    base = data.variable if fill is None else xr.zeros_like(data.variable)
    out = xr.where(use.variable, checked, base).transpose(*data.dims)
    return data.copy(data=out.data)


def nothing_to_fill(da: xr.DataArray, plan: FillPlan, uncertainty: bool) -> Any:
    """`da` as it is, with ``trace_filled`` (the kept traces), when nothing is filled."""
    import xarray as xr

    dims = trace_dims(da)
    kept = plan.kept if plan.kept is not None else np.zeros([da.sizes[d] for d in dims], bool)
    out = da.assign_coords({TRACE_FILLED: (dims, kept)})
    if uncertainty:
        std = xr.zeros_like(out, dtype=np.float32)
        return xr.Dataset({"mean": out, "std": std}, attrs=dict(da.attrs))
    return out


def _bad_message(model: str, count: int, where: str = "") -> str:
    return (
        f"model {model!r} returned NaN or infinite values for {count} trace(s) it "
        f"fills{where}; "
        "nothing was written. Check the model's input (scale, units) and options, or "
        "report it to the model's plugin."
    )


def _finite_block(values: np.ndarray, use: np.ndarray, model: str) -> np.ndarray:
    bad = ~np.isfinite(values) & use
    if bad.any():
        raise InvalidDataError(_bad_message(model, int(bad.any(axis=-1).sum()), " in a chunk"))
    return values


def _finite(values: Any, use: xr.DataArray, model: str) -> Any:
    """`values` (an xarray Variable), checked finite where `use` (now, or when computed)."""
    if not is_dask_collection(values.data) and not is_dask_collection(use.data):
        bad = ~np.isfinite(np.asarray(values.data)) & np.asarray(use.values)[..., None]
        if bad.any():
            raise InvalidDataError(_bad_message(model, int(bad.any(axis=-1).sum())))
        return values
    import dask.array as dska

    array = dska.asarray(values.data)
    live = dska.asarray(use.data).rechunk(array.chunks[:-1])[..., None]
    checked = dska.map_blocks(_finite_block, array, live, model=model, dtype=array.dtype)
    return values.copy(data=checked)
