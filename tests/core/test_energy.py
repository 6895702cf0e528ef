"""weak_fills: filled traces far weaker than the live traces around them."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from promethium.core.energy import warn_weak_fills, weak_fills
from promethium.errors import PromethiumWarning


def _panel(scales, live, filled, n_samples=16):
    rng = np.random.default_rng(0)
    data = rng.standard_normal((len(scales), n_samples))
    data /= np.sqrt((data**2).mean(-1, keepdims=True))
    data *= np.asarray(scales)[:, None]
    return xr.DataArray(data, dims=("trace", "time")).assign_coords(
        trace_mask=("trace", np.asarray(live)), trace_filled=("trace", np.asarray(filled))
    )


def test_weak_is_relative_to_the_nearest_live_traces():
    # amplitude decays along the line: a fill at the quiet end is judged there
    live = [True, True, True, False, True, True, True, False, True, True]
    filled = [not x for x in live]
    scales = [100, 100, 100, 20, 100, 1, 1, 0.5, 1, 1]
    assert not weak_fills(_panel(scales, live, filled)).values.any()
    scales[7] = 0.05  # 5 % of its neighbours' RMS
    scales[3] = 5  # its nearest live traces: 100, 100, 100, 1 -> reference 100
    weak = weak_fills(_panel(scales, live, filled)).values
    assert np.flatnonzero(weak).tolist() == [3, 7]


def test_a_gather_without_live_traces_uses_the_block_median():
    data = np.ones((2, 4, 8))
    data[1] = 0.0
    da = xr.DataArray(data, dims=("shot", "trace", "time")).assign_coords(
        trace_mask=(("shot", "trace"), np.array([[True] * 4, [False] * 4])),
        trace_filled=(("shot", "trace"), np.array([[False] * 4, [True] * 4])),
    )
    assert weak_fills(da).values.tolist() == [[False] * 4, [True] * 4]
    lazy = weak_fills(da.chunk({"time": 3}))
    assert lazy.chunks is not None
    assert lazy.values.tolist() == [[False] * 4, [True] * 4]


def test_without_trace_filled_nothing_is_weak():
    da = xr.DataArray(np.zeros((3, 4)), dims=("trace", "time"))
    assert not weak_fills(da.assign_coords(trace_mask=("trace", [True, False, True]))).any()


def test_warning_gives_the_count():
    with pytest.warns(PromethiumWarning, match=r"3 of 7 filled trace\(s\) have less than 1%"):
        warn_weak_fills(3, 7)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_weak_fills(0, 7)
