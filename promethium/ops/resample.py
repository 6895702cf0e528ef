"""Resample: change the vertical sample interval, anti-aliased."""

from __future__ import annotations

__all__ = ["Resample", "small_ratio"]

from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import BeforeValidator, Field

from promethium.core.dims import vertical_dim
from promethium.core.units import convert, unit_of
from promethium.errors import ConfigError
from promethium.ops._memory import available_memory, format_bytes
from promethium.ops.base import BlockContext, Operator
from promethium.ops.params import OperatorParams, VerticalQuantity, longer_than_trace

if TYPE_CHECKING:
    import xarray as xr

#: Largest denominator accepted for the ratio of the old and new intervals.
_MAX_DENOMINATOR = 1000


def small_ratio(exact: float) -> tuple[int, int] | None:
    """``(up, down)``: `exact` as a fraction with ``down <= 1000``; None if it is not one.

    Examples
    --------
    >>> small_ratio(0.25), small_ratio(4.0001 / 4.0)
    ((1, 4), None)
    """
    if not (np.isfinite(exact) and exact > 0):
        return None
    ratio = Fraction(exact).limit_denominator(_MAX_DENOMINATOR)
    if abs(float(ratio) - exact) > 1e-9 * exact:
        return None
    return ratio.numerator, ratio.denominator


def _fir_window(value: Any) -> Any:
    """Refuse a window that :func:`scipy.signal.get_window` cannot build."""
    from scipy.signal import get_window

    try:
        get_window(value, 16)
    except (TypeError, ValueError) as err:
        raise ValueError(f"not a scipy.signal window: {err}") from None
    return value


#: A window of :func:`scipy.signal.get_window`: a name, or a (name, parameter) tuple.
FirWindow = Annotated[Any, BeforeValidator(_fir_window)]


