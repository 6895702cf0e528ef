import os

import dask
import dask.array as dska
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.core.mask import TRACE_FILLED
from promethium.errors import ConfigError, InvalidDataError, StoreError
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
    with pytest.raises(InvalidDataError, match=r"found \[.a., .b.\]\); pass dataset=True"):
        open_zarr(tmp_path / "d.zarr")
    assert open_zarr(tmp_path / "d.zarr", variable="b").values.tolist() == [3, 4]
    xr.testing.assert_identical(open_zarr(tmp_path / "d.zarr", dataset=True).load(), ds)


def test_not_a_dataarray(tmp_path):
    with pytest.raises(InvalidDataError, match=r"writes an xarray\.DataArray or Dataset"):
        to_zarr(np.zeros(3), tmp_path / "s.zarr")
    with pytest.raises(InvalidDataError, match="without data variables"):
        to_zarr(xr.Dataset(), tmp_path / "s.zarr")
    assert os.listdir(tmp_path) == []


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


# --- what to_zarr(mode="w") may replace -------------------------------------------------


def test_w_refuses_a_file_or_a_folder_that_is_not_a_store(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "a.txt").write_text("keep me too")
    with pytest.raises(ConfigError, match=r"notes\.txt' is a file; nothing was changed"):
        to_zarr(_survey(), tmp_path / "notes.txt", mode="w")
    with pytest.raises(ConfigError, match=r"folder' is a folder of 1 entries that is not a Zarr"):
        to_zarr(_survey(), tmp_path / "folder", mode="w")
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert (tmp_path / "folder" / "a.txt").read_text() == "keep me too"
    assert sorted(os.listdir(tmp_path)) == ["folder", "notes.txt"]


def test_w_replaces_an_empty_folder(tmp_path):
    (tmp_path / "s.zarr").mkdir()
    to_zarr(_survey(), tmp_path / "s.zarr", mode="w")
    assert open_zarr(tmp_path / "s.zarr").shape == (2, 6, 10)


def test_w_never_overwrites_the_segy_the_data_came_from(tmp_path):
    sgy = pm.to_segy(pm.synthetic_gather(n_traces=4, n_samples=8), tmp_path / "in.sgy")
    before = sgy.read_bytes()
    da = pm.open_segy(sgy, geometry="traces")
    with pytest.raises(ConfigError, match=r"would overwrite its input: .*in\.sgy' is the source"):
        to_zarr(da, sgy, mode="w")
    assert sgy.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["in.sgy"]


def test_w_never_overwrites_the_store_the_data_are_read_from(tmp_path):
    path = to_zarr(_survey(), tmp_path / "s.zarr")
    with pytest.raises(ConfigError, match=r"s\.zarr' is the store the data are read from"):
        to_zarr(open_zarr(path) * 2, path, mode="w")
    with pytest.raises(ConfigError, match=r"s\.zarr' is the store the data were read from"):
        to_zarr(open_zarr(path, chunks=None), path, mode="w")
    xr.testing.assert_identical(open_zarr(path).compute(), _survey())


# --- coordinates and Datasets ------------------------------------------------------------


def test_bool_and_int_coordinates_and_trace_filled_round_trip(tmp_path):
    da = _survey((2, 5, 4)).chunk({"xline": 2})
    filled = np.zeros((2, 5), dtype=bool)
    filled[0, 0] = True
    da = da.assign_coords(
        {
            TRACE_FILLED: (("iline", "xline"), filled),
            "fold": (("iline", "xline"), np.arange(10, dtype=np.int16).reshape(2, 5)),
            "shot": ("xline", np.arange(5, dtype=np.uint32) + 7),
            "live": ("xline", np.array([True, False, True, True, False])),
        }
    )
    back = open_zarr(to_zarr(da, tmp_path / "s.zarr"))
    xr.testing.assert_identical(back.compute(), da.compute())
    for name in (TRACE_FILLED, "fold", "shot", "live", "trace_mask"):
        assert back.coords[name].dtype == da.coords[name].dtype


