"""KillTraces and Decimate: remove traces by a mask, recorded in ``trace_mask``."""

from __future__ import annotations

__all__ = ["Decimate", "KillTraces"]

import abc
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from promethium.core.dims import trace_dims
from promethium.core.mask import TRACE_MASK
from promethium.errors import InvalidDataError
from promethium.ops.base import WholeArrayOperator
from promethium.ops.params import Integer, OperatorParams, Real

if TYPE_CHECKING:
    import xarray as xr


def _boolean_mask(value: Any) -> Any:
    """A DataArray as it is, anything else as a NumPy array; refuse non-boolean masks."""
    import xarray as xr

    if value is None:
        return None
    mask = value if isinstance(value, xr.DataArray) else np.array(value)
    if mask.dtype != bool:
        raise ValueError(f"dtype {mask.dtype}, not bool")
    return mask


#: A boolean trace mask: a labelled DataArray or an array in the data's dim order.
Mask = Annotated[Any, BeforeValidator(_boolean_mask)]


class _MaskOperator(WholeArrayOperator):
    """Zero the traces where a mask built for the data is False (lazily)."""

    writes_coords = (TRACE_MASK,)

    @abc.abstractmethod
    def build_mask(self, da: xr.DataArray) -> xr.DataArray:
        """The mask (True = live) to apply to `da`."""

    def apply(self, da: xr.DataArray) -> xr.DataArray:
        """Zero the dead traces lazily and attach the combined ``trace_mask``.

        The mask is matched to the data by label (:func:`promethium.apply_trace_mask`).

        Returns
        -------
        xarray.DataArray
            The data with dead traces zeroed and the combined ``trace_mask``, lazy when
            `da` is.

        Raises
        ------
        InvalidDataError
            If the mask does not fit the data's trace dims, or labels other traces.
        """
        from promethium.core.mask import apply_trace_mask

        out = apply_trace_mask(da, self.build_mask(da))
        return out.astype(self.output_dtype(da), keep_attrs=True)


class KillTraces(_MaskOperator):
    r"""Set the traces where a mask is False to zero, and record them in ``trace_mask``.

    Give exactly one of: a `mask`; a random `fraction` (with `seed`); or `n_gaps` gaps
    of `gap_width` traces (with `seed`). The mask is combined (AND) with any
    ``trace_mask`` the data carry.

    Parameters
    ----------
    mask : xarray.DataArray or numpy.ndarray, optional
        Boolean, True = live. A DataArray spans some or all of the trace dims (every
        dim but the vertical one) and is matched to the data by its labels (a mask
        with the same labels in another order is reordered; one for other traces is
        refused); an array has the trace dims' shape, in the data's order.
    fraction : float, optional
        Fraction of traces of each panel to kill at random, in [0, 1)
        (:func:`promethium.random_mask`).
    n_gaps, gap_width : int, optional
        Kill `n_gaps` runs of `gap_width` adjacent traces (:func:`promethium.gap_mask`).
    seed : int, optional
        Seed of the random mask or gap positions.

    Raises
    ------
    ConfigError
        If not exactly one way to build the mask is given, or a value is out of range.
    InvalidDataError
        When applied, if the mask does not match the data's trace dims or labels.

    Notes
    -----
    :math:`y_{\cdot,j} = m_j\, x_{\cdot,j}` for trace :math:`j` with mask
    :math:`m_j \in \{0, 1\}`, and ``trace_mask`` becomes
    :math:`m \wedge m_{\text{old}}`. Lazy on dask data.

    Examples
    --------
    >>> import promethium as pm
    >>> from promethium.ops import KillTraces
    >>> out = KillTraces(fraction=0.25, seed=0)(pm.synthetic_gather(n_traces=8, n_samples=32))
    >>> int(out.trace_mask.sum())
    6
    """

    class Params(OperatorParams):
        """Parameters of :class:`KillTraces`."""

        mask: Mask = Field(
            None,
            description="Traces to keep (True) and kill (False).",
            json_schema_extra={"allowed": "a boolean DataArray or array, or None"},
        )
        fraction: Real | None = Field(
            None, ge=0, lt=1, description="Fraction of each panel's traces killed at random."
        )
        n_gaps: Integer | None = Field(None, ge=0, description="Number of gaps to cut.")
        gap_width: Integer | None = Field(None, ge=1, description="Traces in each gap.")
        seed: Integer | None = Field(0, ge=0, description="Seed of the random traces or gaps.")

        @model_validator(mode="after")
        def _one_way(self) -> KillTraces.Params:
            given = [self.mask is not None, self.fraction is not None, self.n_gaps is not None]
            if sum(given) != 1 or (self.n_gaps is None) != (self.gap_width is None):
                raise ValueError(
                    "needs exactly one of: mask=..., fraction=..., or n_gaps=... together "
                    "with gap_width=..."
                )
            return self

    parameters: Params

    def __init__(
        self,
        mask: xr.DataArray | np.ndarray | None = None,
        *,
        fraction: float | None = None,
        n_gaps: int | None = None,
        gap_width: int | None = None,
        seed: int | None = 0,
    ) -> None:
        super().__init__(
            mask=mask, fraction=fraction, n_gaps=n_gaps, gap_width=gap_width, seed=seed
        )

    def params(self) -> dict[str, Any]:
        """Parameters for the history; an explicit mask is summarized, not listed.

        Returns
        -------
        dict of str to Any
            The parameters that are set, an explicit mask as its count of dead traces.
        """
        out = {k: v for k, v in super().params().items() if v is not None}
        if self.parameters.mask is not None:
            values = np.asarray(self.parameters.mask, dtype=bool)
            out["mask"] = f"<{values.sum()} of {values.size} live>"
            out.pop("seed", None)
        return out

    def __repr__(self) -> str:
        args = ", ".join(
            f"{k}={v}" if k == "mask" else f"{k}={v!r}" for k, v in self.params().items()
        )
        return f"{type(self).__name__}({args})"

    def build_mask(self, da: xr.DataArray) -> xr.DataArray:
        """The mask (True = live) this operator applies to `da`.

        Parameters
        ----------
        da : xarray.DataArray
            Seismic data, vertical dim last.

        Returns
        -------
        xarray.DataArray
            Boolean mask over the trace dims, True = live.

        Raises
        ------
        InvalidDataError
            If the mask does not fit the data's trace dims, or the data break the conventions.
        """
        import xarray as xr

        from promethium.core.mask import gap_mask, random_mask

        p = self.parameters
        if p.fraction is not None:
            return random_mask(da, p.fraction, seed=p.seed)
        if p.n_gaps is not None:
            return gap_mask(da, p.n_gaps, p.gap_width or 1, seed=p.seed)
        dims = trace_dims(da)
        if not isinstance(p.mask, xr.DataArray):
            shape = tuple(da.sizes[d] for d in dims)
            if p.mask.shape != shape:
                raise InvalidDataError(
                    f"the KillTraces mask must have the shape {shape} of the trace dims "
                    f"{dims}; got {p.mask.shape}. Pass a DataArray to broadcast over some dims."
                )
            return xr.DataArray(p.mask, dims=dims)
        if not set(p.mask.dims) <= set(dims):
            raise InvalidDataError(
                f"the KillTraces mask must span some of the trace dims {dims}; got "
                f"{tuple(p.mask.dims)}."
            )
        missing = {d: da.sizes[d] for d in dims if d not in p.mask.dims}
        # Labels stay: apply_trace_mask matches them to the data's, never by position.
        return p.mask.expand_dims(missing).transpose(*dims)


