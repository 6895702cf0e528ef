from __future__ import annotations

import json
import os

import dask.array as dsa
import numpy as np
import pytest
import segyio
import xarray as xr

import promethium as pm
from promethium.errors import ConfigError, PromethiumWarning, SegyFormatError, SourceChangedError
from promethium.io.segy import open_segy, segy_info
from promethium.io.segy import traces as traces_module


def _raw(path, endian="big"):
    with segyio.open(str(path), ignore_geometry=True, endian=endian) as f:
        return f.trace.raw[:]


def test_cube_is_lazy_masked_grid(cube_file):
    da = open_segy(cube_file)
    assert isinstance(da.data, dsa.Array)
    assert da.dims == ("iline", "xline", "time")
    assert da.shape == (4, 5, 30)
    assert da.attrs["geometry"] == "3d"
    assert "2 of 20 positions" in da.attrs["geometry_note"]
    tindex = da.trace_index.values
    assert tindex[0, 0] == -1 and tindex[2, 2] == -1
    assert sorted(tindex[tindex >= 0].tolist()) == list(range(18))
    values = da.compute()
    raw = _raw(cube_file)
    np.testing.assert_array_equal(values.values[tindex >= 0], raw[tindex[tindex >= 0]])
    assert not values.values[0, 0].any()
    mask = values.trace_mask.values
    assert mask.sum() == 18 and not mask[0, 0] and not mask[2, 2]


def test_coordinates_scaled_with_units(cube_file):
    da = open_segy(cube_file)
    assert da.cdp_x.attrs["units"] == "m"
    assert da.cdp_x.sel(iline=11, xline=102).item() == pytest.approx((11 * 1000 + 50) / 10)
    assert da.cdp_y.sel(iline=13, xline=108).item() == pytest.approx((108 * 250 + 7) / 10)
    assert np.isnan(da.cdp_x.sel(iline=10, xline=100).item())
    assert da.time.attrs["units"] == "ms"
    assert pm.sample_interval(da, "ms") == 4.0
    assert da.attrs["segy_sample_interval_us"] == 4000
    locations = json.loads(da.attrs["segy_byte_locations"])
    assert locations["iline"] == [189, 4] and locations["xline"] == [193, 4]


def test_building_reads_no_samples_and_chunks_read_own_traces(cube_file, monkeypatch):
    calls = []
    original = traces_module.read_traces

    def spy(layout, index, out):
        calls.append(np.asarray(index).tolist())
        original(layout, index, out)

    monkeypatch.setattr(traces_module, "read_traces", spy)
    da = open_segy(cube_file, chunks={"iline": 1})
    assert calls == []
    assert da.data.numblocks == (4, 1, 1)
    da.isel(iline=1).compute()  # samples and trace_mask: one read of the chunk
    assert calls == [list(range(4, 9))]
    da.isel(iline=2).data.compute()  # samples alone
    row = da.trace_index.isel(iline=2).values  # with its absent position (-1)
    assert calls[1:] == [row.tolist()] and -1 in row


def test_feet_and_delay(make_segy, rng):
    headers = {21: np.arange(1, 9), 181: np.arange(8) * 3}
    path = make_segy("line.sgy", headers, rng.normal(size=(8, 12)), delay=100, measurement=2)
    da = open_segy(path)
    assert da.dims == ("cdp", "time") and da.attrs["geometry"] == "2d"
    assert da.time.values[0] == 100.0 and da.time.values[1] == 104.0
    assert da.cdp_x.attrs["units"] == "ft"


def test_dt_disagreement_warns(make_segy, rng):
    path = make_segy("dt.sgy", {21: np.arange(4)}, rng.normal(size=(4, 5)), trace_dt=2000)
    with pytest.warns(PromethiumWarning, match="4000 us but the first trace header says 2000"):
        da = open_segy(path)
    assert pm.sample_interval(da, "us") == 4000
    assert pm.sample_interval(open_segy(path, dt=2000), "us") == 2000


