"""Normalize and Denormalize: invertible amplitude scaling per trace or per gather."""

from __future__ import annotations

__all__ = ["NORM_SCALE", "Denormalize", "Normalize"]

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field

from promethium.errors import InvalidDataError
from promethium.ops.base import BlockContext, Operator
from promethium.ops.params import OperatorParams

if TYPE_CHECKING:
    import xarray as xr

#: Name of the coordinate holding the scale factors.
NORM_SCALE = "norm_scale"


def _scale(data: Any, axis: tuple[int, ...], method: str) -> Any:
    """Scale of `data` over `axis` (NumPy or dask): NaN samples count as zero.

    An empty axis (no traces) has scale zero, as a dead trace does.
    """
    if any(data.shape[a] == 0 for a in axis):
        return np.zeros(tuple(n for i, n in enumerate(data.shape) if i not in axis))
    clean = np.where(np.isnan(data), 0.0, data).astype(np.float64)
    if method == "max":
        return np.max(np.abs(clean), axis=axis)
    return np.sqrt(np.mean(clean * clean, axis=axis))


def _divide(data: Any, scale: Any) -> Any:
    """`data / scale`, and zero where the scale is zero (dead traces stay zero)."""
    live = scale > 0
    return np.where(live, data / np.where(live, scale, 1.0), 0.0)


class Normalize(Operator):
    r"""Divide each trace (or each gather) by its RMS or peak amplitude, invertibly.

    The scale factors are kept as the coordinate ``norm_scale``, so
    :class:`Denormalize` (or :meth:`Normalize.inverse`) restores the amplitudes.

    Parameters
    ----------
    scope : {"trace", "gather"}
        ``"trace"``: one factor per trace, ``norm_scale`` over the trace dims.
        ``"gather"``: one factor per 2-D panel (trace x vertical), ``norm_scale`` over
        the batch dims (a scalar for 2-D data).
    method : {"rms", "max"}
        Root-mean-square or peak absolute amplitude.

    Raises
    ------
    ConfigError
        If `scope` or `method` is unknown.

    See Also
    --------
    Denormalize : the inverse.

    Notes
    -----
    For a trace (or gather) :math:`x` of :math:`N` samples,

    .. math:: s = \sqrt{\tfrac{1}{N} \textstyle\sum_i x_i^2} \quad \text{(rms)},
              \qquad s = \max_i |x_i| \quad \text{(max)},
              \qquad y = x / s,

    with NaN samples counted as zero. Where :math:`s = 0` (a dead trace) the output
    is zero, never NaN. Normalizing normalized data multiplies the stored factors, so
    one :class:`Denormalize` undoes both.

    Examples
    --------
    >>> import numpy as np, promethium as pm
    >>> from promethium.ops import Denormalize, Normalize
    >>> da = pm.synthetic_gather(n_traces=8, n_samples=64)
    >>> out = Normalize(method="max")(da)
    >>> float(abs(out).max())
    1.0
    >>> bool(np.allclose(Denormalize()(out), da, atol=1e-6))
    True
    """

    class Params(OperatorParams):
        """Parameters of :class:`Normalize`."""

        scope: Literal["trace", "gather"] = Field(
            "trace", description="One factor per trace, or per 2-D gather."
        )
        method: Literal["rms", "max"] = Field(
            "rms", description="Root-mean-square or peak absolute amplitude."
        )

    parameters: Params
    writes_coords = (NORM_SCALE,)

    def __init__(self, scope: str = "trace", method: str = "rms") -> None:
        super().__init__(scope=scope, method=method)

    def _axes(self, ndim: int) -> tuple[int, ...]:
        return (ndim - 1,) if self.parameters.scope == "trace" else (ndim - 2, ndim - 1)

    def transform(self, data: np.ndarray, context: BlockContext) -> np.ndarray:
        """Normalize a block holding whole traces (or whole gathers)."""
        axes = self._axes(data.ndim)
        scale = np.expand_dims(_scale(data, axes, self.parameters.method), axes)
        return _divide(data, scale)

    def apply(self, da: xr.DataArray) -> xr.DataArray:
        """Normalize lazily and attach the factors as the ``norm_scale`` coordinate.

        Returns
        -------
        xarray.DataArray
            The normalized data with a ``norm_scale`` coordinate holding the factors
            that undo it, lazy when `da` is.
        """
        import xarray as xr

        axes = self._axes(da.ndim)
        scale = _scale(da.data, axes, self.parameters.method)
        dims = tuple(d for i, d in enumerate(da.dims) if i not in axes)
        data = _divide(da.data, np.expand_dims(scale, axes)).astype(self.output_dtype(da))
        factors = xr.DataArray(scale, dims=dims)
        if NORM_SCALE in da.coords:
            factors = factors * da.coords[NORM_SCALE].reset_coords(drop=True)
            factors = factors.transpose(*[d for d in da.dims if d in factors.dims])
        factors.attrs = {
            "long_name": "amplitude scale removed by Normalize",
            "scope": self.parameters.scope,
            "method": self.parameters.method,
        }
        return da.copy(data=data).assign_coords({NORM_SCALE: factors.variable})

    @staticmethod
    def inverse(da: xr.DataArray) -> xr.DataArray:
        """Restore the amplitudes of normalized data: ``Denormalize()(da)``.

        Parameters
        ----------
        da : xarray.DataArray
            Output of :class:`Normalize`, with its ``norm_scale`` coordinate.

        Returns
        -------
        xarray.DataArray
            The data at their original amplitudes, history recorded.

        Raises
        ------
        InvalidDataError
            If the data have no ``norm_scale`` coordinate.
        """
        return Denormalize()(da)


