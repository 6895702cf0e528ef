"""The chunks of one compute read into one buffer: whole reads without dask's copy."""

from __future__ import annotations

import gc
import mmap
import pickle
import tracemalloc

import dask
import numpy as np
import pytest
import segyio
from hypothesis import given, settings
from hypothesis import strategies as st

from promethium.io.segy import open_segy
from promethium.io.segy.lazy import shares_one_buffer
from promethium.io.segy.shared import SegyBlock, SharedResult, join_blocks


def _raw(path, endian="big"):
    with segyio.open(str(path), ignore_geometry=True, endian=endian) as f:
        return f.trace.raw[:]


@pytest.fixture
def cube(make_segy, cube_headers, rng):
    """A 6 x 5 cube of 40 samples: (path, the samples as segyio reads them)."""
    headers = cube_headers(np.arange(6), np.arange(5))
    path = make_segy("c.sgy", headers, rng.standard_normal((30, 40)).astype(np.float32), fmt=1)
    return path, _raw(path).reshape(6, 5, 40)


@pytest.mark.parametrize("fmt", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("endian", ["big", "little"])
def test_whole_and_sliced_reads_match_segyio(make_segy, cube_headers, rng, fmt, endian):
    headers = cube_headers(np.arange(5), np.arange(4))
    data = rng.normal(scale=50, size=(20, 16))
    path = make_segy("f.sgy", headers, data, fmt=fmt, endian=endian)
    expected = _raw(path, endian).reshape(5, 4, 16)
    da = open_segy(path, chunks={"iline": 2})
    assert shares_one_buffer(da.data.chunks[:2], da.nbytes)
    np.testing.assert_array_equal(da.values, expected)
    np.testing.assert_array_equal(da.compute().values, expected)
    np.testing.assert_array_equal(da.isel(iline=slice(1, 4), xline=[0, 3]).values,
                                  expected[1:4][:, [0, 3]])  # fmt: skip
    assert bool(da.trace_mask.all())


def test_whole_read_allocates_nothing_beyond_the_chunks(make_segy, cube_headers, rng):
    headers = cube_headers(np.arange(40), np.arange(25))
    path = make_segy("big.sgy", headers, rng.standard_normal((1000, 1000)).astype(np.float32))
    expected = _raw(path).reshape(40, 25, 1000)
    da = open_segy(path, chunks={"iline": 4})
    tracemalloc.start()
    try:
        values = da.values
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(values, expected)
    # tracemalloc sees the chunk regions (the result); dask's join would add a copy
    assert values.nbytes <= peak < 1.25 * values.nbytes
    assert type(values) is np.ndarray and values.flags.writeable


@pytest.mark.parametrize(
    ("chunks", "shared"),
    [
        ({"iline": 1, "xline": 2}, True),  # unit ilines, split xlines: contiguous
        ({"iline": 2, "xline": 2}, False),  # split in two dims: strided regions
        ({"iline": -1}, False),  # one chunk: it is the result already
        ({"iline": 4, "time": 7}, True),  # time rechunked after the read
    ],
)
def test_chunk_layouts(cube, chunks, shared):
    path, expected = cube
    da = open_segy(path, chunks=chunks)
    grid = da.data.chunks[:2] if "time" not in chunks else ((4, 2), (5,))
    assert shares_one_buffer(grid, da.nbytes) is shared
    np.testing.assert_array_equal(da.values, expected)
    np.testing.assert_array_equal(da[1:5, 1:4, 3:30].values, expected[1:5, 1:4, 3:30])
    live = da.compute()
    np.testing.assert_array_equal(live.values, expected)
    assert live.trace_mask.values.all()


def test_a_region_is_given_out_once(cube):
    path, expected = cube
    data = open_segy(path, chunks={"iline": 2}).data
    persisted = data.persist()
    first, second = persisted.compute(), persisted.compute()
    assert not np.shares_memory(first, second)  # the second join copies
    np.testing.assert_array_equal(second, expected)
    a, b = dask.compute(data, data.map_blocks(lambda block: block))  # the same chunks
    assert not np.shares_memory(a, b)
    np.testing.assert_array_equal(b, expected)


def test_too_large_or_single_chunk_is_not_shared():
    assert not shares_one_buffer(((3,), (4,)), 100)
    assert not shares_one_buffer(((1, 1), (2, 2)), 1 << 62)  # beyond physical memory
    assert shares_one_buffer(((1, 1), (2, 2)), 100)
    assert not shares_one_buffer(((2, 2), (2, 2)), 100)


def test_join_of_foreign_or_strided_parts_copies():
    result = SharedResult((4, 6), "float32")
    top, bottom = result.region((slice(0, 2),)), result.region((slice(2, 4),))
    top[:], bottom[:] = 1, 2
    joined = join_blocks([top, bottom], axis=0)
    assert np.shares_memory(joined, top) and joined.shape == (4, 6)
    again = join_blocks([top, bottom], axis=0)  # `joined` is alive: copied
    assert not np.shares_memory(again, top)
    np.testing.assert_array_equal(again, joined)
    side = join_blocks([top, bottom], axis=1)  # not side by side in memory along axis 1
    assert side.shape == (2, 12) and not np.shares_memory(side, top)
    reversed_ = join_blocks([bottom, top], axis=0)
    np.testing.assert_array_equal(reversed_[:2], 2)
    other = SharedResult((2, 6), "float32").region((slice(0, 2),))
    mixed = join_blocks([top, other], axis=0)
    assert not np.shares_memory(mixed, top) and type(mixed) is np.ndarray


@pytest.mark.skipif(not hasattr(mmap, "MADV_DONTNEED"), reason="no madvise")
def test_dead_regions_return_their_pages():
    rows = mmap.PAGESIZE // 4
    result = SharedResult((4, rows), "float32")
    regions = [result.region((slice(i, i + 1),)) for i in range(4)]
    for i, region in enumerate(regions):
        region[:] = i + 1
    whole = result._buffer().reshape(4, rows)  # not a region: does not keep pages
    kept = regions[1]
    del regions, region
    gc.collect()
    assert (whole[0] == 0).all() and (whole[2:] == 0).all()  # pages returned: zeros
    assert (whole[1] == 2).all() and (kept == 2).all()
    joined = result.region((slice(0, 1),))
    assert (joined == 0).all()


def test_blocks_pickle_as_plain_arrays_and_arithmetic_is_plain():
    result = SharedResult((2, 3), "float64")
    block = result.region((slice(0, 1),))
    block[:] = 5
    clone = pickle.loads(pickle.dumps(block))
    assert type(clone) is np.ndarray and clone.tolist() == [[5.0, 5.0, 5.0]]
    assert type(block + 1) is np.ndarray and type(np.fmax.reduce(block, axis=-1)) is np.ndarray
    assert isinstance(block[:, 1:], SegyBlock) and block[:, 1:]._owner is result
    assert block.copy()._owner is None  # a copy does not keep the buffer
    empty = pickle.loads(pickle.dumps(result))
    assert empty.shape == (2, 3) and empty._whole is None


def test_region_must_be_contiguous():
    with pytest.raises(ValueError, match="not contiguous"):
        SharedResult((4, 4, 2), "float32").region((slice(0, 2), slice(0, 2)))


@settings(max_examples=15, deadline=None)
@given(
    il=st.integers(2, 5),
    xl=st.integers(2, 4),
    chunk=st.integers(1, 5),
    fmt=st.sampled_from([1, 3, 5]),
    endian=st.sampled_from(["big", "little"]),
    seed=st.integers(0, 2**16),
)
def test_round_trip_any_chunks(tmp_path_factory, il, xl, chunk, fmt, endian, seed):
    from tests.io.conftest import cube_headers, write_segy

    rng = np.random.default_rng(seed)
    headers = cube_headers(np.arange(il), np.arange(xl))
    data = rng.normal(scale=100, size=(il * xl, 9))
    path = write_segy(tmp_path_factory.mktemp("rt") / "r.sgy", headers, data, fmt=fmt,
                      endian=endian)  # fmt: skip
    expected = _raw(path, endian).reshape(il, xl, 9)
    da = open_segy(path, chunks={"iline": chunk})
    np.testing.assert_array_equal(da.values, expected)
    np.testing.assert_array_equal(da.isel(iline=slice(il // 2, None)).values, expected[il // 2 :])


def test_a_buffer_that_cannot_be_reserved_gives_chunks_of_their_own(cube, monkeypatch):
    from promethium.io.segy import shared

    def refuse(nbytes):
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(shared, "_anonymous", refuse)
    path, expected = cube
    da = open_segy(path, chunks={"iline": 2})
    np.testing.assert_array_equal(da.values, expected)
    block = SharedResult((6, 5, 40), "float32").region((slice(2, 4),))
    assert block.shape == (2, 5, 40) and block._owner is None and not block.any()