class Decimate(_MaskOperator):
    r"""Keep every `keep_every`-th trace (from `offset`) and kill the others.

    Parameters
    ----------
    keep_every : int
        Keep one trace in `keep_every` (2 kills every other trace).
    offset : int
        Index of the first kept trace, in ``[0, keep_every)``.

    Raises
    ------
    ConfigError
        If `keep_every` < 1 or `offset` is outside ``[0, keep_every)``.

    Notes
    -----
    Trace :math:`j` is kept when :math:`(j - \text{offset}) \bmod k = 0`; see
    :class:`KillTraces` and :func:`promethium.regular_mask`.

    Examples
    --------
    >>> import promethium as pm
    >>> from promethium.ops import Decimate
    >>> out = Decimate(keep_every=2)(pm.synthetic_gather(n_traces=8, n_samples=32))
    >>> out.trace_mask.values.tolist()
    [True, False, True, False, True, False, True, False]
    """

    class Params(OperatorParams):
        """Parameters of :class:`Decimate`."""

        keep_every: Integer = Field(2, ge=1, description="Keep one trace in this many.")
        offset: Integer = Field(0, ge=0, description="Index of the first kept trace.")

        @model_validator(mode="after")
        def _offset_below_step(self) -> Decimate.Params:
            if self.offset >= self.keep_every:
                raise ValueError(
                    f"offset must be below keep_every ({self.keep_every}); got {self.offset}"
                )
            return self

    parameters: Params

    def __init__(self, keep_every: int = 2, offset: int = 0) -> None:
        super().__init__(keep_every=keep_every, offset=offset)

    def build_mask(self, da: xr.DataArray) -> xr.DataArray:
        """The regular mask (True = live) applied to `da`.

        Parameters
        ----------
        da : xarray.DataArray
            Seismic data, vertical dim last.

        Returns
        -------
        xarray.DataArray
            Boolean mask over the trace dims, True = live, from :func:`regular_mask`.

        Raises
        ------
        InvalidDataError
            If `keep_every` or `offset` is invalid.
        """
        from promethium.core.mask import regular_mask

        return regular_mask(da, self.parameters.keep_every, self.parameters.offset)
