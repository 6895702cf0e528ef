from __future__ import annotations

import shutil

import dask.array as dsa
import numpy as np
import pytest
import xarray as xr

from promethium.io.backend import PromethiumBackendEntrypoint
from promethium.io.segy import open_segy


def test_entry_point_is_registered():
    assert "promethium" in xr.backends.list_engines()


def test_guess_can_open_by_content(cube_file, tmp_path):
    backend = PromethiumBackendEntrypoint()
    dat = tmp_path / "survey.dat"
    shutil.copy(cube_file, dat)
    fake = tmp_path / "fake.sgy"
    fake.write_text("not seismic\n" * 500)
    assert backend.guess_can_open(str(dat))
    assert not backend.guess_can_open(str(fake))
    assert not backend.guess_can_open(str(tmp_path / "absent.sgy"))


def test_open_dataarray_matches_open_segy(cube_file, tmp_path):
    dat = tmp_path / "survey.dat"
    shutil.copy(cube_file, dat)
    da = xr.open_dataarray(dat, engine="promethium")
    ref = open_segy(cube_file).compute()
    assert da.dims == ref.dims and da.attrs["geometry"] == "3d"
    np.testing.assert_array_equal(da.values, ref.values)
    np.testing.assert_array_equal(
        da.isel(iline=[0, 2], xline=slice(1, 4), time=5).values,
        ref.isel(iline=[0, 2], xline=slice(1, 4), time=5).values,
    )
    np.testing.assert_array_equal(da.trace_mask.values, ref.trace_mask.values)


def test_chunks_give_dask(cube_file):
    da = xr.open_dataarray(cube_file, engine="promethium", chunks={})
    assert isinstance(da.data, dsa.Array)
    np.testing.assert_array_equal(da.values, open_segy(cube_file).values)


def test_open_dataset_keywords_and_drop_variables(make_segy, rng):
    headers = {17: np.repeat(np.arange(3), 4), 21: np.tile(np.arange(4), 3), 181: np.arange(12)}
    path = make_segy("odd.sgy", headers, rng.normal(size=(12, 8)))
    ds = xr.open_dataset(path, engine="promethium", iline=17, xline=21, drop_variables="cdp_x")
    assert list(ds.data_vars) == ["amplitude"]
    assert ds.amplitude.dims == ("iline", "xline", "time")
    assert "cdp_x" not in ds.variables


def test_unrecognized_file_is_refused(tmp_path):
    fake = tmp_path / "fake.sgy"
    fake.write_text("not seismic\n" * 500)
    with pytest.raises(ValueError, match=r"fake\.sgy"):
        xr.open_dataarray(fake, engine="promethium")
