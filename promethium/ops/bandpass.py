"""Bandpass: zero-phase Butterworth filtering along the time axis."""

from __future__ import annotations

__all__ = ["Bandpass"]

from typing import Any

import numpy as np

from promethium.errors import ConfigError, InvalidDataError
from promethium.ops._params import check_number, in_unit, quantity
from promethium.ops.base import BlockContext, Operator


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
        If both corners are missing, ``low >= high``, a corner is negative, or
        `order` is not a positive integer; when applied, if a corner is at or above
        the Nyquist frequency (the message gives it).
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

    whole = ("vertical",)

    def __init__(
        self,
        low: float | str | Any | None = None,
        high: float | str | Any | None = None,
        order: int = 4,
    ) -> None:
        self.low = low
        self.high = high
        self.order = order
        self._low = self._corner(low, "low")
        self._high = self._corner(high, "high")
        check_number(order, what="Bandpass order", minimum=1, integer=True)
        if self._low is None and self._high is None:
            raise ConfigError("Bandpass needs a low corner, a high corner, or both (in Hz).")
        if self._low is not None and self._high is not None and self._low >= self._high:
            raise ConfigError(
                f"Bandpass low corner ({self._low:g} Hz) must be below the high corner "
                f"({self._high:g} Hz)."
            )

    @staticmethod
    def _corner(value: Any, name: str) -> float | None:
        if value is None:
            return None
        hz = in_unit(quantity(value, "Hz", what=f"Bandpass {name}"), "Hz", what=f"Bandpass {name}")
        check_number(hz, what=f"Bandpass {name} corner (Hz)", minimum=0.0, strict=name == "high")
        return None if hz == 0 else hz

    def _sos(self, sample_interval: float) -> np.ndarray:
        from scipy.signal import butter

        nyquist = 0.5 / sample_interval
        for corner in (self._low, self._high):
            if corner is not None and corner >= nyquist:
                raise ConfigError(
                    f"Bandpass corner {corner:g} Hz is at or above the Nyquist frequency "
                    f"{nyquist:g} Hz of data sampled every {sample_interval * 1e3:g} ms; "
                    "use corners below Nyquist."
                )
        order = int(self.order)
        fs = 1.0 / sample_interval
        if self._low is None:
            return butter(order, self._high, btype="lowpass", fs=fs, output="sos")
        if self._high is None:
            return butter(order, self._low, btype="highpass", fs=fs, output="sos")
        return butter(order, [self._low, self._high], btype="bandpass", fs=fs, output="sos")

    def apply(self, da: Any) -> Any:
        """Check the corners against Nyquist before any work, then filter.

        Returns
        -------
        xarray.DataArray
            The result, lazy when `da` is, without a history line.

        Raises
        ------
        InvalidDataError
            If the axis is depth, or a corner frequency is at or above Nyquist.
        """
        context = self._context(da)
        if context.vertical_unit != "s":
            raise InvalidDataError(
                f"Bandpass filters in time; the data have a depth axis {context.dims[-1]!r}."
            )
        self._sos(context.sample_interval)
        return super().apply(da)

    def transform(self, data: np.ndarray, context: BlockContext) -> np.ndarray:
        """Filter each trace of a block (whole traces) forward and backward."""
        from scipy.signal import sosfiltfilt

        sos = self._sos(context.sample_interval)
        n = data.shape[-1]
        padlen = min(3 * (2 * len(sos) + 1), n - 1)
        clean = np.where(np.isnan(data), 0.0, data).astype(np.float64)
        return sosfiltfilt(sos, clean, axis=-1, padlen=padlen)
