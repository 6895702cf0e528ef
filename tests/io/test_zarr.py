import os

import dask
import dask.array as dska
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.errors import ConfigError, InvalidDataError
from promethium.io.zarr import ZarrWrite, open_zarr, to_zarr


def _survey(shape=(2, 6, 10), dtype="float32", name="amplitude"):
    n_batch, n_trace, n_time = shape
    data = np.arange(np.prod(shape)).reshape(shape).astype(dtype)
    da = xr.DataArray(
        data,
        dims=("iline", "xline", "time"),
        coords={
            "iline": ("iline", np.arange(n_batch) + 10),
            "xline": ("xline", np.arange(n_trace) + 100, {"units": "1"}),
            "time": ("time", np.arange(n_time) * 2.0, {"units": "ms"}),
            "cdp_x": (
                ("iline", "xline"),
                np.random.default_rng(0).random(shape[:2]),
                {"units": "m"},
            ),
        },
        name=name,
        attrs={"units": "1", "history": "promethium: read\npromethium: Normalize()"},
    )
    mask = np.ones(shape[:2], dtype=bool)
    mask[0, 0] = False
    return pm.with_trace_mask(da, mask)


def _leftovers(directory):
    return [p for p in os.listdir(directory) if ".tmp-" in p or ".old-" in p]


def test_round_trip_keeps_everything(tmp_path):
    da = _survey()
    path = to_zarr(da, tmp_path / "s.zarr")
    assert path == tmp_path / "s.zarr"
    out = open_zarr(path)
    assert isinstance(out, xr.DataArray) and isinstance(out.data, dska.Array)
    xr.testing.assert_identical(out.compute(), da)
    assert out.coords["cdp_x"].dims == ("iline", "xline")
    assert out.coords["trace_mask"].dtype == bool
    assert out.time.attrs["units"] == "ms" and out.attrs["history"] == da.attrs["history"]
    assert _leftovers(tmp_path) == []


def test_unnamed_array_keeps_no_name(tmp_path):
    da = _survey(name=None)
    out = open_zarr(to_zarr(da, tmp_path / "s.zarr"), chunks=None)
    assert out.name is None and isinstance(out.data, np.ndarray)
    xr.testing.assert_identical(out, da)


@settings(max_examples=15, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 3), st.integers(1, 9), st.integers(2, 17)),
    chunk=st.tuples(st.integers(1, 3), st.integers(1, 9), st.integers(1, 17)),
    dtype=st.sampled_from(["float32", "float64", "int16", "int32"]),
    attrs=st.dictionaries(
        st.text("abcdefgh_", min_size=1, max_size=8),
        st.one_of(st.integers(-1000, 1000), st.text(max_size=10), st.booleans()),
        max_size=3,
    ),
)
def test_lazy_round_trip_property(tmp_path_factory, shape, chunk, dtype, attrs):
    da = _survey(shape, dtype)
    da.attrs.update(attrs)
    lazy = da.chunk(dict(zip(da.dims, chunk)))
    path = tmp_path_factory.mktemp("z") / "s.zarr"
    to_zarr(lazy, path)
    out = open_zarr(path)
    assert out.chunks == lazy.chunks  # Zarr chunks follow the dask chunks
    xr.testing.assert_identical(out.compute(), da)


def test_irregular_chunks_are_rechunked_and_recorded(tmp_path):
    da = _survey((2, 6, 10)).chunk({"xline": (1, 3, 2)})
    out = open_zarr(to_zarr(da, tmp_path / "s.zarr"))
    assert out.chunksizes["xline"] == (3, 3)
    assert "rechunked" in out.attrs["history"].splitlines()[-1]
    np.testing.assert_array_equal(out.values, da.values)


def test_write_streams_without_computing_whole(tmp_path):
    da = _survey((2, 6, 10)).chunk({"xline": 2})
    calls = []

    def record(block):
        calls.append(block.shape)
        return block

    lazy = da.copy(data=da.data.map_blocks(record, dtype=da.dtype))
    to_zarr(lazy, tmp_path / "s.zarr")
    assert calls and all(s[1] <= 2 for s in calls if len(s) == 3 and s[1] > 0)


def test_existing_store_is_refused_then_replaced(tmp_path):
    path = tmp_path / "s.zarr"
    to_zarr(_survey(), path)
    with pytest.raises(ConfigError, match=r"s\.zarr' already exists; pass mode='w'"):
        to_zarr(_survey(), path)
    new = _survey() * 2
    new.attrs = {"history": "new"}
    to_zarr(new, path, mode="w")
    assert open_zarr(path).attrs["history"] == "new"
    assert _leftovers(tmp_path) == []