class Denormalize(Operator):
    r"""Multiply by the ``norm_scale`` factors that :class:`Normalize` stored, and drop them.

    Raises
    ------
    InvalidDataError
        If the data carry no ``norm_scale`` coordinate.

    Notes
    -----
    :math:`x = s\,y`: exact up to floating-point rounding; dead traces stay zero.

    Examples
    --------
    >>> import promethium as pm
    >>> from promethium.ops import Denormalize, Normalize
    >>> da = pm.synthetic_gather(n_traces=8, n_samples=64)
    >>> "norm_scale" in Denormalize()(Normalize()(da)).coords
    False
    """

    coords_needed = (NORM_SCALE,)
    writes_coords = (NORM_SCALE,)

    def __init__(self) -> None:
        super().__init__()

    def transform(self, data: np.ndarray, context: BlockContext) -> np.ndarray:
        """Multiply a block by the ``norm_scale`` factors broadcast to it."""
        return data * context.coords[NORM_SCALE]

    def check(self, da: xr.DataArray) -> None:
        """Refuse data without ``norm_scale`` factors that fit them.

        Parameters
        ----------
        da : xarray.DataArray
            The data about to be denormalized.

        Raises
        ------
        InvalidDataError
            If the data have no ``norm_scale`` coordinate, or it has dims the data lack.
        """
        if NORM_SCALE not in da.coords:
            raise InvalidDataError(
                f"the data have no {NORM_SCALE!r} coordinate, so there is nothing to "
                "undo; Denormalize inverts pm.ops.Normalize, whose output carries it."
            )
        scale = da.coords[NORM_SCALE].reset_coords(drop=True)
        missing = set(scale.dims) - set(da.dims)
        if missing:
            raise InvalidDataError(
                f"coordinate {NORM_SCALE!r} has dims {sorted(missing)} that the data lack."
            )

    def apply(self, da: xr.DataArray) -> xr.DataArray:
        """Multiply lazily by the factors (which may be lazy too) and drop them.

        Returns
        -------
        xarray.DataArray
            The data multiplied by ``norm_scale``, the coordinate dropped.
        """
        scale = da.coords[NORM_SCALE].reset_coords(drop=True)
        product = (da.reset_coords(drop=True).variable * scale.variable).transpose(*da.dims)
        data = product.data.astype(self.output_dtype(da))
        return da.copy(data=data).drop_vars(NORM_SCALE)
