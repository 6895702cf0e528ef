"""to_segy safety: permissions, never overwriting its input, header ranges, deferred graph."""

from __future__ import annotations

import os
import stat

import dask
import numpy as np
import pytest
import xarray as xr
from dask.core import flatten

from promethium.errors import ConfigError, InvalidDataError, PromethiumWarning
from promethium.io.segy import open_segy, to_segy
from promethium.io.segy.build import binary_header
from promethium.io.segy.write import SegyWrite


def _line(n: int = 6, ns: int = 10, dt_ms: float = 4.0, **coords: np.ndarray) -> xr.DataArray:
    data = np.arange(n * ns, dtype=np.float32).reshape(n, ns)
    return xr.DataArray(
        data,
        dims=("cdp", "time"),
        coords={
            "cdp": ("cdp", np.arange(1, n + 1), {}),
            "time": ("time", np.arange(ns) * dt_ms, {"units": "ms"}),
            **{k: ("cdp", v) for k, v in coords.items()},
        },
        name="line",
    )


@pytest.fixture
def umask():
    """Set the process umask for one test, restoring it after."""
    saved = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(saved)


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_output_permissions_follow_umask(cube_file, tmp_path, umask, mask):
    umask(mask)
    new, copy = tmp_path / "new.sgy", tmp_path / "copy.sgy"
    to_segy(_line(), new)
    to_segy(open_segy(cube_file), copy, like=cube_file)
    for path in (new, copy):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~mask