@pytest.mark.parametrize(("fast", "dim"), [(37, "offset"), (13, "channel")])
def test_prestack_gathers(make_segy, rng, fast, dim):
    shots = np.repeat(np.arange(1, 4), 6)
    if fast == 37:
        fast_values = np.tile(np.arange(100, 700, 100), 3)
    else:  # fixed spread: offsets differ per shot, channels do not
        fast_values = np.tile(np.arange(1, 7), 3)
    headers = {9: shots, fast: fast_values}
    if fast == 13:
        headers[37] = fast_values * 50 + shots * 7
    data = rng.normal(size=(18, 10))
    da = open_segy(make_segy("shots.sgy", headers, data))
    assert da.dims == ("shot", dim, "time")
    assert da.attrs["geometry"] == "prestack"
    np.testing.assert_allclose(da.values.reshape(18, 10), data.astype(np.float32))
    if fast == 13:
        assert da.offset.sel(shot=2, channel=3).item() == 3 * 50 + 14


@pytest.mark.parametrize("counter", [13, 1, 5])
def test_stacked_line_with_trace_counters_is_2d(make_segy, rng, counter):
    # A stacked line: cdp varies, a channel/sequence counter runs 1..n, no shot key.
    n = 10
    headers = {21: np.arange(1, n + 1) * 2, counter: np.arange(1, n + 1)}
    da = open_segy(make_segy("stack.sgy", headers, rng.normal(size=(n, 8))))
    assert da.dims == ("cdp", "time")
    assert da.attrs["geometry"] == "2d"


def test_cdp_gathers_with_several_offsets_are_prestack(make_segy, rng):
    headers = {21: np.repeat(np.arange(1, 5), 3), 37: np.tile([0, 50, 100], 4)}
    da = open_segy(make_segy("cdps.sgy", headers, rng.normal(size=(12, 8))))
    assert da.dims == ("cdp", "offset", "time")
    assert da.attrs["geometry"] == "prestack"


def test_duplicates_are_refused_unless_traces_asked(make_segy, rng):
    headers = {189: np.array([1, 1, 2, 2, 2]), 193: np.array([5, 6, 5, 6, 6])}
    path = make_segy("dup.sgy", headers, rng.normal(size=(5, 8)))
    with pytest.raises(SegyFormatError, match=r"dup\.sgy: no geometry fits.*several traces"):
        open_segy(path)
    da = open_segy(path, geometry="traces")
    assert da.dims == ("trace", "time")
    assert da.attrs["geometry"] == "traces"
    assert da.iline.values.tolist() == [1, 1, 2, 2, 2]


def test_explicit_geometry_that_does_not_fit_is_refused(make_segy, rng):
    path = make_segy("flat.sgy", {21: np.arange(6)}, rng.normal(size=(6, 8)))
    with pytest.raises(
        SegyFormatError, match=r"geometry=.3d. does not fit.*iline, xline.*constant"
    ):
        open_segy(path, geometry="3d")
    assert open_segy(path).dims == ("cdp", "time")  # a 2-D line is a legitimate single line
    assert open_segy(path, geometry="traces").dims == ("trace", "time")


def test_no_grid_names_the_suggested_byte_locations(make_segy, rng):
    il, xl = np.repeat(np.arange(3), 4), np.tile(np.arange(4), 3)
    path = make_segy("odd.sgy", {17: il, 21: xl}, rng.normal(size=(12, 6)))
    message = (
        r"odd\.sgy: no geometry fits the trace headers at byte locations iline=189, "
        r"xline=193, .*cdp has 4 positions holding several traces.*suggest iline=17, "
        r"xline=21: open_segy\(path, iline=17, xline=21\) \(CLI: --iline 17 --xline 21\)"
        r".*geometry='traces' \(CLI: --geometry traces\)"
    )
    with pytest.raises(SegyFormatError, match=message):
        open_segy(path)
    with pytest.raises(SegyFormatError, match="suggest iline=17"):
        xr.open_dataarray(path, engine="promethium")
    assert segy_info(path).geometry == "traces"  # a summary still describes the file


