"""Holes (grid positions the source file lacks) written by to_segy, in the grid's sort order."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import segyio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promethium.core.mask import TRACE_FILLED, TRACE_MASK
from promethium.errors import ConfigError, PromethiumWarning
from promethium.io.segy import open_segy, to_segy
from promethium.io.segy.layout import read_layout
from promethium.io.segy.samples import FORMATS, ibm_to_ieee, ieee_to_ibm

_SETTINGS = settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _filled(da, which=None, *, record=True):
    """Fill holes as a reconstruction does: data there, trace_filled True, trace_mask kept."""
    holes = da.trace_index.values < 0
    which = holes if which is None else holes & which
    values = da.values.copy()
    values[which] = np.arange(1, which.sum() + 1)[:, None] * 2 + np.arange(da.shape[-1])
    out = da.copy(data=values)
    if record:
        out = out.assign_coords({TRACE_FILLED: (da.dims[:-1], which)})
    return out


def _records(path):
    layout = read_layout(path)
    raw = np.fromfile(path, dtype=layout.record_dtype(), offset=layout.data_start)
    headers = np.array(raw["header"]).view(np.uint8).reshape(-1, 240)
    return layout, headers, raw["data"]


def _survey(kind: str, rng: np.random.Generator) -> tuple[dict[int, np.ndarray], tuple[int, int]]:
    """Header words of a sorted survey with holes, and its key bytes (slow, fast)."""
    slow, fast = np.arange(1, int(rng.integers(2, 5)) + 1), np.arange(int(rng.integers(3, 6)))
    if kind == "3d-xline-major":
        grid = [(i, x) for x in fast for i in slow]
    else:
        grid = [(i, x) for i in slow for x in fast]
    keep = np.zeros(len(grid), bool)  # ~70% of the grid, so that a grid fits
    inner = rng.choice(np.arange(1, len(grid) - 1), int(0.7 * len(grid)) - 1, replace=False)
    keep[inner] = True
    keep[[0, -1]] = True  # the corners: every key value stays in the file
    a = np.array([g[0] for g, k in zip(grid, keep, strict=True) if k])
    b = np.array([g[1] for g, k in zip(grid, keep, strict=True) if k])
    if kind == "prestack":  # shot gathers, offsets 100 m apart
        return {9: a, 37: (b + 1) * 100, 189: np.full(a.size, 7)}, (9, 37)
    return {189: a + 10, 193: b * 2 + 100, 181: a * 1000, 185: b * 250, 71: np.full(a.size, -10)}, (
        189,
        193,
    )


@pytest.mark.parametrize("fmt", [1, 2, 5])
@_SETTINGS
@given(
    kind=st.sampled_from(["3d", "3d-xline-major", "prestack"]),
    endian=st.sampled_from(["big", "little"]),
    seed=st.integers(0, 2**16),
)
def test_insert_writes_a_sorted_file_segyio_reads(make_segy, tmp_path, fmt, kind, endian, seed):
    rng = np.random.default_rng(seed)
    headers, (slow, fast) = _survey(kind, rng)
    n = headers[slow].size
    data = rng.integers(-50, 50, (n, 8)).astype(np.float64)
    src = make_segy(f"in-{seed}.sgy", headers, data, fmt=fmt, endian=endian)
    da = _filled(open_segy(src, chunks=2))
    out = tmp_path / f"out-{seed}.sgy"
    with warnings.catch_warnings():
        warnings.simplefilter("error", PromethiumWarning)
        to_segy(da, out, like=src, absent="insert", mode="w")

    back = open_segy(out)
    assert back.dims == da.dims and back.shape == da.shape
    assert back.trace_mask.values.all() and (back.trace_index.values >= 0).all()
    expected = da.values if fmt != 1 else ibm_to_ieee(ieee_to_ibm(da.values))
    np.testing.assert_array_equal(back.values, expected)
    # the file and original trace headers are kept byte for byte, in the original order
    _, src_headers, _ = _records(src)
    layout, out_headers, _ = _records(out)
    assert out.read_bytes()[: layout.data_start] == src.read_bytes()[: layout.data_start]
    original = da.trace_index.values.ravel()
    order = back.trace_index.values.ravel()  # output trace of each grid position
    at = order[original >= 0][np.argsort(original[original >= 0])]
    assert np.all(np.diff(at) > 0)
    np.testing.assert_array_equal(out_headers[at], src_headers)
    # plain segyio reads every trace where a sorted file has it
    with segyio.open(str(out), ignore_geometry=True, endian=endian) as f:
        a, b = f.attributes(slow)[:], f.attributes(fast)[:]
        # sorted by one key, then the other (when the present traces fit both orders,
        # e.g. a sparse 2 x 3 file, either is the file's order)
        rank = [np.ravel_multi_index(m, (10**4, 10**4)) for m in ((a, b), (b, a))]
        assert any(np.all(np.diff(r) > 0) for r in rank)
        raw = f.trace.raw[:]
    if kind == "prestack":
        np.testing.assert_array_equal(raw, back.values.reshape(-1, 8))
        return
    with segyio.open(str(out), iline=slow, xline=fast, endian=endian) as f:
        dims = da.dims[:-1]
        for value in f.ilines:
            line = back.sel({dims[0]: value}).sel({dims[1]: list(f.xlines)})
            np.testing.assert_array_equal(f.iline[value], line.values)


def test_2d_line_holes_are_inserted_in_cdp_order(make_segy, rng, tmp_path):
    cdps = np.array([1, 2, 4, 5, 6, 9, 10])  # 3, 7, 8 missing
    src = make_segy("line.sgy", {21: cdps}, rng.normal(size=(7, 12)))
    da = _filled(open_segy(src))
    assert da.dims == ("cdp", "time") and da.sizes["cdp"] == 10
    out = to_segy(da, tmp_path / "o.sgy", like=src, absent="insert")
    with segyio.open(str(out), ignore_geometry=True) as f:
        assert list(f.attributes(21)[:]) == list(range(1, 11))
        np.testing.assert_array_equal(f.trace.raw[:], da.values.astype(np.float32))


def test_unfilled_holes_are_not_written(cube_file, tmp_path):
    """A hole neither observed nor filled (e.g. an unextrapolated corner) gets no trace."""
    da = open_segy(cube_file)
    which = np.zeros((4, 5), bool)
    which[2, 2] = True  # (12, 104) filled; (10, 100) left unfilled
    out = tmp_path / "o.sgy"
    to_segy(_filled(da, which), out, like=cube_file, absent="insert")
    layout, _, _ = _records(out)
    assert layout.n_traces == 19
    back = open_segy(out)
    assert back.trace_index.sel(iline=10, xline=100).item() == -1
    assert bool(back.trace_mask.sel(iline=12, xline=104))
    assert out.stat().st_size == layout.data_start + 19 * layout.trace_len
    # nothing filled: the original comes back byte for byte
    to_segy(_filled(da, np.zeros((4, 5), bool)), out, like=cube_file, absent="insert", mode="w")
    assert out.read_bytes() == cube_file.read_bytes()


def test_without_trace_filled_a_hole_holds_a_trace_when_non_zero(cube_file, tmp_path):
    da = open_segy(cube_file)
    which = np.zeros((4, 5), bool)
    which[0, 0] = True
    out = tmp_path / "o.sgy"
    to_segy(_filled(da, which, record=False), out, like=cube_file, absent="insert")
    back = open_segy(out)
    assert back.trace_index.sel(iline=12, xline=104).item() == -1
    assert back.trace_index.sel(iline=10, xline=100).item() == 0  # first in sort order
    # a trace_mask True there counts as a trace too, even all zero
    live = da.assign_coords({TRACE_MASK: da.trace_index >= -1})
    to_segy(live, out, like=cube_file, absent="insert", mode="w")
    assert read_layout(out).n_traces == 20


def test_skip_warns_and_keeps_original_traces(cube_file, tmp_path):
    da = _filled(open_segy(cube_file))
    out = tmp_path / "skip.sgy"
    with pytest.warns(PromethiumWarning, match=r"2 of 2 grid positions .* absent='insert'"):
        to_segy(da, out, like=cube_file)
    assert out.read_bytes() == cube_file.read_bytes()  # unchanged samples, nothing added
    with warnings.catch_warnings():  # holes that hold nothing: no warning
        warnings.simplefilter("error", PromethiumWarning)
        to_segy(open_segy(cube_file), out, like=cube_file, mode="w")
    with pytest.raises(ConfigError, match=r"absent must be one of \('skip', 'insert'\)"):
        to_segy(da, out, like=cube_file, absent="fill")


def test_append_is_a_deprecated_alias_of_insert(cube_file, tmp_path):
    da = _filled(open_segy(cube_file))
    with pytest.warns(FutureWarning, match="absent='append' is deprecated.*absent='insert'"):
        old = to_segy(da, tmp_path / "old.sgy", like=cube_file, absent="append")
    new = to_segy(da, tmp_path / "new.sgy", like=cube_file, absent="insert")
    assert old.read_bytes() == new.read_bytes()


def test_inserted_headers_come_from_the_nearest_trace(cube_file, tmp_path):
    da = _filled(open_segy(cube_file, chunks={"iline": 1}))
    out = tmp_path / "insert.sgy"
    to_segy(da, out, like=cube_file, absent="insert")
    back = open_segy(out)
    # geometry words and cdp x/y (scalar -10 from the neighbour) at the filled positions
    assert back.trace_index.sel(iline=10, xline=100).item() == 0
    assert back.trace_index.sel(iline=12, xline=104).item() == 12
    assert back.cdp_x.sel(iline=10, xline=100).item() == pytest.approx((10 * 1000 + 50) / 10)
    assert back.cdp_y.sel(iline=12, xline=104).item() == pytest.approx((104 * 250 + 7) / 10)
    # cloned from the nearest original trace: trace id and sample count kept
    _, src_headers, _ = _records(cube_file)
    _, headers, _ = _records(out)
    for k in (0, 12):
        np.testing.assert_array_equal(headers[k, 28:30], src_headers[0, 28:30])
        np.testing.assert_array_equal(headers[k, 114:118], src_headers[0, 114:118])


def test_insert_prestack_deferred(make_segy, rng, tmp_path):
    shots = np.repeat(np.arange(1, 4), 4)
    offsets = np.tile(np.arange(100, 500, 100), 3)
    keep = np.ones(12, bool)
    keep[5] = False  # shot 2, offset 200
    headers = {9: shots[keep], 37: offsets[keep], 29: np.full(11, 1)}
    src = make_segy("shots.sgy", headers, rng.normal(size=(11, 10)), endian="little")
    da = _filled(open_segy(src))
    assert da.dims == ("shot", "offset", "time")
    out = tmp_path / "shots_out.sgy"
    task = to_segy(da, out, like=src, absent="insert", compute=False)
    assert not out.exists()
    task.compute()
    back = open_segy(out)
    assert back.dims == ("shot", "offset", "time") and back.shape == (3, 4, 10)
    assert back.trace_index.sel(shot=2, offset=200).item() == 5
    np.testing.assert_allclose(back.values, da.values, rtol=0, atol=0)
    assert FORMATS[read_layout(out).format_code].code == 5
