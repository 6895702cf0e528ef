"""Taper: smooth the edges of the data along the vertical or the trace axis."""

from __future__ import annotations

__all__ = ["Taper"]

import numbers
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from promethium.core.dims import trace_dim, vertical_dim
from promethium.errors import InvalidDataError
from promethium.ops.base import BlockContext, Operator
from promethium.ops.params import OperatorParams, VerticalLength

if TYPE_CHECKING:
    import xarray as xr


def _samples_or_length(value: Any) -> int | VerticalLength:
    """An int is a count of samples (or traces); anything else a vertical length."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    return VerticalLength.parse(value)


#: A ramp length: samples (or traces) as an int, or a time or depth length.
RampLength = Annotated[int | VerticalLength, BeforeValidator(_samples_or_length)]


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

    class Params(OperatorParams):
        """Parameters of :class:`Taper`."""

        length: RampLength = Field(
            gt=0,
            description="Length of each ramp.",
            json_schema_extra={
                "allowed": "a count of samples or traces (an int), or a time or depth length > 0"
            },
        )
        shape: Literal["cosine", "linear"] = Field("cosine", description="Shape of the ramp.")
        axis: Literal["vertical", "trace"] = Field(
            "vertical", description="The axis whose ends are tapered."
        )
        sides: Literal["both", "start", "end"] = Field(
            "both", description="Which ends are tapered."
        )

        @model_validator(mode="after")
        def _traces_are_counted(self) -> Taper.Params:
            if self.axis == "trace" and not isinstance(self.length, int):
                raise ValueError(
                    "the length along the trace axis is a number of traces (an int); got "
                    f"{self.length.magnitude:g} {self.length.unit}"
                )
            return self

    parameters: Params

    def __init__(
        self,
        length: int | float | str | Any,
        shape: str = "cosine",
        axis: str = "vertical",
        sides: str = "both",
    ) -> None:
        super().__init__(length=length, shape=shape, axis=axis, sides=sides)

    def _samples(self, context: BlockContext) -> int:
        length = self.parameters.length
        if isinstance(length, int):
            return length
        return max(
            1,
            round(
                length.to(context.vertical_unit, what="the Taper length") / context.sample_interval
            ),
        )

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
        p = self.parameters
        ramp_len = self._samples(context)
        sides = 2 if p.sides == "both" else 1
        if sides * ramp_len > n:
            raise InvalidDataError(
                f"a taper of {ramp_len} samples on {p.sides} side(s) does not fit an "
                f"axis of {n}; use a shorter length."
            )
        x = np.arange(1, ramp_len + 1) / (ramp_len + 1)
        ramp = np.sin(0.5 * np.pi * x) ** 2 if p.shape == "cosine" else x
        w = np.ones(n)
        if p.sides in ("both", "start"):
            w[:ramp_len] = ramp
        if p.sides in ("both", "end"):
            w[n - ramp_len :] *= ramp[::-1]
        return w

    def _axis(self, ndim: int) -> int:
        return ndim - 1 if self.parameters.axis == "vertical" else ndim - 2

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
        dim = vertical_dim(da) if self.parameters.axis == "vertical" else trace_dim(da)
        axis = da.get_axis_num(dim)
        shape = [1] * da.ndim
        shape[axis] = da.sizes[dim]
        w = self.weights(da.sizes[dim], self._context(da)).reshape(shape)
        return da.copy(data=(da.data * w).astype(self.output_dtype(da)))
