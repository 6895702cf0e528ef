import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import promethium as pm
from promethium import plot
from promethium.errors import InvalidDataError


def test_comparison_writes_a_png_with_a_difference_panel(tmp_path, gather):
    observed = pm.apply_trace_mask(gather, pm.regular_mask(gather, 2))
    path = tmp_path / "cmp.png"
    fig = plot.plot_comparison(
        {"truth": gather, "observed": observed}, reference="truth", path=path
    )
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [ax.get_title() for ax in fig.axes] == ["truth", "observed", "observed - truth"]
    diff = np.asarray(fig.axes[2].images[0].get_array())
    truth = gather.transpose("time", "offset").values
    live = observed.trace_mask.values
    assert diff.shape == truth.shape and live.any() and not live.all()
    # Live traces are identical to the truth: their difference columns are zero.
    assert np.allclose(diff[:, live], 0.0)
    # Killed traces are zero in `observed`: their difference columns are -truth, not zero.
    dead = np.flatnonzero(~live)[0]
    assert np.abs(diff[:, dead]).max() > 0
    np.testing.assert_allclose(diff[:, ~live], -truth[:, ~live], rtol=1e-6, atol=1e-6)


def test_panel_axes_are_labelled_with_units(gather):
    ax = plot.plot_panel(gather)
    assert ax.get_xlabel() == "offset (m)" and ax.get_ylabel() == "time (ms)"


def test_plots_reject_more_than_one_panel():
    with pytest.raises(InvalidDataError, match="one 2-D panel"):
        plot.plot_panel(pm.synthetic_shots(2, 4, 8))
    with pytest.raises(InvalidDataError, match="reference"):
        plot.plot_comparison({"a": pm.synthetic_gather(4, 8)}, reference="b")


def test_wiggle_draws_one_line_per_trace():
    da = pm.synthetic_gather(n_traces=7, n_samples=32)
    ax = plot.plot_wiggle(da)
    assert len(ax.lines) == 7
    assert ax.get_ylim() == (float(da.time[-1]), 0.0)
