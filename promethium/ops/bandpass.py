"""Bandpass: zero-phase Butterworth filtering along the time axis."""

from __future__ import annotations

__all__ = ["Bandpass"]

from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field, model_validator

from promethium.errors import ConfigError
from promethium.ops.base import BlockContext, Operator
from promethium.ops.params import Frequency, Integer, OperatorParams

if TYPE_CHECKING:
    import xarray as xr

#: Highest Butterworth order accepted: beyond it the filter is numerically unstable
#: and no seismic band needs it.
MAX_ORDER = 20


class Bandpass(Operator):
    r"""Zero-phase Butterworth band-pass (or low-/high-pass) filter along time.

    Parameters
    ----------
    low : float, str or None
        Low corner in Hz (or with a unit, ``"5 Hz"``); None or 0 for a low-pass.
    high : float, str or None
        High corner in Hz; None for a high-pass.
    order : int
        Order of the Butterworth filter; run forward and backward, the response is
        that of order ``2 * order`` with zero phase.

    Raises
    ------
    ConfigError
        If both corners are missing, ``low >= high``, a corner is negative (or the
        high corner zero), or `order` is not an integer in ``[1, 20]``; when
        applied, if a corner is at or above the Nyquist frequency (the message gives
        it and the allowed range).
    InvalidDataError
        When applied to a depth axis, or to chunks that split the time axis.

    Notes
    -----
    With :math:`H` the Butterworth response of order :math:`n` and corners
    :math:`f_l, f_h`, the filter applied forward and backward (``sosfiltfilt``) has

    .. math:: |G(f)| = |H(f)|^2, \qquad \arg G(f) = 0,

    so events keep their position. The Nyquist frequency is
    :math:`f_N = 1 / (2\Delta t)` with :math:`\Delta t` in seconds, read from the time
    coordinate with its unit. The filter needs whole traces in each dask chunk.

    Examples
    --------
    >>> import promethium as pm
    >>> from promethium.ops import Bandpass
    >>> out = Bandpass(5, 60)(pm.synthetic_gather(n_traces=4, n_samples=256))
    >>> out.shape
    (4, 256)
    """

    class Params(OperatorParams):
        """Parameters of :class:`Bandpass`."""

        low: Frequency | None = Field(
            None,
            ge=0,
            description="Low corner; None or 0 for a low-pass filter.",
            json_schema_extra={"unit": "Hz"},
        )
        high: Frequency | None = Field(
            None,
            gt=0,
            description="High corner; None for a high-pass filter.",
            json_schema_extra={"unit": "Hz"},
        )
        order: Integer = Field(
            4, ge=1, le=MAX_ORDER, description="Butterworth order (doubled by the two passes)."
        )

        @model_validator(mode="after")
        def _corners(self) -> Bandpass.Params:
            if not self.low and self.high is None:
                raise ValueError("needs a low corner, a high corner, or both (in Hz)")
            if self.low and self.high is not None and self.low >= self.high:
                raise ValueError(
                    f"the low corner ({self.low:g} Hz) must be below the high corner "
                    f"({self.high:g} Hz)"
                )
            return self

    parameters: Params
    whole = ("vertical",)
    needs_time = True

    def __init__(
        self, low: float | str | Any = None, high: float | str | Any = None, order: int = 4
    ) -> None:
        super().__init__(low=low, high=high, order=order)

    def _sos(self, sample_interval: float) -> np.ndarray:
        from scipy.signal import butter

        low, high, order = self.parameters.low or None, self.parameters.high, self.parameters.order
        fs = 1.0 / sample_interval
        if low is None:
            return butter(order, high, btype="lowpass", fs=fs, output="sos")
        if high is None:
            return butter(order, low, btype="highpass", fs=fs, output="sos")
        return butter(order, [low, high], btype="bandpass", fs=fs, output="sos")

    def check(self, da: xr.DataArray) -> None:
        """Refuse a depth axis, split traces, and corners at or above Nyquist.

        Parameters
        ----------
        da : xarray.DataArray
            The data about to be filtered.

        Raises
        ------
        ConfigError
            If a corner is at or above the Nyquist frequency of `da`'s time axis.
        InvalidDataError
            If the axis is depth, or chunks split the time axis.
        """
        super().check(da)
        interval = self._context(da).sample_interval
        nyquist = 0.5 / interval
        for name in ("low", "high"):
            corner = getattr(self.parameters, name)
            if corner is not None and corner >= nyquist:
                raise ConfigError(
                    f"Bandpass {name} corner {self.params()[name]!r} ({corner:g} Hz) is at or "
                    f"above the Nyquist frequency {nyquist:g} Hz of data sampled every "
                    f"{interval * 1e3:g} ms; corners must lie in (0, {nyquist:g}) Hz."
                )

    def transform(self, data: np.ndarray, context: BlockContext) -> np.ndarray:
        """Filter each trace of a block (whole traces) forward and backward."""
        from scipy.signal import sosfiltfilt

        sos = self._sos(context.sample_interval)
        n = data.shape[-1]
        padlen = min(3 * (2 * len(sos) + 1), n - 1)
        clean = np.where(np.isnan(data), 0.0, data).astype(np.float64)
        return sosfiltfilt(sos, clean, axis=-1, padlen=padlen)