def test_uncertainty_dataset_round_trips(tmp_path):
    da = _survey((2, 6, 10)).chunk({"xline": 3})
    ds = xr.Dataset({"mean": da, "std": abs(da) * 0.1}, attrs={"history": "reconstructed"})
    path = to_zarr(ds, tmp_path / "u.zarr")
    back = open_zarr(path, dataset=True)
    assert isinstance(back, xr.Dataset) and back["mean"].chunks == da.chunks
    xr.testing.assert_identical(back.compute(), ds.compute())
    std = open_zarr(path, variable="std")
    assert isinstance(std, xr.DataArray) and std.name == "std"
    xr.testing.assert_identical(std.compute(), ds["std"].compute())
    with pytest.raises(InvalidDataError, match=r"found \['mean', 'std'\]\); pass dataset=True"):
        open_zarr(path)


def test_dataarray_store_opened_as_dataset(tmp_path):
    path = to_zarr(_survey(), tmp_path / "s.zarr")
    ds = open_zarr(path, dataset=True)
    assert list(ds.data_vars) == ["amplitude"] and ds.attrs == {}


# --- chunks of open_zarr -----------------------------------------------------------------


@pytest.mark.parametrize(
    "chunks",
    [0, -2, 2.5, "x", True, {"xline": 0}, {"xline": -3}, {"time": 10**12}, {"xline": "big"}],
)
def test_bad_open_chunks_are_config_errors(tmp_path, chunks):
    path = to_zarr(_survey(), tmp_path / "s.zarr")
    with pytest.raises(ConfigError, match=r"open_zarr chunks=.* is not a chunk size"):
        open_zarr(path, chunks=chunks)


def test_open_chunks_over_unknown_dims(tmp_path):
    path = to_zarr(_survey(), tmp_path / "s.zarr")
    with pytest.raises(ConfigError, match=r"chunks names \['nope'\], not dims"):
        open_zarr(path, chunks={"nope": 2})


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        ({"xline": 4}, ((2,), (4, 2), (10,))),
        ({"xline": -1, "time": 3}, ((2,), (6,), (3, 3, 3, 1))),
        (5, ((2,), (5, 1), (5, 5))),
        ("auto", ((2,), (6,), (10,))),
    ],
)
def test_open_chunks(tmp_path, chunks, expected):
    path = to_zarr(_survey(), tmp_path / "s.zarr")
    out = open_zarr(path, chunks=chunks)
    assert out.chunks == expected
    np.testing.assert_array_equal(out.values, _survey().values)


# --- fsspec URLs -------------------------------------------------------------------------


def test_memory_url_round_trip_and_replace(tmp_path):
    url = f"memory://promethium-tests/{tmp_path.name}/s.zarr"
    da = _survey().chunk({"xline": 3})
    assert to_zarr(da, url) == url
    xr.testing.assert_identical(open_zarr(url).compute(), _survey())
    with pytest.raises(ConfigError, match="already exists"):
        to_zarr(da, url)
    write = to_zarr(da * 2, url, mode="w", compute=False)
    assert write.path == url and write.compute() == url
    np.testing.assert_array_equal(open_zarr(url).values, _survey().values * 2)


def test_memory_url_failed_write_leaves_nothing(tmp_path):
    import fsspec

    url = f"memory://promethium-tests/{tmp_path.name}/f.zarr"
    with pytest.raises(RuntimeError, match="disk on fire"):
        to_zarr(_failing(_survey()), url)
    fs, root = fsspec.core.url_to_fs(url)
    assert not fs.exists(root)


def test_incomplete_url_store_is_refused(tmp_path):
    url = f"memory://promethium-tests/{tmp_path.name}/i.zarr"
    to_zarr(_survey(), url, compute=False)  # metadata written, chunks never
    with pytest.raises(StoreError, match=r"i\.zarr' is incomplete: its write did not finish"):
        open_zarr(url)


