"""Amplitude gain along the vertical axis: AGC and t-power gain."""

from __future__ import annotations

__all__ = ["AGC", "TimePowerGain"]

from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field

from promethium.errors import InvalidDataError
from promethium.ops.base import BlockContext, Operator
from promethium.ops.params import OperatorParams, Real, VerticalQuantity, longer_than_trace

if TYPE_CHECKING:
    import xarray as xr


class AGC(Operator):
    r"""Automatic gain control: divide each sample by the RMS of a window around it.

    Parameters
    ----------
    window : float, str or pint.Quantity
        Window length: seconds as a plain number, or with a unit (``"500 ms"``). On a
        depth axis, give a length (``"200 m"``).

    Raises
    ------
    ConfigError
        If `window` is not a positive time or length; when applied, if it is longer
        than the trace (a bare number is seconds, so ``AGC(500)`` is 500 s) or its
        kind does not match the vertical axis (a time on a depth axis).
    InvalidDataError
        When applied, if the window is shorter than 3 samples.

    Notes
    -----
    With :math:`h = \operatorname{round}(L / 2\Delta t)` samples for a window of
    length :math:`L` and sample interval :math:`\Delta t`,

    .. math:: y_i = x_i \Big/ \sqrt{\tfrac{1}{|W_i|}\textstyle\sum_{j \in W_i} x_j^2},
              \qquad W_i = [i - h, i + h] \cap [0, N),

    so the window is truncated at the ends of the trace. Where the window is all zero
    the output is zero. On dask data the operator reads :math:`h` samples of halo from
    the neighbouring chunks, so the result does not depend on the chunking.

    Examples
    --------
    >>> import promethium as pm
    >>> from promethium.ops import AGC
    >>> out = AGC("100 ms")(pm.synthetic_gather(n_traces=4, n_samples=128))
    >>> out.dims
    ('offset', 'time')
    """

    class Params(OperatorParams):
        """Parameters of :class:`AGC`."""

        window: VerticalQuantity = Field(
            gt=0,
            description="Window length: a time ('500 ms'), or a length on a depth axis.",
            json_schema_extra={"allowed": "a time or depth length > 0", "unit": "s or m"},
        )

    parameters: Params

    def __init__(self, window: float | str | Any) -> None:
        super().__init__(window=window)

    def _half(self, sample_interval: float, vertical_unit: str) -> int:
        length = self.parameters.window.to(vertical_unit, what="the AGC window")
        half = round(length / sample_interval / 2.0)
        if half < 1:
            raise InvalidDataError(
                f"the AGC window {self.params()['window']!r} spans fewer than 3 samples at a "
                f"sample interval of {sample_interval:g} {vertical_unit}; use a longer window."
            )
        return half

    def check(self, da: xr.DataArray) -> None:
        """Refuse a window longer than the trace, or of the wrong kind, before any work.

        Parameters
        ----------
        da : xarray.DataArray
            The data about to be gained.

        Raises
        ------
        ConfigError
            If the window is longer than the trace (e.g. ``AGC(500)``: 500 s, not
            ``"500 ms"``), or a time on a depth axis (or a length on a time axis).
        InvalidDataError
            If the window spans fewer than 3 samples.
        """
        super().check(da)
        ctx = self._context(da)
        n = da.sizes[ctx.dims[-1]]
        length = n * ctx.sample_interval
        if self.parameters.window.to(ctx.vertical_unit, what="the AGC window") > length:
            raise longer_than_trace(
                "AGC window",
                self.params()["window"],
                length,
                n,
                ctx.vertical_unit,
                f"{length / 4:g} {ctx.vertical_unit}",
                min_samples=3,
            )
        self._half(ctx.sample_interval, ctx.vertical_unit)

    def halo(self, da: xr.DataArray) -> dict[str, int]:
        """Half a window of samples along the vertical dim.

        Parameters
        ----------
        da : xarray.DataArray
            Seismic data, vertical dim last, to convert the window to samples.

        Returns
        -------
        dict of str to int
            Half the window length in samples, keyed by the vertical dim.
        """
        ctx = self._context(da)
        return {ctx.dims[-1]: self._half(ctx.sample_interval, ctx.vertical_unit)}

    def transform(self, data: np.ndarray, context: BlockContext) -> np.ndarray:
        """Apply AGC along the last axis of a block (halo included)."""
        from scipy.ndimage import uniform_filter1d

        half = self._half(context.sample_interval, context.vertical_unit)
        size = 2 * half + 1
        clean = np.where(np.isnan(data), 0.0, data).astype(np.float64)
        # Mean of x^2 over the window, truncated at the block's ends.
        total = uniform_filter1d(clean * clean, size, axis=-1, mode="constant") * size
        ones = np.ones(data.shape[-1])
        count = uniform_filter1d(ones, size, mode="constant") * size
        rms = np.sqrt(np.maximum(total, 0.0) / np.round(count))
        live = rms > 0
        return np.where(live, data / np.where(live, rms, 1.0), 0.0)


class TimePowerGain(Operator):
    r"""Multiply each sample by a power of its time: :math:`y = x\, t^n`.

    Parameters
    ----------
    power : float
        The exponent :math:`n \ge 0` (2 is the classic spherical-divergence gain).

    Raises
    ------
    ConfigError
        If `power` is not a finite number in ``[0, 10]``.
    InvalidDataError
        When applied to data whose vertical axis is not time.

    Notes
    -----
    .. math:: y(t) = x(t)\, \max(t, 0)^n,

    with :math:`t` in seconds, read from the time coordinate with its unit (so the
    gain is the same whether the axis is in ms, s or us).

    Examples
    --------
    >>> import promethium as pm
    >>> from promethium.ops import TimePowerGain
    >>> out = TimePowerGain(2.0)(pm.synthetic_gather(n_traces=4, n_samples=64))
    >>> float(abs(out.isel(time=0)).max())
    0.0
    """

    class Params(OperatorParams):
        """Parameters of :class:`TimePowerGain`."""

        power: Real = Field(
            2.0, ge=0, le=10, description="Exponent n of the gain t**n (t in seconds)."
        )

    parameters: Params
    coords_needed = ("vertical",)
    needs_time = True

    def __init__(self, power: float = 2.0) -> None:
        super().__init__(power=power)

    def transform(self, data: np.ndarray, context: BlockContext) -> np.ndarray:
        """Multiply by :math:`t^n`, :math:`t` (s) from the vertical coordinate."""
        t = np.maximum(context.coords["vertical"], 0.0)
        return data * t**self.parameters.power
