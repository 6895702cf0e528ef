from __future__ import annotations

import ast
import dataclasses
import importlib
import os
from pathlib import Path

import numpy as np
import pytest
import segyio
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import promethium.io.segy
import promethium.io.segy.headers as headers_module
from promethium.errors import PromethiumWarning, SegyFormatError, SourceChangedError
from promethium.io.segy import open_segy, to_segy
from promethium.io.segy.build import binary_header
from promethium.io.segy.headers import header_word, read_trace_headers, read_words
from promethium.io.segy.layout import read_layout
from promethium.io.segy.text import text_header


def _line(n: int, ns: int, values: np.ndarray) -> xr.DataArray:
    time = ("time", np.arange(ns) * 4.0, {"units": "ms"})
    return xr.DataArray(
        values, dims=("cdp", "time"), coords={"cdp": np.arange(1, n + 1), "time": time}
    )


@pytest.mark.parametrize("fmt", [1, 2, 3, 5, 6, 8, 10, 11, 16])
@pytest.mark.parametrize("endian", ["big", "little"])
def test_every_format_reads_as_segyio_does(tmp_path, rng, fmt, endian):
    values = rng.integers(0, 100, (6, 9)).astype(np.float64)
    values[2] = 0.0
    path = tmp_path / f"f{fmt}.sgy"
    to_segy(_line(6, 9, values), path, format=fmt, endian=endian)
    layout = read_layout(path)
    assert layout.engine == "segyio"
    da = open_segy(path, chunks=2)
    with segyio.open(str(path), ignore_geometry=True, endian=endian) as f:
        reference = f.trace.raw[:]
    np.testing.assert_array_equal(da.values, reference)
    np.testing.assert_array_equal(da.values, values)
    # scattered traces (fancy selection) come through per-run segyio reads
    np.testing.assert_array_equal(da.isel(cdp=[5, 1, 3]).values, reference[[5, 1, 3]])
    assert da.trace_mask.values.tolist() == [True, True, False, True, True, True]


def _segyio_fields() -> dict[int, int]:
    """Trace header words that segyio's ``attributes`` reads: byte -> size in bytes."""
    starts = sorted(int(v) for v in segyio.TraceField.enums())
    return {b: nxt - b for b, nxt in zip(starts, [*starts[1:], 241], strict=True)}


def test_header_words_any_byte_and_size(make_segy, rng):
    headers = {189: np.arange(8) + 3, 115: np.full(8, 5)}
    path = make_segy("w.sgy", headers, rng.normal(size=(8, 5)))
    records = np.memmap(path, dtype=np.uint8, mode="r+", offset=3600, shape=(8, 240 + 20))
    records[:, 220:224] = (np.arange(8) * 7).astype(">i4").view(np.uint8).reshape(8, 4)
    records.flush()
    del records
    layout = read_layout(path)
    words = read_words(layout, [(189, 4), (221, 4), (115, 2), (189, 2)])
    raw = read_trace_headers(layout)
    assert raw.shape == (8, 240)
    for word, values in words.items():
        np.testing.assert_array_equal(values, header_word(raw, word, "big"))
    assert words[221, 4].tolist() == (np.arange(8) * 7).tolist()
    assert words[189, 2].tolist() == [0] * 8  # the high half of a small 4-byte value
    assert read_words(layout, [(189, 4)], stop=1)[189, 4].tolist() == [3]
    assert read_words(layout, []) == {}
    assert open_segy(path, iline=221, geometry="2d").dims == ("iline", "time")


@settings(deadline=None)
@given(
    n=st.integers(1, 40),
    ns=st.integers(1, 9),
    endian=st.sampled_from(["big", "little"]),
    window_traces=st.integers(1, 12),
    seed=st.integers(0, 2**32 - 1),
)
def test_header_words_equal_segyio_attributes_on_random_headers(
    tmp_path_factory, n, ns, endian, window_traces, seed
):
    """Every standard word, read in windows of a few traces, is what segyio reads."""
    rng = np.random.default_rng(seed)
    path = tmp_path_factory.mktemp("random") / "random.sgy"
    order = ">" if endian == "big" else "<"
    records = np.zeros(n, dtype=[("header", "u1", (240,)), ("data", f"{order}f4", (ns,))])
    records["header"] = rng.integers(0, 256, (n, 240), dtype=np.uint8)
    records["data"] = rng.standard_normal((n, ns))
    with open(path, "wb") as f:
        f.write(text_header(["random trace headers"]))
        f.write(binary_header(dt_us=4000, n_samples=ns, format_code=5, endian=endian,
                              measurement=1))  # fmt: skip
        records.tofile(f)
    layout = read_layout(path)
    fields = _segyio_fields()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(headers_module, "HEADER_WINDOW", window_traces * layout.trace_len)
        words = read_words(layout, list(fields.items()))
    with segyio.open(str(path), ignore_geometry=True, endian=endian) as f:
        for byte, size in fields.items():
            np.testing.assert_array_equal(words[byte, size], f.attributes(byte)[:], str(byte))
    raw = read_trace_headers(layout)
    np.testing.assert_array_equal(raw, records["header"])


