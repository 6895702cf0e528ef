"""Small SEG-Y files for the command-line tests."""

from __future__ import annotations

import numpy as np
import pytest

import promethium as pm


@pytest.fixture
def survey(tmp_path):
    """A SEG-Y shot gather (32 offsets, 96 samples at 4 ms) with 25% of traces dead."""
    da = pm.synthetic_gather(n_traces=32, n_samples=96, seed=5)
    holed = pm.apply_trace_mask(da, pm.random_mask(da, 0.25, seed=1))
    path = tmp_path / "line.sgy"
    pm.to_segy(holed, path)
    return path


@pytest.fixture
def cube(tmp_path):
    """A 6 x 8 SEG-Y cube (iline 1000..1005, xline 20..34 step 2), 40 samples at 2 ms."""
    import xarray as xr

    rng = np.random.default_rng(3)
    da = xr.DataArray(
        rng.standard_normal((6, 8, 40)).astype(np.float32),
        dims=("iline", "xline", "time"),
        coords={"iline": np.arange(1000, 1006), "xline": np.arange(20, 36, 2),
                "time": ("time", np.arange(40) * 2.0, {"units": "ms"})},
    )  # fmt: skip
    path = tmp_path / "cube.sgy"
    pm.to_segy(da, path)
    return path
