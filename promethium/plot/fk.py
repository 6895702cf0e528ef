"""The f-k (frequency-wavenumber) amplitude spectrum of a panel."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from promethium.core.dims import trace_dim, vertical_dim
from promethium.errors import UnitError
from promethium.plot.coords import as_panel, axis_values, cell_edges

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.axes import Axes

__all__ = ["FK_FLOOR_DB", "fk_spectrum", "plot_fk"]

#: Lowest level of f-k spectra, in dB below the peak.
FK_FLOOR_DB = -60.0


def fk_spectrum(da: xr.DataArray) -> xr.DataArray:
    """The f-k amplitude spectrum of a panel, in dB below its peak.

    Frequencies run from 0 to Nyquist in Hz (time axes) or cycles per metre (depth
    axes); wavenumbers are centred on 0, in cycles per metre when the trace
    coordinate is regular with a length unit, else in cycles per trace. The sign
    follows the geophysical convention (transform kernel ``exp(-2 pi i (f t - k x))``): an
    event whose time increases with the trace coordinate by ``p`` per unit shows at
    ``k = f p > 0``.

    Parameters
    ----------
    da : xarray.DataArray
        A 2-D panel, vertical dim last, with a vertical coordinate in a known unit.

    Returns
    -------
    xarray.DataArray
        Dims ``("wavenumber", "frequency")``, values in dB (0 at the peak, floored
        at -120 dB), coordinates with ``units``.

    Raises
    ------
    InvalidDataError
        If `da` is not 2-D with its vertical dim last.
    UnitError
        If the vertical coordinate's unit is unknown.

    Examples
    --------
    >>> from promethium.synthetic import synthetic_gather
    >>> fk = fk_spectrum(synthetic_gather(n_traces=16, n_samples=64))
    >>> fk.dims, fk.frequency.attrs["units"], float(fk.max())
    (('wavenumber', 'frequency'), 'Hz', 0.0)
    """
    import xarray as xr

    from promethium.core.axis import sample_interval
    from promethium.core.units import convert, is_time_unit

    da = as_panel(da)
    tdim, vdim = trace_dim(da), vertical_dim(da)
    values = np.nan_to_num(np.asarray(da.values, dtype=np.float64))
    vunit = str(da.coords[vdim].attrs.get("units", ""))
    step = sample_interval(da, "s" if is_time_unit(vunit, what=vdim) else "m")
    funit = "Hz" if is_time_unit(vunit, what=vdim) else "1/m"
    dx, kunit = 1.0, "1/trace"
    x = axis_values(da, tdim)
    xunit = str(da.coords[tdim].attrs.get("units", "")) if tdim in da.coords else ""
    if xunit and x.size > 1 and np.allclose(np.diff(x), np.diff(x)[0]) and np.diff(x)[0]:
        try:
            dx, kunit = abs(float(convert(np.diff(x)[0], xunit, "m"))), "1/m"
        except UnitError:  # a unit that is not a length: keep cycles per trace
            dx, kunit = 1.0, "1/trace"
    spectrum = np.fft.fftshift(np.fft.ifft(np.fft.rfft(values, axis=1), axis=0), axes=0)
    amplitude = np.abs(spectrum)
    peak = amplitude.max() or 1.0
    db = 20 * np.log10(np.maximum(amplitude / peak, 1e-6))
    return xr.DataArray(
        db,
        dims=("wavenumber", "frequency"),
        coords={
            "wavenumber": ("wavenumber", np.fft.fftshift(np.fft.fftfreq(x.size, dx)),
                           {"units": kunit}),
            "frequency": ("frequency", np.fft.rfftfreq(values.shape[1], step), {"units": funit}),
        },
        name="f-k amplitude",
        attrs={"units": "dB"},
    )  # fmt: skip


def plot_fk(
    da: xr.DataArray,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    floor: float = FK_FLOOR_DB,
    colorbar: bool = True,
) -> Axes:
    """Show the f-k amplitude spectrum of a panel (see :func:`fk_spectrum`).

    Parameters
    ----------
    da : xarray.DataArray
        A 2-D panel, vertical dim last.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made when omitted.
    title : str, optional
        Axes title.
    floor : float, default -60.0
        Lowest level shown, in dB below the peak.
    colorbar : bool, default True
        Add a colorbar in dB.

    Returns
    -------
    matplotlib.axes.Axes
        Wavenumber across, frequency up, both labelled with units.

    Raises
    ------
    InvalidDataError
        If `da` is not 2-D with its vertical dim last.
    """
    import matplotlib.pyplot as plt

    fk = fk_spectrum(da)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    k, f = fk.wavenumber.values, fk.frequency.values
    ke, fe = cell_edges(k), cell_edges(f)
    image = ax.imshow(fk.values.T, aspect="auto", origin="lower", cmap="magma",
                      vmin=floor, vmax=0.0, extent=(ke[0], ke[-1], fe[0], fe[-1]))  # fmt: skip
    ax.set_xlabel(f"wavenumber ({fk.wavenumber.attrs['units']})")
    ax.set_ylabel(f"frequency ({fk.frequency.attrs['units']})")
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="amplitude (dB)")
    return ax
