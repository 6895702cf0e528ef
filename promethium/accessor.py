"""The ``da.pm`` accessor: Promethium's verbs on any seismic DataArray.

Importing this module registers the accessor with xarray and does nothing else; the
methods import what they need when called.

Examples
--------
>>> import promethium as pm
>>> da = pm.synthetic_gather(n_traces=8, n_samples=16)
>>> da.pm.sample_interval()
0.004
>>> da.pm.trace_dim
'offset'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import xarray as xr

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes

    from promethium.registry import Registry

__all__ = ["PromethiumAccessor"]


@xr.register_dataarray_accessor("pm")
class PromethiumAccessor:
    """Promethium methods on a DataArray, as ``da.pm.<method>``.

    Registered with xarray when :mod:`promethium` is imported; not built directly.

    Parameters
    ----------
    da : xarray.DataArray
        The DataArray the accessor is attached to.
    """

    def __init__(self, da: xr.DataArray) -> None:
        self._da = da

    def reconstruct(
        self,
        model: str = "auto",
        *,
        keep_observed: bool = True,
        registry: Registry | None = None,
        config: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> xr.DataArray | xr.Dataset:
        """Fill the missing traces: :func:`promethium.reconstruct` on this DataArray.

        Parameters
        ----------
        model : str, default "auto"
            A registered model name, or ``"plugin:name"``.
        keep_observed : bool
            Keep the live traces exactly as in the input.
        registry : Registry, optional
            Where to look the model up; the installed plugins' registry by default.
        config : mapping, optional
            Overrides of the model's configuration.
        **options
            Options of the model's ``reconstruct``.

        Returns
        -------
        xarray.DataArray or xarray.Dataset
            As for :func:`promethium.reconstruct`.

        Raises
        ------
        ModelNotFoundError
            If no model has that name.
        ConfigError
            For an option or config key the model does not accept.
        InvalidDataError
            If the data break the conventions or every trace is missing.

        Examples
        --------
        >>> out = da.pm.reconstruct("linear")  # doctest: +SKIP
        """
        from promethium.reconstruct import reconstruct

        return reconstruct(
            self._da, model, keep_observed=keep_observed, registry=registry, config=config,
            **options,
        )  # fmt: skip

    def plot(self, kind: str = "image", ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Plot this 2-D panel in real coordinates (see :mod:`promethium.plot`).

        Parameters
        ----------
        kind : {"image", "wiggle", "fk"}, default "image"
            An amplitude image with a colorbar (:func:`~promethium.plot.plot_panel`),
            wiggle traces (:func:`~promethium.plot.plot_wiggle`) or the f-k spectrum
            (:func:`~promethium.plot.plot_fk`).
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure is made when omitted.
        **kwargs
            Passed on, e.g. ``percentile=98``, ``cmap="gray_r"``, ``title="raw"``.

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on, labelled with the coordinates and their units.

        Raises
        ------
        InvalidDataError
            If the data are not one 2-D panel with the vertical dim last.
        ConfigError
            If `kind` is unknown.

        Examples
        --------
        >>> import promethium as pm
        >>> ax = pm.synthetic_gather(n_traces=8, n_samples=32).pm.plot(percentile=98)
        >>> ax.get_xlabel(), ax.get_ylabel()
        ('offset (m)', 'time (ms)')
        >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
        """
        from promethium.errors import ConfigError
        from promethium.plot import plot_fk, plot_panel, plot_wiggle

        plotters = {"image": plot_panel, "wiggle": plot_wiggle, "fk": plot_fk}
        if kind not in plotters:
            raise ConfigError(f"kind must be one of {sorted(plotters)}; got {kind!r}.")
        return plotters[kind](self._da, ax, **kwargs)  # type: ignore[operator]

    @property
    def trace_mask(self) -> xr.DataArray:
        """The live-trace mask: the ``trace_mask`` coordinate, or the inferred one."""
        from promethium.core.mask import get_trace_mask

        return get_trace_mask(self._da)

    def with_trace_mask(self, mask: xr.DataArray | np.ndarray) -> xr.DataArray:
        """Return the data with `mask` attached as ``trace_mask``.

        Parameters
        ----------
        mask : xarray.DataArray or numpy.ndarray
            Boolean mask over the trace dims, True = live.

        Returns
        -------
        xarray.DataArray
            A copy with the ``trace_mask`` coordinate; samples unchanged.

        Raises
        ------
        InvalidDataError
            If `mask` does not span the trace dims with their sizes.

        Examples
        --------
        >>> import promethium as pm
        >>> da = pm.synthetic_gather(n_traces=3, n_samples=8)
        >>> da.pm.with_trace_mask([True, False, True]).pm.trace_mask.values.tolist()
        [True, False, True]
        """
        from promethium.core.mask import with_trace_mask

        return with_trace_mask(self._da, mask)

    def apply_trace_mask(self, mask: xr.DataArray | np.ndarray, fill: float = 0.0) -> xr.DataArray:
        """Kill the traces where `mask` is False (see :func:`promethium.apply_trace_mask`).

        Parameters
        ----------
        mask : xarray.DataArray or numpy.ndarray
            Boolean mask over the trace dims, True = keep.
        fill : float, default 0.0
            Value written into the killed traces.

        Returns
        -------
        xarray.DataArray
            A copy with the killed traces set to `fill` and the combined ``trace_mask``.

        Raises
        ------
        InvalidDataError
            If `mask` does not span the trace dims with their sizes.

        Examples
        --------
        >>> import promethium as pm
        >>> da = pm.synthetic_gather(n_traces=3, n_samples=8)
        >>> out = da.pm.apply_trace_mask([True, False, True])
        >>> float(abs(out.isel(offset=1)).sum())
        0.0
        """
        from promethium.core.mask import apply_trace_mask

        return apply_trace_mask(self._da, mask, fill)

    def sample_interval(self, unit: str | None = None) -> float:
        """The vertical sample interval (seconds or metres unless `unit` is given).

        Parameters
        ----------
        unit : str, optional
            Unit of the result; seconds for a time axis and metres for a depth axis
            by default.

        Returns
        -------
        float
            The constant spacing of the vertical coordinate.

        Raises
        ------
        InvalidDataError
            If the axis has fewer than two samples or is irregular.
        UnitError
            If the coordinate's unit is missing, unknown, or not convertible to `unit`.

        Examples
        --------
        >>> import promethium as pm
        >>> pm.synthetic_gather(n_traces=2, n_samples=8).pm.sample_interval("ms")
        4.0
        """
        from promethium.core.axis import sample_interval

        return sample_interval(self._da, unit)

    @property
    def vertical_dim(self) -> str:
        """Name of the vertical dim (``time`` or ``depth``)."""
        from promethium.core.dims import vertical_dim

        return vertical_dim(self._da)

    @property
    def trace_dim(self) -> str:
        """Name of the trace dim (the one before the vertical dim)."""
        from promethium.core.dims import trace_dim

        return trace_dim(self._da)

    def validate(self) -> xr.DataArray:
        """Check the data conventions (see :func:`promethium.validate`); return the data.

        Returns
        -------
        xarray.DataArray
            The same DataArray, unchanged, so calls can be chained.

        Raises
        ------
        InvalidDataError
            If the dims, coordinates or trace mask break the conventions.
        UnitError
            If the vertical coordinate has no known unit.
        """
        from promethium.core.validate import validate

        return validate(self._da)
