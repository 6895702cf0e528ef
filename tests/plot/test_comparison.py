import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import promethium as pm
from promethium import plot
from promethium.errors import InvalidDataError


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_comparison_writes_a_png_with_a_difference_panel(tmp_path, gather):
    observed = pm.apply_trace_mask(gather, pm.regular_mask(gather, 2))
    path = tmp_path / "cmp.png"
    fig = plot.plot_comparison(
        {"truth": gather, "observed": observed}, reference="truth", path=path
    )
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    panels, colorbar = fig.axes[:3], fig.axes[3:]
    assert [ax.get_title() for ax in panels] == ["truth", "observed", "observed - truth"]
    assert [ax.get_xlabel() for ax in panels] == ["offset (m)"] * 3
    assert [cb.get_ylabel() for cb in colorbar] == ["amplitude"]
    diff = np.asarray(panels[2].images[0].get_array())
    truth = gather.transpose("time", "offset").values
    live = observed.trace_mask.values
    assert diff.shape == truth.shape and live.any() and not live.all()
    assert np.allclose(diff[:, live], 0.0)  # live traces are identical to the truth
    np.testing.assert_allclose(diff[:, ~live], -truth[:, ~live], rtol=1e-6, atol=1e-6)
    # One colour scale for all panels: the truth's 99th percentile.
    limit = np.percentile(np.abs(gather.values.astype(np.float64)), 99)
    for ax in panels:
        assert ax.images[0].get_clim() == pytest.approx((-limit, limit))


def test_comparison_with_fk_row(gather):
    fig = plot.plot_comparison({"a": gather, "b": gather * 2}, fk=True, percentile=95)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:4] == ["a", "b", "f-k: a", "f-k: b"]
    assert [ax.get_ylabel() for ax in fig.axes[2:4]] == ["frequency (Hz)"] * 2
    assert sorted(ax.get_ylabel() for ax in fig.axes[4:]) == ["amplitude", "amplitude (dB)"]


def test_comparison_rejects_bad_input():
    with pytest.raises(InvalidDataError, match="reference"):
        plot.plot_comparison({"a": pm.synthetic_gather(4, 8)}, reference="b")
    with pytest.raises(InvalidDataError, match="at least one panel"):
        plot.plot_comparison({})
