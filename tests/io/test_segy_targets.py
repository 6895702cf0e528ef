"""to_segy(subset, like=original): a selection of a file's traces, headers kept."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promethium.errors import InvalidDataError
from promethium.io.segy import open_segy, to_segy
from promethium.io.segy.layout import read_layout


def _records(path):
    layout = read_layout(path)
    return layout, np.fromfile(path, dtype=layout.record_dtype(), offset=layout.data_start)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    endian=st.sampled_from(["big", "little"]),
    il=st.integers(10, 12).flatmap(lambda a: st.tuples(st.just(a), st.integers(a + 1, 13))),
    xl=st.integers(0, 3).flatmap(lambda a: st.tuples(st.just(a), st.integers(a + 2, 5))),
    seed=st.integers(0, 2**16),
)
def test_a_selection_is_written_with_its_original_headers(
    make_segy, cube_headers, tmp_path, endian, il, xl, seed
):
    rng = np.random.default_rng(seed)
    missing = {(10, 100), (12, 104), (13, 108)}
    headers = cube_headers(np.arange(10, 14), np.arange(100, 110, 2), missing)
    n = headers[189].size
    src = make_segy(f"cube-{seed}.sgy", headers, rng.normal(size=(n, 7)), endian=endian)
    da = open_segy(src)
    subset = da.sel(iline=slice(*il)).isel(xline=slice(*xl))
    out = to_segy(subset * 2, tmp_path / f"part-{seed}.sgy", like=src, mode="w")
    back = open_segy(out)
    # reads back as that subset: same dims, coords (as far as traces exist) and mask
    kept = subset.where(subset.trace_index >= 0, drop=True).trace_index
    assert back.dims == subset.dims
    for dim in ("iline", "xline"):
        np.testing.assert_array_equal(back[dim].values, kept[dim].values)
    expected = (subset * 2).sel(iline=back.iline, xline=back.xline)
    np.testing.assert_allclose(back.values, expected.values, rtol=1e-6)
    np.testing.assert_array_equal(back.trace_mask.values, expected.trace_index.values >= 0)
    # the file headers and each selected trace header byte for byte, in file order
    _, original = _records(src)
    layout, written = _records(out)
    assert out.read_bytes()[: layout.data_start] == src.read_bytes()[: layout.data_start]
    chosen = np.sort(subset.trace_index.values[subset.trace_index.values >= 0])
    assert np.array_equal(written["header"], original["header"][chosen])


def test_a_selection_by_labels_of_a_prestack_file(make_segy, rng, tmp_path):
    shots, offsets = np.repeat(np.arange(1, 5), 3), np.tile([100, 200, 300], 4)
    src = make_segy("shots.sgy", {9: shots, 37: offsets}, rng.normal(size=(12, 9)), fmt=1)
    da = open_segy(src)
    part = da.sel(shot=[2, 3], offset=[100, 300])
    out = to_segy(part, tmp_path / "p.sgy", like=src)
    back = open_segy(out)
    assert back.dims == ("shot", "offset", "time") and back.shape == (2, 2, 9)
    np.testing.assert_array_equal(back.values, part.values)


def test_one_inline_reads_back_as_its_line(cube_file, tmp_path):
    da = open_segy(cube_file)
    out = to_segy(da.sel(iline=11), tmp_path / "line.sgy", like=cube_file)
    back = open_segy(out)
    assert back.dims == ("xline", "time") and back.iline.values.tolist() == [11] * 5
    np.testing.assert_array_equal(back.values, da.sel(iline=11).values)
    with pytest.raises(InvalidDataError, match="holds no trace of"):
        to_segy(da.sel(iline=10, xline=[100]), tmp_path / "x.sgy", like=cube_file)


def test_selections_that_cannot_be_written_like_the_file(cube_file, tmp_path):
    da = open_segy(cube_file)
    with pytest.raises(InvalidDataError, match=r"trace_index=99 but .* has 18 traces"):
        to_segy(
            da.assign_coords(trace_index=da.trace_index.where(da.trace_index != 17, 99)),
            tmp_path / "x.sgy",
            like=cube_file,
        )
    flat = (
        da.stack(t=("iline", "xline"))
        .transpose("t", "time")
        .drop_vars(["t", "iline", "xline", "trace_index"])
    )
    with pytest.raises(InvalidDataError, match="has 20 trace positions and no 'trace_index'"):
        to_segy(flat, tmp_path / "x.sgy", like=cube_file)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cube.sgy"]


@pytest.mark.parametrize("endian", ["big", "little"])
def test_a_rev2_trace_count_follows_the_written_traces(make_segy, rng, tmp_path, endian):
    order = ">" if endian == "big" else "<"
    headers = {21: np.array([1, 2, 4, 5])}  # cdp 3 missing
    src = make_segy("rev2.sgy", headers, rng.normal(size=(4, 6)), endian=endian)
    raw = bytearray(src.read_bytes())
    raw[3500] = 2
    raw[3512:3520] = np.array([4], dtype=f"{order}u8").tobytes()
    src.write_bytes(bytes(raw))
    da = open_segy(src)
    filled = da.where(da.trace_index >= 0, 1.0)
    out = to_segy(filled, tmp_path / "all.sgy", like=src, absent="insert")
    assert int(np.frombuffer(out.read_bytes()[3512:3520], f"{order}u8")[0]) == 5
    part = to_segy(da.isel(cdp=[0, 1]), tmp_path / "part.sgy", like=src)
    assert int(np.frombuffer(part.read_bytes()[3512:3520], f"{order}u8")[0]) == 2
    same = to_segy(da, tmp_path / "same.sgy", like=src)
    assert same.read_bytes() == bytes(raw)
