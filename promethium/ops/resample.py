"""Resample: change the vertical sample interval, anti-aliased."""

from __future__ import annotations

__all__ = ["Resample"]

from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core.dims import vertical_dim
from promethium.core.units import convert, unit_of
from promethium.errors import ConfigError
from promethium.ops._params import check_number, in_unit, longer_than_trace, quantity
from promethium.ops.base import BlockContext, Operator

if TYPE_CHECKING:
    import xarray as xr

#: Largest denominator accepted for the ratio of the old and new intervals.
_MAX_DENOMINATOR = 1000


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
        is not a fraction ``p / q`` with ``q <= 1000``, or it would leave fewer than 2
        samples (e.g. ``Resample(2)`` on a 0.8 s trace: 2 s, not ``"2 ms"``).
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
    whole trace must lie in each dask chunk.

    Examples
    --------
    >>> import promethium as pm
    >>> from promethium.ops import Resample
    >>> out = Resample("8 ms")(pm.synthetic_gather(n_traces=4, n_samples=64))
    >>> out.sizes["time"], float(out.time[1])
    (32, 8.0)
    """

    whole = ("vertical",)

    def __init__(self, dt: float | str | Any, window: str | tuple[Any, ...] = ("kaiser", 5.0)):
        self.dt = dt
        self.window = window
        self._dt = quantity(dt, "s", what="Resample dt")
        check_number(self._dt[0], what="Resample dt", minimum=0.0, strict=True)

    def _ratio(self, context: BlockContext) -> tuple[int, int]:
        new = in_unit(self._dt, context.vertical_unit, what="Resample dt")
        exact = context.sample_interval / new
        ratio = Fraction(exact).limit_denominator(_MAX_DENOMINATOR)
        if abs(float(ratio) - exact) > 1e-9 * exact:
            raise ConfigError(
                f"Resample from {context.sample_interval:g} to {new:g} {context.vertical_unit} "
                f"is not a ratio of small integers; choose a new interval that is, e.g. "
                f"{context.sample_interval * 2:g} {context.vertical_unit}."
            )
        return ratio.numerator, ratio.denominator

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
        return resample_poly(data.astype(np.float64), up, down, axis=-1, window=self.window)

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
        new = in_unit(self._dt, context.vertical_unit, what="Resample dt")
        if new >= (n - 1) * context.sample_interval:  # fewer than 2 samples would be left
            raise longer_than_trace(
                "Resample dt",
                self.dt,
                n * context.sample_interval,
                n,
                context.vertical_unit,
                f"{context.sample_interval * 2:g} {context.vertical_unit}",
            )
        up, down = self._ratio(context)
        n_new = -(-n * up // down)
        dtype = self.output_dtype(da)
        data = da.data
        if isinstance(data, dska.Array):
            self._check_chunks(da)
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
            in_unit(self._dt, context.vertical_unit, what="Resample dt"),
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
