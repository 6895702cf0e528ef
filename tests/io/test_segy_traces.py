"""Sample reads by file trace index (``promethium.io.segy.traces``) against segyio."""

from __future__ import annotations

import numpy as np
import pytest
import segyio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promethium.io.segy.traces as traces_module
from promethium.errors import SegyFormatError
from promethium.io.segy import open_segy
from promethium.io.segy.layout import read_layout
from promethium.io.segy.traces import read_block, read_traces


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fmt=st.sampled_from([1, 2, 3, 5, 6, 8]),
    endian=st.sampled_from(["big", "little"]),
    n=st.integers(1, 30),
    ns=st.integers(1, 12),
    buffer_traces=st.integers(1, 7),
    data=st.data(),
)
def test_any_index_reads_what_segyio_reads(make_segy, fmt, endian, n, ns, buffer_traces, data):
    """Runs, scattered traces, repeats and absent rows (-1), through a tiny buffer."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    values = rng.integers(-100, 100, (n, ns)).astype(np.float64)
    path = make_segy("t.sgy", {}, values, fmt=fmt, endian=endian)  # rewritten each example
    index = np.array(data.draw(st.lists(st.integers(-1, n - 1), min_size=1, max_size=3 * n)))
    layout = read_layout(path)
    with segyio.open(str(path), ignore_geometry=True, endian=endian) as f:
        reference = f.trace.raw[:]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(traces_module, "READ_BUFFER_BYTES", buffer_traces * layout.trace_len)
        block = read_block(index.reshape(1, -1), layout)
    assert block.shape == (1, index.size, ns)
    assert block.dtype == np.dtype(layout.fmt.value_dtype)
    expected = np.where((index >= 0)[:, None], reference[np.maximum(index, 0)], 0)
    np.testing.assert_array_equal(block[0], expected)


def test_absent_rows_are_left_as_they_are(cube_file):
    layout = read_layout(cube_file)
    out = np.full((3, layout.n_samples), 7.0, np.float32)
    read_traces(layout, np.array([-1, 2, -1]), out)
    assert (out[[0, 2]] == 7.0).all() and not (out[1] == 7.0).all()
    read_traces(layout, np.array([-1, -1, -1]), out)  # nothing to read: the file is not opened


def test_a_file_shorter_than_its_layout_is_an_error(cube_file, tmp_path):
    import dataclasses

    short = tmp_path / "short.sgy"
    short.write_bytes(cube_file.read_bytes())
    layout = dataclasses.replace(read_layout(short), identity=None)  # not pinned
    with open(short, "r+b") as f:
        f.truncate(3600 + 5 * layout.trace_len + 3)
    with pytest.raises(SegyFormatError, match=r"short\.sgy: expected trace 5 but the file ends"):
        read_block(np.arange(layout.n_traces), layout)


def test_values_and_compute_agree_with_segyio_on_a_masked_cube(cube_file):
    da = open_segy(cube_file, chunks={"iline": 3})
    with segyio.open(str(cube_file), ignore_geometry=True) as f:
        reference = f.trace.raw[:]
    present = da.trace_index.values >= 0
    np.testing.assert_array_equal(da.values[present], reference)
    assert not da.values[~present].any()
    np.testing.assert_array_equal(da.compute().values, da.values)
