from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promethium.io.segy import open_segy, to_segy
from promethium.io.segy.layout import read_layout
from promethium.io.segy.samples import FORMATS, ibm_to_ieee, ieee_to_ibm

_SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _headers(kind: str, rng: np.random.Generator) -> dict[int, np.ndarray]:
    if kind == "2d":
        n = int(rng.integers(2, 12))
        return {21: np.arange(1, n + 1) * 2, 181: rng.integers(0, 10**6, n), 71: np.full(n, -100)}
    if kind == "3d":
        il, xl = np.meshgrid(np.arange(int(rng.integers(2, 5))), np.arange(3, 3 + 3), indexing="ij")
        keep = rng.random(il.size) > 0.3
        keep[::3] = True  # every iline keeps a trace
        keep[:3] = True  # and so does every xline
        return {189: il.ravel()[keep] + 1, 193: xl.ravel()[keep]}
    shots, offsets = int(rng.integers(1, 4)), int(rng.integers(2, 5))
    return {
        9: np.repeat(np.arange(shots), offsets) + 1,
        37: np.tile(np.arange(offsets) * 25, shots),
    }


def _file_parts(path) -> tuple[bytes, np.ndarray, np.ndarray]:
    layout = read_layout(path)
    records = np.fromfile(path, dtype=layout.record_dtype(), offset=layout.data_start)
    return open(path, "rb").read(layout.data_start), records["header"], records["data"]


@pytest.mark.filterwarnings("ignore:.*grid positions with no trace:UserWarning")
@pytest.mark.parametrize("fmt", sorted(FORMATS))
@settings(_SETTINGS, max_examples=6)
@given(
    kind=st.sampled_from(["2d", "3d", "prestack"]),
    endian=st.sampled_from(["big", "little"]),
    ns=st.integers(2, 24),
    seed=st.integers(0, 2**16),
)
def test_roundtrip_like_is_byte_identical(make_segy, tmp_path, kind, fmt, endian, ns, seed):
    rng = np.random.default_rng(seed)
    headers = _headers(kind, rng)
    n = next(iter(headers.values())).size
    integer = np.dtype(FORMATS[fmt].file_dtype).kind in "iu" and fmt != 1
    if integer:  # integer-valued data, room for the change below (x2 + 1) in 1 byte
        low = 0 if np.dtype(FORMATS[fmt].file_dtype).kind == "u" else -60
        data = rng.integers(low, 60, (n, ns)).astype(np.float64)
    else:
        data = rng.standard_normal((n, ns)) * 10.0 ** rng.integers(-3, 4)
    data[rng.random(n) < 0.2] = 0.0
    src = make_segy(f"in-{seed}.sgy", headers, data, fmt=fmt, endian=endian)
    da = open_segy(src, chunks=1)
    assert da.attrs["geometry"] == ("prestack" if kind == "prestack" else kind)
    out = tmp_path / f"out-{seed}.sgy"
    to_segy(da, out, like=src, mode="w")  # hypothesis examples share tmp_path
    assert out.read_bytes() == src.read_bytes()

    # New samples: headers stay byte-identical, values come back exactly (IBM: to IBM
    # precision; integer formats: integer-valued data).
    changed = da * 2 + 1 if integer else da * np.float32(-1.5) + np.float32(0.25)
    to_segy(changed, out, like=src, mode="w")
    head, trace_headers, _ = _file_parts(out)
    head0, trace_headers0, _ = _file_parts(src)
    assert head == head0
    assert np.array_equal(trace_headers, trace_headers0)
    back = open_segy(out).values
    expected = changed.values
    if fmt == 1:
        expected = ibm_to_ieee(ieee_to_ibm(expected))
    live = da.trace_index.values >= 0
    np.testing.assert_array_equal(back[live], expected[live])


@pytest.mark.parametrize("fmt", [1, 2, 3, 5])
@pytest.mark.parametrize("endian", ["big", "little"])
def test_roundtrip_without_like(make_segy, cube_headers, rng, tmp_path, fmt, endian):
    headers = cube_headers(np.arange(1, 4), np.arange(5, 9), {(2, 6)})
    n = headers[189].size
    data = np.rint(rng.standard_normal((n, 20)) * 100).astype(np.float32)
    src = make_segy("in.sgy", headers, data, delay=8)
    da = open_segy(src)
    out = tmp_path / "new.sgy"
    to_segy(da, out, format=fmt, endian=endian)
    back = open_segy(out)
    assert back.attrs["segy_format"] == fmt and back.attrs["segy_endian"] == endian
    assert back.dims == da.dims
    np.testing.assert_array_equal(back.values, da.values)
    np.testing.assert_array_equal(back.time.values, da.time.values)
    np.testing.assert_array_equal(back.trace_mask.values, da.trace_mask.values)
    live = da.trace_mask.values
    for name in ("cdp_x", "cdp_y"):
        np.testing.assert_allclose(back[name].values[live], da[name].values[live])
        assert back[name].attrs["units"] == "m"