def test_unknown_mode(tmp_path):
    with pytest.raises(ConfigError, match="mode must be one of"):
        to_zarr(_survey(), tmp_path / "s.zarr", mode="a")


def _failing(da):
    def boom(block, block_info=None):
        if block_info[None]["chunk-location"][1] == 1:
            raise RuntimeError("disk on fire")
        return block

    lazy = da.chunk({"xline": 2})
    return lazy.copy(data=lazy.data.map_blocks(boom, dtype=da.dtype))


def test_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError, match="disk on fire"):
        to_zarr(_failing(_survey()), tmp_path / "s.zarr")
    assert os.listdir(tmp_path) == []


def test_failed_replace_keeps_the_old_store(tmp_path):
    path = tmp_path / "s.zarr"
    to_zarr(_survey(), path)
    with pytest.raises(RuntimeError, match="disk on fire"):
        to_zarr(_failing(_survey()), path, mode="w")
    assert os.listdir(tmp_path) == ["s.zarr"]
    xr.testing.assert_identical(open_zarr(path).compute(), _survey())


def test_deferred_write(tmp_path):
    path = tmp_path / "s.zarr"
    write = to_zarr(_survey().chunk({"xline": 3}), path, compute=False)
    assert isinstance(write, ZarrWrite) and write.path == path
    assert not path.exists()
    assert write.compute() == path
    xr.testing.assert_identical(open_zarr(path).compute(), _survey())
    assert _leftovers(tmp_path) == []


def test_deferred_write_with_dask_compute(tmp_path):
    path = tmp_path / "s.zarr"
    (result,) = dask.compute(to_zarr(_survey().chunk({"xline": 3}), path, compute=False))
    assert result == path and open_zarr(path).shape == (2, 6, 10)


def test_deferred_failed_write_leaves_nothing(tmp_path):
    write = to_zarr(_failing(_survey()), tmp_path / "s.zarr", compute=False)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write.compute()
    assert os.listdir(tmp_path) == []


def test_missing_store_is_named(tmp_path):
    with pytest.raises(InvalidDataError, match=r"no Zarr store at .*nope\.zarr"):
        open_zarr(tmp_path / "nope.zarr")


def test_not_a_store(tmp_path):
    (tmp_path / "junk").mkdir()
    with pytest.raises(InvalidDataError, match="not a readable Zarr"):
        open_zarr(tmp_path / "junk")


def test_store_with_several_variables_needs_variable(tmp_path):
    ds = xr.Dataset({"a": ("x", [1, 2]), "b": ("x", [3, 4])})
    ds.to_zarr(tmp_path / "d.zarr", zarr_format=3, consolidated=False)
    with pytest.raises(InvalidDataError, match=r"found \[.a., .b.\]\); pass variable="):
        open_zarr(tmp_path / "d.zarr")
    assert open_zarr(tmp_path / "d.zarr", variable="b").values.tolist() == [3, 4]


def test_not_a_dataarray(tmp_path):
    with pytest.raises(InvalidDataError, match=r"writes an xarray\.DataArray"):
        to_zarr(xr.Dataset(), tmp_path / "s.zarr")


def test_chunks_over_unknown_dims_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"\['nope'\].*dims \['iline', 'xline', 'time'\]"):
        to_zarr(_survey(), tmp_path / "c.zarr", chunks={"nope": 2})
    with pytest.raises(ConfigError, match="not a valid chunking"):
        to_zarr(_survey(), tmp_path / "c.zarr", chunks={"time": -5})
    assert _leftovers(tmp_path) == []


def test_attrs_that_are_not_json_are_named(tmp_path):
    with pytest.raises(InvalidDataError, match=r"attrs\['x'\] of DataArray 'amplitude'.*drop"):
        to_zarr(_survey().assign_attrs(x=object()), tmp_path / "j.zarr")
    bad_coord = _survey()
    bad_coord["time"].attrs["calib"] = {1, 2}
    with pytest.raises(InvalidDataError, match=r"attrs\['calib'\] of coordinate 'time'"):
        to_zarr(bad_coord, tmp_path / "j.zarr")
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["time", "xline", "data"])
def test_array_named_like_a_coordinate_round_trips(tmp_path, name):
    da = _survey(name=name)
    if name == "data":
        da = da.assign_coords(data=("xline", np.arange(da.sizes["xline"])))
    back = open_zarr(to_zarr(da, tmp_path / "n.zarr"))
    xr.testing.assert_identical(back.load(), da)


def test_zarr_format_2_store_says_so_and_how_to_convert(tmp_path):
    path = tmp_path / "v2.zarr"
    _survey().to_dataset(name="a").to_zarr(path, zarr_format=2)
    with pytest.raises(InvalidDataError, match=r"Zarr format 2.*pm\.to_zarr\(xr\.open_zarr"):
        open_zarr(path)
