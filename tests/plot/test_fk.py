import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr

from promethium import plot


def _plane_wave(f0, p, dx=10.0, units="m"):
    x = np.arange(64) * dx
    t = np.arange(256) * 0.004
    data = np.cos(2 * np.pi * f0 * (t[None, :] - p * x[:, None] / dx * 10.0))
    return xr.DataArray(data, dims=("offset", "time"),
                        coords={"offset": ("offset", x, {"units": units}),
                                "time": ("time", t * 1000, {"units": "ms"})})  # fmt: skip


@pytest.mark.parametrize(("f0", "p"), [(25.0, 0.0005), (40.0, -0.0003), (12.5, 0.0)])
def test_a_plane_wave_peaks_at_its_frequency_and_wavenumber(f0, p):
    fk = plot.fk_spectrum(_plane_wave(f0, p))
    i, j = np.unravel_index(int(fk.values.argmax()), fk.shape)
    df, dk = fk.frequency.values[1], fk.wavenumber.values[1] - fk.wavenumber.values[0]
    assert abs(fk.frequency.values[j] - f0) <= df
    assert abs(fk.wavenumber.values[i] - f0 * p) <= dk  # k = f p, geophysical sign
    assert fk.frequency.attrs["units"] == "Hz" and fk.wavenumber.attrs["units"] == "1/m"
    assert float(fk.max()) == 0.0 and fk.frequency.values[-1] == pytest.approx(125.0)


def test_feet_are_converted_and_other_units_fall_back_to_cycles_per_trace():
    in_feet = plot.fk_spectrum(_plane_wave(25.0, 0.0, units="ft"))
    assert in_feet.wavenumber.values.max() == pytest.approx(1 / (2 * 10 * 0.3048), rel=0.05)
    unitless = plot.fk_spectrum(_plane_wave(25.0, 0.0, units="degree"))
    assert unitless.wavenumber.attrs["units"] == "1/trace"


def test_plot_fk_labels_and_colorbar():
    ax = plot.plot_fk(_plane_wave(25.0, 0.0005), title="fk")
    assert ax.get_xlabel() == "wavenumber (1/m)" and ax.get_ylabel() == "frequency (Hz)"
    assert ax.images[0].get_clim() == (plot.fk.FK_FLOOR_DB, 0.0)
    assert [a.get_ylabel() for a in ax.figure.axes[1:]] == ["amplitude (dB)"]
    plt.close("all")