def test_byte_location_override_and_profile(make_segy, rng):
    il, xl = np.repeat(np.arange(3), 4), np.tile(np.arange(4), 3)
    path = make_segy("odd.sgy", {17: il, 21: xl}, rng.normal(size=(12, 6)))
    assert open_segy(path, geometry="traces").dims == ("trace", "time")
    assert open_segy(path, iline=17, xline=(21, 4)).dims == ("iline", "xline", "time")
    assert open_segy(path, profile="ep_cdp").shape == (3, 4, 6)
    with pytest.raises(ConfigError, match="byte location iline=300"):
        open_segy(path, iline=300)
    with pytest.raises(ConfigError, match="unknown byte-location profile"):
        open_segy(path, profile="nope")


@pytest.mark.parametrize("fmt", [1, 5])
@pytest.mark.parametrize("endian", ["big", "little"])
def test_formats_and_endianness(make_segy, cube_headers, rng, fmt, endian):
    headers = cube_headers(np.arange(3), np.arange(4))
    data = rng.normal(size=(12, 16)).astype(np.float32)
    path = make_segy("f.sgy", headers, data, fmt=fmt, endian=endian)
    da = open_segy(path)
    assert da.attrs["segy_endian"] == endian and da.attrs["segy_format"] == fmt
    np.testing.assert_array_equal(da.values.reshape(12, 16), _raw(path, endian))


def test_all_zero_trace_is_masked(make_segy, rng):
    data = rng.normal(size=(6, 8))
    data[2] = 0
    da = open_segy(make_segy("z.sgy", {21: np.arange(6)}, data))
    assert da.trace_mask.values.tolist() == [True, True, False, True, True, True]


def test_unset_keys_are_refused_unless_traces_asked_but_one_trace_reads(make_segy):
    path = make_segy("t5.sgy", {}, np.ones((5, 10), np.float32), endian="little")
    with pytest.raises(SegyFormatError, match=r"no header key varies.*finds no pair"):
        open_segy(path)
    da = open_segy(path, geometry="traces")
    assert da.dims == ("trace", "time") and da.shape == (5, 10)
    one = open_segy(make_segy("t1.sgy", {}, np.ones((1, 10), np.float32)))  # one order only
    assert one.dims == ("trace", "time") and one.attrs["geometry"] == "traces"


def test_one_trace_with_set_keys_is_still_a_grid(make_segy):
    from promethium.io.segy import open_segy as open_

    headers = {189: np.array([10]), 193: np.array([100])}
    da = open_(make_segy("one.sgy", headers, np.ones((1, 10), np.float32)))
    assert da.dims == ("iline", "xline", "time") and da.shape == (1, 1, 10)


@pytest.mark.parametrize("fmt", [1, 5])
def test_replace_between_open_and_compute_raises(make_segy, cube_headers, rng, tmp_path, fmt):
    headers = cube_headers(np.arange(4), np.arange(5))
    data = rng.standard_normal((20, 30)).astype(np.float32)
    path = make_segy("pinned.sgy", headers, data, fmt=fmt)
    da = open_segy(path, chunks={"iline": 1})
    other = make_segy("other.sgy", headers, data * 2, fmt=fmt)
    os.replace(other, path)  # same size and layout: only the identity tells them apart
    with pytest.raises(SourceChangedError, match=r"pinned\.sgy: the file changed.*replaced"):
        da.compute()
    with pytest.raises(SourceChangedError):
        da.isel(iline=2).compute()  # one chunk, as each dask task reopens the file
    np.testing.assert_array_equal(open_segy(path).values.reshape(20, 30), _raw(path))


def test_rewrite_in_place_after_open_raises(cube_file):
    da = open_segy(cube_file)
    st = os.stat(cube_file)
    with open(cube_file, "r+b") as f:
        f.seek(st.st_size - 4)
        f.write(b"\x00\x00\x00\x01")
    os.utime(cube_file, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # coarse clocks
    with pytest.raises(SourceChangedError, match="modified in place"):
        da.compute()
