import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr

import promethium as pm
from promethium import plot
from promethium.errors import ConfigError, InvalidDataError


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_panel_axes_carry_coordinates_units_and_a_colorbar(gather):
    ax = plot.plot_panel(gather)
    assert ax.get_xlabel() == "offset (m)" and ax.get_ylabel() == "time (ms)"
    # Cell centres sit on the coordinates: the image spans half a step beyond each end.
    off, t = gather.offset.values, gather.time.values
    left, right, bottom, top = ax.images[0].get_extent()
    step, dt = off[1] - off[0], t[1] - t[0]
    assert (left, right) == pytest.approx((off[0] - step / 2, off[-1] + step / 2))
    assert (top, bottom) == pytest.approx((t[0] - dt / 2, t[-1] + dt / 2))  # time down
    colorbars = [a for a in ax.figure.axes if a is not ax]
    assert len(colorbars) == 1 and colorbars[0].get_ylabel() == "amplitude"


@pytest.mark.parametrize("percentile", [90.0, 99.0, 100.0])
def test_percentile_sets_the_symmetric_colour_limits(gather, percentile):
    ax = plot.plot_panel(gather, percentile=percentile)
    expected = np.percentile(np.abs(gather.values), percentile)
    assert ax.images[0].get_clim() == pytest.approx((-expected, expected))
    assert plot.plot_panel(gather, clip=0.5).images[0].get_clim() == (-0.5, 0.5)


def test_irregular_coordinates_are_drawn_at_their_values():
    da = pm.synthetic_gather(n_traces=4, n_samples=16)
    da = da.assign_coords(offset=("offset", [100.0, 150.0, 300.0, 310.0], {"units": "m"}))
    ax = plot.plot_panel(da, colorbar=False)
    assert not ax.images and len(ax.collections) == 1  # a mesh, not a regular image
    x0, x1 = ax.get_xlim()
    assert (x0, x1) == pytest.approx((75.0, 315.0))  # edges half-way between traces


def test_a_coordinate_without_units_and_a_dim_without_labels():
    da = xr.DataArray(np.ones((3, 8)), dims=("trace", "time"),
                      coords={"time": ("time", np.arange(8) * 2.0, {"units": "ms"})})  # fmt: skip
    ax = plot.plot_panel(da)
    assert ax.get_xlabel() == "trace (index)" and ax.get_ylabel() == "time (ms)"


def test_wiggles_sit_at_their_coordinates():
    da = pm.synthetic_gather(n_traces=5, n_samples=32)
    da[:] = 0.0
    da[2] = np.sin(np.linspace(0, 6, 32))
    ax = plot.plot_wiggle(da, fill=False)
    centres = [float(np.mean(line.get_xdata())) for line in ax.lines]
    for i in (0, 1, 3, 4):  # zero traces are vertical lines at their offsets
        assert centres[i] == float(da.offset[i])
    spacing = float(da.offset[1] - da.offset[0])
    excursion = np.max(np.abs(ax.lines[2].get_xdata() - float(da.offset[2])))
    assert excursion == pytest.approx(spacing)  # scale 1: the peak reaches the next trace
    assert ax.get_xlabel() == "offset (m)" and ax.get_ylabel() == "time (ms)"
    assert ax.get_ylim() == (float(da.time[-1]), 0.0)


def test_wiggle_percentile_clips_the_excursions():
    da = pm.synthetic_gather(n_traces=6, n_samples=64, seed=1)
    ax = plot.plot_wiggle(da, percentile=50, fill=False)
    spacing = float(da.offset[1] - da.offset[0])
    for line, centre in zip(ax.lines, da.offset.values):
        assert np.max(np.abs(line.get_xdata() - centre)) <= spacing + 1e-9


def test_plots_reject_more_than_one_panel_and_bad_percentiles():
    with pytest.raises(InvalidDataError, match="one 2-D panel"):
        plot.plot_panel(pm.synthetic_shots(2, 4, 8))
    with pytest.raises(InvalidDataError, match=r"percentile must be in \(0, 100\]; got 0"):
        plot.plot_panel(pm.synthetic_gather(4, 8), percentile=0)


def test_accessor_plot_kinds(gather):
    assert gather.pm.plot().get_xlabel() == "offset (m)"
    assert len(gather.pm.plot("wiggle").lines) == gather.sizes["offset"]
    assert gather.pm.plot("fk").get_ylabel() == "frequency (Hz)"
    with pytest.raises(ConfigError, match="kind must be one of"):
        gather.pm.plot("contour")