def test_header_read_refuses_a_file_shorter_than_its_layout(cube_file, tmp_path):
    """A layout not pinned to a file version (a file being written) checks the size."""
    short = tmp_path / "short.sgy"
    short.write_bytes(cube_file.read_bytes())
    layout = dataclasses.replace(read_layout(short), identity=None)
    with open(short, "r+b") as f:
        f.truncate(3600 + 2 * layout.trace_len + 10)
    with pytest.raises(SegyFormatError, match=r"short\.sgy: expected trace \d+ but the file"):
        read_words(layout, [(189, 4)])


def test_header_read_of_a_replaced_file_raises(cube_file, tmp_path):
    path = tmp_path / "a.sgy"
    path.write_bytes(cube_file.read_bytes())
    layout = read_layout(path)
    new = tmp_path / "new.sgy"
    new.write_bytes(cube_file.read_bytes())
    os.replace(new, path)
    with pytest.raises(SourceChangedError, match="replaced"):
        read_words(layout, [(189, 4)])


def test_binary_sample_count_wrong_reads_with_numpy(cube_file, tmp_path):
    raw = bytearray(cube_file.read_bytes())
    raw[3220:3222] = (7).to_bytes(2, "big")  # segyio refuses: size mismatch
    bad = tmp_path / "bad_ns.sgy"
    bad.write_bytes(bytes(raw))
    with pytest.warns(PromethiumWarning, match="binary header says 7 samples"):
        layout = read_layout(bad)
    assert layout.engine == "numpy" and layout.n_samples == 30
    with pytest.warns(PromethiumWarning):
        da = open_segy(bad)
    np.testing.assert_array_equal(da.values, open_segy(cube_file).values)


def test_segyio_errors_become_segy_format_errors(cube_file, tmp_path):
    from promethium.io.segy.engine import segyio_file

    with pytest.raises(SegyFormatError, match="cannot read the file"):
        with segyio_file(str(tmp_path / "none.sgy"), "big"):
            pass
    cut = tmp_path / "cut.sgy"
    cut.write_bytes(cube_file.read_bytes()[:-5])
    with pytest.raises(SegyFormatError, match=r"cut\.sgy: segyio cannot open it as SEG-Y"):
        with segyio_file(str(cut), "big"):
            pass


def _imports(module: str) -> set[str]:
    """Modules that `module` (a file of promethium.io.segy) imports, lazily or not."""
    path = Path(promethium.io.segy.__file__).parent / f"{module}.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_engine_is_the_only_segyio_caller_and_imports_only_errors():
    package = Path(promethium.io.segy.__file__).parent
    callers = {p.stem for p in package.glob("*.py") if "segyio" in _imports(p.stem)}
    assert callers == {"engine"}
    ours = {m for m in _imports("engine") if m.startswith("promethium")}
    assert ours == {"promethium.errors"}  # the base of every layer, nothing else


def test_segy_layer_imports_point_one_way():
    """engine <- samples <- layout <- spans <- headers <- traces/geometry <- lazy <- read."""
    order = [
        "engine", "samples", "layout", "spans", "headers", "geometry", "traces", "lazy", "read",
    ]  # fmt: skip
    for i, module in enumerate(order):
        later = {f"promethium.io.segy.{m}" for m in order[i + 1 :]}
        assert not _imports(module) & later, module
    assert "promethium.io.segy.headers" not in _imports("layout")  # no re-exports
    assert not set(vars(importlib.import_module("promethium.io.segy.headers"))) & {
        "read_layout",
        "looks_like_segy",
        "HEADER_SIZE",
        "REV2_ENDIAN_CONSTANT",
    }
