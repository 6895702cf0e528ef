"""KillTraces and Decimate: remove traces by a mask, recorded in ``trace_mask``."""

from __future__ import annotations

__all__ = ["Decimate", "KillTraces"]

from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core.dims import trace_dims
from promethium.errors import ConfigError, InvalidDataError
from promethium.ops._params import check_number
from promethium.ops.base import WholeArrayOperator

if TYPE_CHECKING:
    import xarray as xr


class KillTraces(WholeArrayOperator):
    r"""Set the traces where a mask is False to zero, and record them in ``trace_mask``.

    Give exactly one of: a `mask`; a random `fraction` (with `seed`); or `n_gaps` gaps
    of `gap_width` traces (with `seed`). The mask is combined (AND) with any
    ``trace_mask`` the data carry.

    Parameters
    ----------
    mask : xarray.DataArray or numpy.ndarray, optional
        Boolean, over the trace dims (every dim but the vertical one), True = live.
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
        When applied, if the mask does not match the data's trace dims.

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

    def __init__(
        self,
        mask: xr.DataArray | np.ndarray | None = None,
        *,
        fraction: float | None = None,
        n_gaps: int | None = None,
        gap_width: int | None = None,
        seed: int | None = 0,
    ) -> None:
        given = [mask is not None, fraction is not None, n_gaps is not None]
        if sum(given) != 1 or (n_gaps is None) != (gap_width is None):
            raise ConfigError(
                "KillTraces needs exactly one of: mask=..., fraction=..., or n_gaps=... "
                "together with gap_width=...."
            )
        if fraction is not None:
            check_number(fraction, what="KillTraces fraction", minimum=0.0)
            if fraction >= 1.0:
                raise ConfigError(f"KillTraces fraction must be below 1; got {fraction!r}.")
        if n_gaps is not None:
            check_number(n_gaps, what="KillTraces n_gaps", minimum=0, integer=True)
            check_number(gap_width, what="KillTraces gap_width", minimum=1, integer=True)
        self.mask = mask
        self.fraction = fraction
        self.n_gaps = n_gaps
        self.gap_width = gap_width
        self.seed = seed

    def params(self) -> dict[str, Any]:
        """Parameters for the history; an explicit mask is summarized, not listed.

        Returns
        -------
        dict of str to Any
            The parameters that are set, an explicit mask as its count of dead traces.
        """
        out = {k: v for k, v in super().params().items() if v is not None}
        if self.mask is not None:
            values = np.asarray(self.mask, dtype=bool)
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

        dims = trace_dims(da)
        if self.fraction is not None:
            return random_mask(da, self.fraction, seed=self.seed)
        if self.n_gaps is not None:
            return gap_mask(da, int(self.n_gaps), int(self.gap_width or 1), seed=self.seed)
        expected = {d: da.sizes[d] for d in dims}
        mask = self.mask
        if not isinstance(mask, xr.DataArray):
            values = np.asarray(mask)
            if values.shape != tuple(expected.values()):
                raise InvalidDataError(
                    f"the KillTraces mask must have the shape {tuple(expected.values())} of "
                    f"the trace dims {dims}; got {values.shape}. Pass a DataArray to "
                    "broadcast over some dims."
                )
            mask = xr.DataArray(values, dims=dims)
        bad_dims = not set(mask.dims) <= set(dims)
        if (
            mask.dtype != bool
            or bad_dims
            or any(mask.sizes[d] != expected[str(d)] for d in mask.dims)
        ):
            raise InvalidDataError(
                f"the KillTraces mask must be boolean over dims {expected} (True = live); "
                f"got dtype {mask.dtype} over {dict(mask.sizes)}."
            )
        mask = mask.drop_vars(list(mask.coords))
        missing = {d: expected[d] for d in dims if d not in mask.dims}
        return mask.expand_dims(missing).transpose(*dims)

    def apply(self, da: xr.DataArray) -> xr.DataArray:
        """Zero the dead traces lazily and attach the combined ``trace_mask``.

        Returns
        -------
        xarray.DataArray
            The data with dead traces zeroed and the combined ``trace_mask``, lazy when
            `da` is.

        Raises
        ------
        InvalidDataError
            If the mask does not fit the data's trace dims.
        """
        from promethium.core.mask import apply_trace_mask

        out = apply_trace_mask(da, self.build_mask(da))
        return out.astype(self.output_dtype(da), keep_attrs=True)


class Decimate(KillTraces):
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

    def __init__(self, keep_every: int = 2, offset: int = 0) -> None:
        check_number(keep_every, what="Decimate keep_every", minimum=1, integer=True)
        check_number(offset, what="Decimate offset", minimum=0, integer=True)
        if offset >= keep_every:
            raise ConfigError(
                f"Decimate offset must be below keep_every ({keep_every}); got {offset}."
            )
        self.keep_every = int(keep_every)
        self.offset = int(offset)

    def params(self) -> dict[str, Any]:
        """Parameters for the history.

        Returns
        -------
        dict of str to Any
            ``keep_every`` and ``offset``.
        """
        return {"keep_every": self.keep_every, "offset": self.offset}

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

        return regular_mask(da, self.keep_every, self.offset)
