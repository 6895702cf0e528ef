from __future__ import annotations

import json

import numpy as np
import pytest

import promethium as pm
from promethium.io.zarr_info import zarr_info


@pytest.fixture
def output_store(tmp_path):
    """A reconstruction-like output: 2 of 12 positions absent, 3 filled, 1 dead."""
    import xarray as xr

    rng = np.random.default_rng(1)
    data = rng.standard_normal((3, 4, 16)).astype(np.float32)
    trace_index = np.arange(12).reshape(3, 4)
    trace_index[0, 0] = trace_index[2, 3] = -1
    observed = trace_index >= 0
    observed[1, 1] = False  # dead in the input, filled
    filled = np.zeros((3, 4), bool)
    filled[1, 1] = filled[0, 0] = filled[1, 2] = True
    observed[1, 2] = False
    data[2, 3] = 0.0  # absent and unfilled
    data[2, 2] = 0.0  # recorded but dead: neither observed nor filled
    observed[2, 2] = False
    da = xr.DataArray(
        data,
        dims=("iline", "xline", "time"),
        coords={
            "iline": np.array([10, 11, 12]),
            "xline": np.array([100, 102, 104, 110]),
            "time": ("time", np.arange(16) * 2.0, {"units": "ms"}),
            "trace_index": (("iline", "xline"), trace_index),
            "trace_mask": (("iline", "xline"), observed),
            "trace_filled": (("iline", "xline"), filled),
            "cdp_x": (("iline", "xline"), np.arange(12.0).reshape(3, 4) * 25 + 1000,
                      {"units": "m"}),
        },
        attrs={
            "history": "open_segy(survey.sgy)\npromethium: reconstruct(model='linear')",
            "promethium_reconstruction": json.dumps({"model": "linear", "options": {}}),
            "geometry": "3d",
            "geometry_sort_order": "iline-major",
        },
    )  # fmt: skip
    path = tmp_path / "out.zarr"
    pm.to_zarr(da, path)
    return path


def test_zarr_info_reports_traces_history_and_provenance(output_store):
    info = zarr_info(output_store)
    assert info.kind == "Zarr" and info.segy is None
    assert info.dims == {"iline": 3, "xline": 4, "time": 16}
    assert (info.n_traces, info.n_samples, info.sample_interval) == (10, 16, 2.0)
    assert (info.first_sample, info.last_sample, info.units) == (0.0, 30.0, "ms")
    assert (info.geometry, info.sort_order) == ("3d", "iline-major")
    t = info.traces
    assert (t.positions, t.absent, t.missing, t.filled, t.dead) == (12, 2, 5, 3, None)
    assert info.history == ["open_segy(survey.sgy)", "promethium: reconstruct(model='linear')"]
    assert info.provenance == {"model": "linear", "options": {}}
    xline = next(k for k in info.keys if k.name == "xline")
    assert (xline.step, xline.count, xline.describe()) == (2, 4, "irregular: 4 of 6 values")
    cdp_x = info.extents[0]
    # Positions without a trace are left out of the extents: (0, 0) and (2, 3).
    assert (cdp_x.name, cdp_x.min, cdp_x.max, cdp_x.units) == ("cdp_x", 1025.0, 1250.0, "m")
    text = info.to_text()
    assert "3 filled (25.0%)" in text and "5 missing (41.7%)" in text
    assert "provenance:" in text and '"model": "linear"' in text
    assert "  promethium: reconstruct(model='linear')" in text


def test_zarr_info_counts_dead_recorded_traces_only(output_store):
    # (2, 2) is recorded and all zero; (2, 3) is all zero but absent, not dead.
    assert zarr_info(output_store, dead_traces=True).traces.dead == 1


def test_zarr_info_of_a_plain_gather(tmp_path):
    path = tmp_path / "g.zarr"
    pm.to_zarr(pm.synthetic_gather(n_traces=8, n_samples=16), path)
    info = zarr_info(path)
    assert info.geometry == "prestack" and info.fold is None
    assert (info.traces.absent, info.traces.missing, info.traces.filled) == (None, None, None)
    assert json.loads(json.dumps(info.to_dict()))["dims"] == {"offset": 8, "time": 16}


def test_zarr_info_of_a_store_of_several_variables(tmp_path):
    import xarray as xr

    mean = pm.synthetic_gather(n_traces=8, n_samples=16)
    path = tmp_path / "unc.zarr"
    pm.to_zarr(xr.Dataset({"mean": mean, "std": abs(mean) * 0.1}), path)
    info = zarr_info(path)
    assert (info.variables, info.variable) == (["mean", "std"], "mean")
    assert "variables:        mean, std; this summary: mean" in info.to_text()
    assert zarr_info(path, variable="std").variable == "std"
    with pytest.raises(pm.ConfigError, match=r"has no variable 'x'; it holds \['mean', 'std'\]"):
        zarr_info(path, variable="x")
    assert zarr_info(tmp_path / "unc.zarr").dims == {"offset": 8, "time": 16}