@pytest.mark.parametrize(
    ("url", "package"), [("s3://b/s.zarr", "s3fs"), ("gs://b/s.zarr", "gcsfs")]
)
def test_url_without_its_filesystem_package_says_what_to_install(url, package):
    pytest.importorskip("fsspec")
    import importlib.util

    if importlib.util.find_spec(package) is not None:
        pytest.skip(f"{package} is installed")
    with pytest.raises(ConfigError, match=rf"not installed.*pip install {package}"):
        to_zarr(_survey(), url)
    with pytest.raises(ConfigError, match=rf"pip install {package}"):
        open_zarr(url)


def test_unknown_url_protocol():
    with pytest.raises(ConfigError, match=r"unknown protocol 'nope'"):
        open_zarr("nope://x/s.zarr")


def test_url_writers_racing_for_one_new_store(tmp_path, monkeypatch):
    from promethium.io import zarr as zarr_module

    url = f"memory://promethium-tests/{tmp_path.name}/race.zarr"
    to_zarr(_survey(), url)  # the other writer got there first ...
    monkeypatch.setattr(zarr_module, "check_destination", lambda *a: None)  # ... after our check
    with pytest.raises(ConfigError, match=r"race\.zarr' already exists: another writer created"):
        to_zarr(_survey() * 2, url)
    xr.testing.assert_identical(open_zarr(url).compute(), _survey())  # theirs, untouched


def test_compute_with_returns_results_in_the_order_given(tmp_path):
    """Delayed and array results come back in the order asked (dask groups them by type)."""
    da = pm.synthetic_gather(n_traces=4, n_samples=8).chunk({"offset": 2})
    first = pm.to_zarr(da, tmp_path / "a.zarr", compute=False)
    second = pm.to_zarr(da, tmp_path / "b.zarr", compute=False)
    label = dask.delayed(str)("label")
    written, biggest, other, text, total = first.compute_with(
        da.data.max(), second, label, da.sum()
    )
    assert written == tmp_path / "a.zarr"
    assert biggest == float(da.values.max())
    assert other == tmp_path / "b.zarr"
    assert text == "label"
    assert float(total) == pytest.approx(float(da.values.sum()))
    assert pm.open_zarr(other).identical(pm.open_zarr(written))


@pytest.mark.parametrize("how", ["compute", "compute_with"])
def test_num_workers_bounds_the_threads_of_a_deferred_write(tmp_path, how):
    """``num_workers=1`` runs one block at a time, as dask's own pool would."""
    import threading
    import time

    lock = threading.Lock()
    running = [0, 0]  # now, most at once

    def seen(block):
        with lock:
            running[0] += 1
            running[1] = max(running)
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return block

    da = _survey().chunk({"xline": 1})
    da = da.copy(data=da.data.map_blocks(seen, dtype=da.dtype))
    write = to_zarr(da, tmp_path / "s.zarr", compute=False)
    if how == "compute":
        write.compute(scheduler="threads", num_workers=1)
    else:
        write.compute_with(da.sum(), scheduler="threads", num_workers=1)
    assert running[1] == 1
    running[1] = 0
    to_zarr(da, tmp_path / "t.zarr", compute=False).compute(scheduler="threads", num_workers=2)
    assert running[1] == 2  # the test can see two at once


@pytest.mark.parametrize("workers", [-1, 0, 2.5, True, "2"])
def test_a_deferred_write_refuses_a_thread_count_that_is_none(tmp_path, workers):
    write = to_zarr(_survey().chunk({"xline": 3}), tmp_path / "s.zarr", compute=False)
    with pytest.raises(ConfigError, match=r"^num_workers=.* is no thread count; give a positive"):
        write.compute(scheduler="threads", num_workers=workers)
    assert _leftovers(tmp_path) == [] and not (tmp_path / "s.zarr").exists()
