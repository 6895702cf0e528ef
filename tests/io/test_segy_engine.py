from __future__ import annotations

import ast
import importlib
from pathlib import Path

import numpy as np
import pytest
import segyio
import xarray as xr

import promethium.io.segy
from promethium.errors import PromethiumWarning, SegyFormatError
from promethium.io.segy import open_segy, to_segy
from promethium.io.segy.engine import segyio_fields
from promethium.io.segy.headers import header_word, read_trace_headers, read_words
from promethium.io.segy.layout import read_layout


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


def test_header_words_through_segyio_and_numpy_fallback(make_segy, rng):
    headers = {189: np.arange(8) + 3, 115: np.full(8, 5)}
    path = make_segy("w.sgy", headers, rng.normal(size=(8, 5)))
    records = np.memmap(path, dtype=np.uint8, mode="r+", offset=3600, shape=(8, 240 + 20))
    records[:, 220:224] = (np.arange(8) * 7).astype(">i4").view(np.uint8).reshape(8, 4)
    records.flush()
    del records
    layout = read_layout(path)
    assert segyio_fields()[189] == 4 and segyio_fields()[115] == 2 and 221 not in segyio_fields()
    words = read_words(layout, [(189, 4), (221, 4), (115, 2), (189, 2)])
    raw = read_trace_headers(layout)
    for word, values in words.items():
        np.testing.assert_array_equal(values, header_word(raw, word, "big"))
    assert words[221, 4].tolist() == (np.arange(8) * 7).tolist()
    assert read_words(layout, [(189, 4)], stop=1)[189, 4].tolist() == [3]
    assert open_segy(path, iline=221, geometry="2d").dims == ("iline", "time")


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
    """engine <- samples <- layout <- headers <- traces/geometry <- read; no way back."""
    order = ["engine", "samples", "layout", "headers", "geometry", "traces", "read"]
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
