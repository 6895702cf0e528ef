"""Taper: smooth the edges of the data along the vertical or the trace axis."""

from __future__ import annotations

__all__ = ["Taper"]

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core.dims import trace_dim, vertical_dim
from promethium.errors import ConfigError, InvalidDataError
from promethium.ops._params import check_choice, check_number, in_unit, quantity
from promethium.ops.base import BlockContext, Operator

if TYPE_CHECKING:
    import xarray as xr

_SHAPES = ("cosine", "linear")
_AXES = ("vertical", "trace")
_SIDES = ("both", "start", "end")


class Taper(Operator):
    r"""Taper the first and/or last samples (or traces) smoothly towards zero.

    Parameters
    ----------
    length : int, float, str or pint.Quantity
        Length of each ramp: a number of samples (or traces) as an int; on the
        vertical axis also a quantity (``"40 ms"``, or a float in seconds).
    shape : {"cosine", "linear"}
        Shape of the ramp.
    axis : {"vertical", "trace"}
        The axis whose ends are tapered.
    sides : {"both", "start", "end"}
        Which ends are tapered.

    Raises
    ------
    ConfigError
        For an unknown `shape`, `axis` or `sides`, or a length that is not positive
        (or a quantity for the trace axis).
    InvalidDataError
        When applied, if the two ramps would overlap.

    Notes
    -----
    For a ramp of :math:`L` samples, sample :math:`i < L` from the edge is multiplied by

    .. math:: w_i = \sin^2\!\Big(\frac{\pi}{2}\,\frac{i + 1}{L + 1}\Big)
              \ \text{(cosine)}, \qquad w_i = \frac{i + 1}{L + 1}\ \text{(linear)},

    and the other samples are unchanged. The weights depend on the global position
    only, so any dask chunking gives the in-memory result.

    Examples
    --------
    >>> import promethium as pm
    >>> from promethium.ops import Taper
    >>> out = Taper(8, axis="trace")(pm.synthetic_gather(n_traces=32, n_samples=64))
    >>> out.shape
    (32, 64)
    """

    def __init__(
        self,
        length: int | float | str | Any,
        shape: str = "cosine",
        axis: str = "vertical",
        sides: str = "both",
    ) -> None:
        self.length = length
        self.shape = check_choice(shape, _SHAPES, what="Taper shape")
        self.axis = check_choice(axis, _AXES, what="Taper axis")
        self.sides = check_choice(sides, _SIDES, what="Taper sides")
        if isinstance(length, numbers.Integral) and not isinstance(length, bool):
            check_number(length, what="Taper length (samples)", minimum=1, integer=True)
            self._length: int | tuple[float, str] = int(length)
        elif axis == "trace":
            raise ConfigError(
                f"Taper length along the trace axis is a number of traces (an int); got {length!r}."
            )
        else:
            self._length = quantity(length, "s", what="Taper length")
            check_number(self._length[0], what="Taper length", minimum=0.0, strict=True)

    def _samples(self, context: BlockContext) -> int:
        if isinstance(self._length, int):
            return self._length
        length = in_unit(self._length, context.vertical_unit, what="Taper length")
        return max(1, round(length / context.sample_interval))

    def weights(self, n: int, context: BlockContext) -> np.ndarray:
        """The taper weights along an axis of `n` samples (or traces).

        Parameters
        ----------
        n : int
            Length of the axis, in samples or traces.
        context : BlockContext
            Sample interval and unit, to convert a physical ramp length to samples.

        Returns
        -------
        numpy.ndarray
            Weights in [0, 1], shape ``(n,)``, 1 away from the ends.

        Raises
        ------
        InvalidDataError
            If the ramp (or both ramps) does not fit in `n` samples.
        """
        ramp_len = self._samples(context)
        sides = 2 if self.sides == "both" else 1
        if sides * ramp_len > n:
            raise InvalidDataError(
                f"a taper of {ramp_len} samples on {self.sides} side(s) does not fit an "
                f"axis of {n}; use a shorter length."
            )
        x = np.arange(1, ramp_len + 1) / (ramp_len + 1)
        ramp = np.sin(0.5 * np.pi * x) ** 2 if self.shape == "cosine" else x
        w = np.ones(n)
        if self.sides in ("both", "start"):
            w[:ramp_len] = ramp
        if self.sides in ("both", "end"):
            w[n - ramp_len :] *= ramp[::-1]
        return w

    def _axis(self, ndim: int) -> int:
        return ndim - 1 if self.axis == "vertical" else ndim - 2

    def transform(self, data: np.ndarray, context: BlockContext) -> np.ndarray:
        """Taper a block that holds the whole axis."""
        axis = self._axis(data.ndim)
        shape = [1] * data.ndim
        shape[axis] = data.shape[axis]
        return data * self.weights(data.shape[axis], context).reshape(shape)

    def apply(self, da: xr.DataArray) -> xr.DataArray:
        """Multiply by the weights, lazily on dask data, whatever the chunking.

        Returns
        -------
        xarray.DataArray
            The result, lazy when `da` is, without a history line.
        """
        dim = vertical_dim(da) if self.axis == "vertical" else trace_dim(da)
        axis = da.get_axis_num(dim)
        shape = [1] * da.ndim
        shape[axis] = da.sizes[dim]
        w = self.weights(da.sizes[dim], self._context(da)).reshape(shape)
        return da.copy(data=(da.data * w).astype(self.output_dtype(da)))