def test_refuses_to_overwrite_its_input(cube_file, tmp_path, monkeypatch):
    before = cube_file.read_bytes()
    da = open_segy(cube_file)
    with pytest.raises(ConfigError, match=r"would overwrite its input.*is like="):
        to_segy(da * 2, cube_file, like=cube_file)
    with pytest.raises(ConfigError, match=r"would overwrite its input.*attrs\['source'\]"):
        to_segy(da, cube_file)  # no like=: the file the data came from
    link = tmp_path / "link.sgy"
    link.symlink_to(cube_file)
    with pytest.raises(ConfigError, match="would overwrite its input"):
        to_segy(da, link, like=cube_file)
    monkeypatch.chdir(cube_file.parent)
    with pytest.raises(ConfigError, match="would overwrite its input"):
        to_segy(da, cube_file.name, like=str(cube_file), compute=False)
    assert cube_file.read_bytes() == before
    assert [p.name for p in cube_file.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_header_values_out_of_range_are_refused(tmp_path):
    out = tmp_path / "x.sgy"
    with pytest.raises(InvalidDataError, match=r"'sample_interval'.*40000.*-32768\.\.32767"):
        to_segy(_line(dt_ms=40.0), out)
    big = _line().assign_coords(cdp=("cdp", np.arange(6) + 2**31))
    with pytest.raises(InvalidDataError, match=r"'cdp' \(trace header bytes 21-24\).*2147483648"):
        to_segy(big, out)
    with pytest.raises(InvalidDataError, match=r"'offset'.*-2147483649"):
        to_segy(_line(offset=np.full(6, -(2**31) - 1)), out)
    assert list(tmp_path.iterdir()) == []


def test_binary_header_values_out_of_range_are_refused():
    with pytest.raises(InvalidDataError, match=r"'sample interval \(us\)'.*3217.*40000"):
        binary_header(dt_us=40000, n_samples=10, format_code=5, endian="big", measurement=1)
    with pytest.raises(InvalidDataError, match=r"'samples per trace'.*70000.*0\.\.65535"):
        binary_header(dt_us=4000, n_samples=70000, format_code=5, endian="big", measurement=1)


def test_header_values_in_range_round_trip(tmp_path):
    out = tmp_path / "x.sgy"
    edge = _line(dt_ms=32.767, offset=np.array([-(2**31), 2**31 - 1, 0, 1, 2, 3]))
    to_segy(edge, out)
    back = open_segy(out)
    np.testing.assert_array_equal(back.offset.values, edge.offset.values)
    np.testing.assert_allclose(back.time.values, edge.time.values)


def test_deferred_write_is_a_graph_of_block_writes(cube_file, tmp_path):
    da = open_segy(cube_file, chunks={"iline": 1})
    out = tmp_path / "later.sgy"
    doubled = da * 2
    pending = to_segy(doubled, out, like=cube_file, compute=False)
    assert isinstance(pending, SegyWrite) and pending.path == out
    graph = dict(pending.__dask_graph__())
    # The blocks are tasks of the graph (not computed inside one task), plus one write
    # per block, the file creation and the rename.
    assert set(flatten(doubled.data.__dask_keys__())) <= set(graph)
    assert len(graph) >= 2 * doubled.data.npartitions + 2
    assert not out.exists() and list(tmp_path.iterdir()) == [cube_file]
    with dask.config.set(scheduler="sync"):
        assert dask.compute(pending)[0] == str(out)
    np.testing.assert_array_equal(open_segy(out).values, doubled.values)


def test_deferred_write_does_not_compute_inside_a_task(cube_file, tmp_path, monkeypatch):
    da = open_segy(cube_file, chunks={"iline": 1})
    filled = da.where(da.trace_index >= 0, 1.0)  # absent positions hold data: counted
    pending = to_segy(filled, tmp_path / "o.sgy", like=cube_file, compute=False)
    calls = []
    real = dask.compute

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(dask, "compute", spy)
    with pytest.warns(PromethiumWarning, match="2 of 2 grid positions"):
        pending.compute(scheduler="sync")
    assert calls == []


def test_failed_deferred_write_leaves_nothing(cube_file, tmp_path):
    da = open_segy(cube_file, chunks={"iline": 1})

    def boom(block: np.ndarray, block_info: dict | None = None) -> np.ndarray:
        if block_info is not None and block_info[0]["chunk-location"][0] == 2:
            raise RuntimeError("block failed")
        return block

    bad = da.copy(data=da.data.map_blocks(boom, dtype=da.dtype))
    pending = to_segy(bad, tmp_path / "out.sgy", like=cube_file, compute=False)
    with pytest.raises(RuntimeError, match="block failed"):
        pending.compute(scheduler="sync")
    assert list(tmp_path.iterdir()) == [cube_file]


def test_dataset_and_numpy_inputs_are_refused_with_the_fix(tmp_path):
    da = _line()
    out = tmp_path / "x.sgy"
    with pytest.raises(InvalidDataError, match=r'Dataset.*\[.mean., .std.\].*out\["mean"\]'):
        to_segy(xr.Dataset({"mean": da, "std": da}), out)
    with pytest.raises(InvalidDataError, match="got ndarray"):
        to_segy(da.values, out)
    assert list(tmp_path.iterdir()) == []


def test_missing_parent_directories_are_created(tmp_path):
    out = tmp_path / "a" / "b" / "x.sgy"
    assert to_segy(_line(), out) == out
    np.testing.assert_array_equal(open_segy(out).values, _line().values)
    assert [p.name for p in out.parent.iterdir()] == ["x.sgy"]


def test_returns_the_path_like_to_zarr(cube_file, tmp_path):
    from pathlib import Path

    out = tmp_path / "o.sgy"
    written = to_segy(open_segy(cube_file) * 2, str(out), like=cube_file)
    assert isinstance(written, Path) and written == out
    pending = to_segy(_line(), tmp_path / "n.sgy", compute=False)
    assert pending.compute() == tmp_path / "n.sgy"


def test_like_is_keyword_only(cube_file, tmp_path):
    with pytest.raises(TypeError):
        to_segy(open_segy(cube_file), tmp_path / "o.sgy", cube_file)  # type: ignore[misc]


def test_single_sample_uses_the_stored_sample_interval(make_segy, tmp_path):
    src = make_segy("one.sgy", {}, np.arange(5, dtype=np.float32).reshape(5, 1), dt=2000)
    da = open_segy(src, geometry="traces")
    assert da.shape == (5, 1) and da.attrs["segy_sample_interval_us"] == 2000
    out = to_segy(da, tmp_path / "o.sgy")
    back = open_segy(out, geometry="traces")
    assert back.attrs["segy_sample_interval_us"] == 2000
    np.testing.assert_array_equal(back.values, da.values)
    with pytest.raises(InvalidDataError, match=r"1 sample per trace.*segy_sample_interval_us"):
        to_segy(_line(ns=1), tmp_path / "p.sgy")


def test_mode_refuses_an_existing_file_unless_w(cube_file, tmp_path):
    da = open_segy(cube_file)
    out = tmp_path / "out.sgy"
    out.write_bytes(b"previous")
    with pytest.raises(ConfigError, match=r"out\.sgy' already exists; pass mode='w'"):
        to_segy(da, out, like=cube_file)
    assert out.read_bytes() == b"previous"
    with pytest.raises(ConfigError, match=r"to_segy mode must be one of \('w-', 'w'\)"):
        to_segy(da, out, like=cube_file, mode="a")
    to_segy(da * 2, out, like=cube_file, mode="w")
    np.testing.assert_allclose(open_segy(out).values, 2 * da.values)
    later = tmp_path / "later.sgy"
    pending = to_segy(da, later, like=cube_file, compute=False)
    later.write_bytes(b"appeared meanwhile")  # checked again when the write completes
    with pytest.raises(ConfigError, match="already exists"):
        pending.compute()
    assert later.read_bytes() == b"appeared meanwhile"
    assert sorted(os.listdir(tmp_path)) == ["cube.sgy", "later.sgy", "out.sgy"]


def test_a_directory_is_refused_before_anything_is_written(cube_file, tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "keep.txt").write_text("unrelated")
    da = open_segy(cube_file)
    for mode in ("w-", "w"):
        with pytest.raises(ConfigError, match=r"folder' is a directory; .*out\.sgy"):
            to_segy(da, folder, like=cube_file, mode=mode, compute=False)
        with pytest.raises(ConfigError, match="is a directory"):
            to_segy(_line(), folder, mode=mode)
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cube.sgy", "folder"]
    with pytest.raises(ConfigError, match=r"keep\.txt' is a file, not a directory"):
        to_segy(_line(), folder / "keep.txt" / "x.sgy")


@pytest.mark.parametrize(
    ("record", "match"),
    [
        ("gain \u00d72", r"'\u00d7' \(U\+00D7\) at position 5"),
        ("tab\there", r"'\\t' \(U\+0009\) at position 3"),
        ("x" * 77, "is 77 characters long; .* holds 76"),
    ],
)
def test_text_records_must_fit_a_card(cube_file, tmp_path, record, match):
    with pytest.raises(ConfigError, match=match):
        to_segy(open_segy(cube_file), tmp_path / "x.sgy", like=cube_file, text_record=record)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cube.sgy"]


def test_text_record_in_an_ascii_header(make_segy, rng, tmp_path):
    src = make_segy("a.sgy", {21: np.arange(1, 5)}, rng.normal(size=(4, 6)))
    raw = bytearray(src.read_bytes())
    raw[:3200] = ("C 1 ASCII".ljust(80) * 40).encode("ascii")
    src.write_bytes(bytes(raw))
    out = to_segy(open_segy(src), tmp_path / "o.sgy", like=src, text_record="x" * 76)
    head = out.read_bytes()
    assert head[3120:3200] == b"C40 " + b"x" * 76
    assert head[:3120] == bytes(raw[:3120]) and head[3200:] == bytes(raw[3200:])


def test_a_new_file_escapes_a_name_it_cannot_encode(tmp_path):
    out = to_segy(_line().rename("振幅"), tmp_path / "x.sgy")
    card = out.read_bytes()[160:240].decode("cp037")
    assert card.startswith("C 3 name: \\u632f\\u5e45")


def test_complex_and_non_numeric_data_are_refused(tmp_path):
    with pytest.raises(InvalidDataError, match=r"complex \(complex64\).*da\.real"):
        to_segy(_line() * (1 + 1j), tmp_path / "x.sgy")
    with pytest.raises(InvalidDataError, match=r"has <U1 samples.*astype"):
        to_segy(_line().copy(data=np.full((6, 10), "a")), tmp_path / "x.sgy")
    assert list(tmp_path.iterdir()) == []


def test_nan_in_a_written_trace_names_it_and_leaves_nothing(cube_file, tmp_path):
    da = open_segy(cube_file, chunks={"iline": 2})
    bad = da.where(~((da.iline == 13) & (da.xline == 106)))
    with pytest.raises(
        InvalidDataError, match=r"NaN or infinite samples in 1 trace.*iline=13, xline=106"
    ):
        to_segy(bad, tmp_path / "x.sgy", like=cube_file)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cube.sgy"]
    # NaN where nothing is written (a hole that holds no trace) is not stored: fine
    holes = da.where(da.trace_index >= 0)
    out = to_segy(holes, tmp_path / "y.sgy", like=cube_file, absent="insert")
    assert out.read_bytes() == cube_file.read_bytes()


def test_an_integer_source_written_as_ieee_says_so(make_segy, rng, tmp_path):
    src = make_segy("int.sgy", {21: np.arange(1, 7)}, rng.integers(-99, 99, (6, 10)), fmt=2)
    da = open_segy(src)
    with pytest.warns(PromethiumWarning, match=r"format 2 \(.*\).*IEEE.*format=2 to keep"):
        to_segy(da, tmp_path / "a.sgy")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", PromethiumWarning)
        kept = to_segy(da, tmp_path / "b.sgy", format=2)
        to_segy(da, tmp_path / "c.sgy", format=5)
    assert open_segy(kept).attrs["segy_format"] == 2
    np.testing.assert_array_equal(open_segy(kept).values, da.values)
    with pytest.raises(ConfigError, match="with like= the original's format"):
        to_segy(da, tmp_path / "d.sgy", like=src, format=5)


def test_an_integer_file_written_like_says_when_it_rounds(make_segy, rng, tmp_path):
    import warnings

    src = make_segy("int.sgy", {21: np.arange(1, 7)}, rng.integers(-99, 99, (6, 10)), fmt=3)
    da = open_segy(src, chunks=2)
    with pytest.warns(PromethiumWarning, match=r"6 trace\(s\) .* non-integer .* format 3"):
        to_segy(da * 1.5 + 0.25, tmp_path / "a.sgy", like=src)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PromethiumWarning)
        out = to_segy(da * 2, tmp_path / "b.sgy", like=src)
    np.testing.assert_array_equal(open_segy(out).values, da.values * 2)


def test_a_new_file_inserts_filled_holes_unless_skip(cube_file, tmp_path):
    da = open_segy(cube_file)
    filled = da.where(da.trace_index >= 0, 1.0)  # both holes hold a trace
    back = open_segy(to_segy(filled, tmp_path / "a.sgy"))
    assert (back.trace_index.values >= 0).all()
    with pytest.warns(PromethiumWarning, match="2 of 2 grid positions with no trace"):
        skipped = to_segy(filled, tmp_path / "b.sgy", absent="skip")
    np.testing.assert_array_equal(
        open_segy(skipped).trace_index.values < 0, da.trace_index.values < 0
    )