class Resample(Operator):
    r"""Resample along the vertical axis to a new sample interval, anti-aliased.

    Parameters
    ----------
    dt : float, str or pint.Quantity
        The new interval: seconds (metres on a depth axis) as a plain number, or with
        a unit (``"2 ms"``).
    window : str or tuple, optional
        The window of the anti-alias FIR filter (see
        :func:`scipy.signal.resample_poly`).

    Raises
    ------
    ConfigError
        If `dt` is not positive, or (when applied) its ratio to the current interval
        is not a fraction ``p / q`` with ``q <= 1000``, it would leave fewer than 2
        samples (e.g. ``Resample(2)`` on a 0.8 s trace: 2 s, not ``"2 ms"``), or the
        work of one block would not fit in the memory available (e.g. ``"1 us"``
        from 4 ms: 4000 times the samples); the message gives the estimate and the
        finest interval that fits.
    InvalidDataError
        When applied to chunks that split the vertical axis.

    Notes
    -----
    With :math:`\Delta t_\text{old} / \Delta t_\text{new} = p / q`, each trace is
    upsampled by :math:`p`, low-pass filtered by a zero-phase FIR filter (cut-off at
    the lower of the two Nyquist frequencies, :math:`\min(p, q)^{-1}` of the upsampled
    Nyquist) and downsampled by :math:`q` (polyphase, ``scipy.signal.resample_poly``).
    The output has :math:`\lceil N p / q \rceil` samples at
    :math:`t_0 + k\,\Delta t_\text{new}`, in the unit of the input coordinate. The
    whole trace must lie in each dask chunk. Before anything is built, the memory of
    the largest block (its float64 input and output traces, and the output in the
    result's dtype) is estimated and compared with the memory available.

    Examples
    --------
    >>> import promethium as pm
    >>> from promethium.ops import Resample
    >>> out = Resample("8 ms")(pm.synthetic_gather(n_traces=4, n_samples=64))
    >>> out.sizes["time"], float(out.time[1])
    (32, 8.0)
    """

    class Params(OperatorParams):
        """Parameters of :class:`Resample`."""

        dt: VerticalQuantity = Field(
            gt=0,
            description="The new vertical sample interval.",
            json_schema_extra={"allowed": "a time or depth length > 0", "unit": "s or m"},
        )
        window: FirWindow = Field(
            ("kaiser", 5.0),
            description="Window of the anti-alias FIR filter (resample_poly).",
            json_schema_extra={"allowed": "a scipy.signal window name or (name, parameter) tuple"},
        )

    parameters: Params
    whole = ("vertical",)
    writes_coords = ("vertical",)

    def __init__(
        self, dt: float | str | Any, window: str | tuple[Any, ...] = ("kaiser", 5.0)
    ) -> None:
        super().__init__(dt=dt, window=window)

    def _ratio(self, context: BlockContext) -> tuple[int, int]:
        new = self.parameters.dt.to(context.vertical_unit, what="Resample dt")
        ratio = small_ratio(context.sample_interval / new)
        if ratio is None:
            raise ConfigError(
                f"Resample from {context.sample_interval:g} to {new:g} {context.vertical_unit} "
                f"is not a ratio of small integers; choose a new interval that is, e.g. "
                f"{context.sample_interval * 2:g} {context.vertical_unit}."
            )
        return ratio

    def transform(self, data: np.ndarray, context: BlockContext) -> np.ndarray:
        """Resample each (whole) trace of a block; the vertical length changes.

        Parameters
        ----------
        data : numpy.ndarray
            One block of samples, vertical axis last.
        context : BlockContext
            Sample interval, vertical unit, dims and needed coordinates of the block.

        Returns
        -------
        numpy.ndarray
            The resampled block; only the vertical length differs from `data`.
        """
        from scipy.signal import resample_poly

        up, down = self._ratio(context)
        if up == down:
            return np.asarray(data, dtype=np.float64)
        return resample_poly(
            data.astype(np.float64), up, down, axis=-1, window=self.parameters.window
        )

    def check(self, da: xr.DataArray) -> None:
        """Refuse an interval the trace cannot take, or work that cannot fit in memory.

        Parameters
        ----------
        da : xarray.DataArray
            The data about to be resampled.

        Raises
        ------
        ConfigError
            If `dt` would leave fewer than 2 samples, is not a ratio of small integers
            of the current interval, or one block's work would exceed the memory
            available.
        InvalidDataError
            If chunks split the vertical axis.
        """
        super().check(da)
        context = self._context(da)
        n = da.sizes[vertical_dim(da)]
        new = self.parameters.dt.to(context.vertical_unit, what="Resample dt")
        if new >= (n - 1) * context.sample_interval:  # fewer than 2 samples would be left
            raise longer_than_trace(
                "Resample dt",
                self.params()["dt"],
                n * context.sample_interval,
                n,
                context.vertical_unit,
                f"{context.sample_interval * 2:g} {context.vertical_unit}",
            )
        up, down = self._ratio(context)
        self._check_memory(da, context, -(-n * up // down))

    def _check_memory(self, da: xr.DataArray, context: BlockContext, n_new: int) -> None:
        """Refuse a block whose float64 work and output would not fit in memory."""
        n = da.sizes[vertical_dim(da)]
        traces = int(np.prod([max(c) for c in da.chunks[:-1]] if da.chunks else da.shape[:-1]))
        per_trace = 8 * (n + n_new) + self.output_dtype(da).itemsize * n_new
        need, free = traces * per_trace, available_memory()
        if need <= free:
            return
        unit = context.vertical_unit
        fit = (free / traces - 8 * n) / (8 + self.output_dtype(da).itemsize)
        finest = n * context.sample_interval / fit if fit >= 2 else float("inf")
        chunk = int(free // per_trace)
        advice = (
            f"the finest interval that fits is about {finest:.3g} {unit}"
            if np.isfinite(finest)
            else "no interval fits a block this size"
        )
        if chunk >= 1:
            advice += f", or chunk the data into blocks of at most {chunk} traces"
        raise ConfigError(
            f"Resample to {self.params()['dt']!r} would make {n_new:,} samples per trace "
            f"(from {n:,} every {context.sample_interval:g} {unit}): "
            f"{format_bytes(need)} for a block of {traces:,} traces, more than the "
            f"{format_bytes(free)} of memory available; {advice}."
        )

    def apply(self, da: xr.DataArray) -> xr.DataArray:
        """Resample lazily and replace the vertical coordinate.

        Returns
        -------
        xarray.DataArray
            The resampled data with a new vertical coordinate (same unit), lazy when
            `da` is, without a history line.
        """
        import dask.array as dska
        import xarray as xr

        context = self._context(da)
        dim = vertical_dim(da)
        n = da.sizes[dim]
        up, down = self._ratio(context)
        n_new = -(-n * up // down)
        dtype = self.output_dtype(da)
        data = da.data
        if isinstance(data, dska.Array):
            result = dska.map_blocks(
                lambda block: self.transform(block, context).astype(dtype),
                data,
                chunks=(*data.chunks[:-1], (n_new,)),
                dtype=dtype,
                meta=np.empty((0,) * data.ndim, dtype=dtype),
            )
        else:
            result = self.transform(np.asarray(data), context).astype(dtype)
        coord = da.coords[dim]
        unit = unit_of(coord, what=f"vertical coordinate {dim!r}")
        step = convert(
            self.parameters.dt.to(context.vertical_unit, what="Resample dt"),
            context.vertical_unit,
            unit,
        )
        values = float(coord.values[0]) + np.arange(n_new) * step
        new_coord = xr.Variable(
            dim, values.astype(np.result_type(coord.dtype, np.float64)), attrs=dict(coord.attrs)
        )
        keep = {k: v for k, v in da.coords.items() if dim not in v.dims}
        return xr.DataArray(
            result,
            dims=da.dims,
            coords={**keep, dim: new_coord},
            name=da.name,
            attrs=dict(da.attrs),
        )