def test_ibm_conversion_is_exact_for_ibm_values():
    rng = np.random.default_rng(0)
    words = (rng.integers(1, 2**24, 5000) | (1 << 20)).astype(np.uint32)  # normalized
    words |= (rng.integers(40, 90, 5000).astype(np.uint32) << 24) | (
        rng.integers(0, 2, 5000).astype(np.uint32) << 31
    )
    assert np.array_equal(ieee_to_ibm(ibm_to_ieee(words)), words)
    assert ibm_to_ieee(ieee_to_ibm(np.float32([0.0, 1.0, -118.625]))).tolist() == [
        0.0,
        1.0,
        -118.625,
    ]


def test_deferred_write(cube_file, tmp_path):
    da = open_segy(cube_file)
    out = tmp_path / "later.sgy"
    task = to_segy(da, out, like=cube_file, compute=False)
    assert not out.exists()
    task.compute()
    assert out.read_bytes() == cube_file.read_bytes()


def _holed(kind: str, rng: np.random.Generator) -> dict[int, np.ndarray]:
    """A survey with holes: a 2-D line with gaps, a cube without corners, gathers."""
    if kind == "2d":
        cdp = np.arange(1, int(rng.integers(5, 12)))
        # Holes inside the line, at most half of it (the reader fills missing steps only
        # while the grid stays compact: at most twice the cdps present); the first two
        # and the last cdps stay, so the line has a regular step.
        interior = np.arange(2, cdp.size - 1)
        n_holes = int(rng.integers(1, max(1, interior.size // 2) + 1))
        keep = np.ones(cdp.size, bool)
        keep[rng.choice(interior, size=n_holes, replace=False)] = False
        return {21: cdp[keep] * 2, 37: np.full(keep.sum(), 25)}
    if kind == "3d":  # corners never shot; the offset is constant over the survey
        il, xl = np.meshgrid(np.arange(1, 6), np.arange(10, 16), indexing="ij")
        corner = int(rng.integers(1, 3))
        keep = (il + (xl - 10) >= corner + 1) & (il + (xl - 10) <= 13 - corner)
        n = int(keep.sum())
        return {189: il[keep], 193: xl[keep], 37: np.full(n, 50), 181: il[keep] * 100 + 5}
    shots, offsets = np.meshgrid(np.arange(1, 4), np.arange(1, 5) * 100, indexing="ij")
    keep = rng.random(shots.size).reshape(shots.shape) > 0.25
    keep[:, 0] = keep[0, :] = True
    keep[-1, -1] = False
    return {9: shots[keep], 37: offsets[keep]}


@settings(_SETTINGS, max_examples=10)
@given(
    kind=st.sampled_from(["2d", "3d", "prestack"]),
    fmt=st.sampled_from([1, 5]),
    endian=st.sampled_from(["big", "little"]),
    seed=st.integers(0, 2**16),
)
def test_without_like_a_grid_with_holes_reads_back_as_the_same_survey(
    make_segy, tmp_path, kind, fmt, endian, seed
):
    rng = np.random.default_rng(seed)
    headers = _holed(kind, rng)
    n = next(iter(headers.values())).size
    src = make_segy(f"holed-{seed}.sgy", headers, rng.standard_normal((n, 6)), fmt=fmt)
    da = open_segy(src)
    assert (da.trace_index.values < 0).any()
    out = tmp_path / f"new-{seed}.sgy"
    to_segy(da, out, format=fmt, endian=endian, mode="w")
    back = open_segy(out)
    assert back.attrs["geometry"] == da.attrs["geometry"] and back.dims == da.dims
    for dim in da.dims:
        np.testing.assert_array_equal(back[dim].values, da[dim].values)
    np.testing.assert_array_equal(back.trace_mask.values, da.trace_mask.values)
    np.testing.assert_array_equal(back.trace_index.values < 0, da.trace_index.values < 0)
    np.testing.assert_array_equal(back.values, da.values)
    assert read_layout(out).n_traces == n  # only the traces present were written
    for name in ("offset", "cdp_x"):
        if name in da.coords and name not in da.dims:
            live = da.trace_index.values >= 0
            np.testing.assert_array_equal(back[name].values[live], da[name].values[live])

    # the holes filled (trace_filled): written in place, the survey is the same, and a
    # constant key (a cube's offset) stays constant, so the cube does not turn pre-stack
    holes = da.trace_index.values < 0
    filled = da.copy(data=np.where(holes[..., None], 1.0, da.values)).assign_coords(
        trace_filled=(da.dims[:-1], holes)
    )
    to_segy(filled, out, format=fmt, endian=endian, mode="w")
    full = open_segy(out)
    assert full.attrs["geometry"] == da.attrs["geometry"] and full.dims == da.dims
    assert (full.trace_index.values >= 0).all() and full.trace_mask.values.all()
    np.testing.assert_array_equal(full.values, filled.values)
    if "offset" in da.coords and "offset" not in da.dims:
        assert np.unique(full.offset.values).size == 1
