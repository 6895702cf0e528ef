"""Fixtures that write small SEG-Y files with segyio in tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest


def write_segy(
    path: Path,
    headers: dict[int, np.ndarray],
    data: np.ndarray,
    *,
    fmt: int = 5,
    endian: str = "big",
    dt: int = 4000,
    trace_dt: int | None = None,
    delay: int = 0,
    measurement: int = 1,
) -> Path:
    """Write traces `data` (n, ns) with header words {byte: values} using segyio."""
    import segyio

    from promethium.io.segy.samples import FORMATS

    n, ns = data.shape
    dtype = np.float32 if fmt == 1 else np.dtype(FORMATS[fmt].file_dtype)
    spec = segyio.spec()
    spec.iline, spec.xline, spec.format = 189, 193, fmt
    spec.samples = list(range(ns))
    spec.tracecount = n
    spec.endian = endian
    with segyio.create(str(path), spec) as f:
        for i in range(n):
            words = {byte: int(values[i]) for byte, values in headers.items()}
            words.setdefault(segyio.TraceField.TRACE_SAMPLE_INTERVAL, trace_dt or dt)
            words.setdefault(segyio.TraceField.TRACE_SAMPLE_COUNT, ns)
            words.setdefault(segyio.TraceField.DelayRecordingTime, delay)
            f.header[i] = words
        for i in range(n):
            f.trace[i] = np.ascontiguousarray(data[i], dtype=dtype)
        f.bin.update(hdt=dt, hns=ns, mfeet=measurement)
    return path


def cube_headers(
    ilines: np.ndarray, xlines: np.ndarray, missing: set[tuple[int, int]] = frozenset()
) -> dict[int, np.ndarray]:
    """Header words of a 3-D cube, iline-major, with `missing` (iline, xline) removed."""
    grid = [(i, x) for i in ilines for x in xlines if (i, x) not in missing]
    il = np.array([g[0] for g in grid])
    xl = np.array([g[1] for g in grid])
    return {189: il, 193: xl, 181: il * 1000 + 50, 185: xl * 250 + 7, 71: np.full(il.size, -10)}


@pytest.fixture(name="cube_headers")
def cube_headers_fixture() -> Callable[..., dict[int, np.ndarray]]:
    """The :func:`cube_headers` helper, for tests."""
    return cube_headers


@pytest.fixture
def make_segy(tmp_path: Path) -> Callable[..., Path]:
    """Factory ``make_segy(name, headers, data, **options)`` writing into tmp_path."""

    def make(name: str, headers: dict[int, np.ndarray], data: np.ndarray, **options) -> Path:
        return write_segy(tmp_path / name, headers, data, **options)

    return make


@pytest.fixture
def cube_file(make_segy, rng) -> Path:
    """A 4 x 5 cube, 30 samples, IEEE big-endian, with two missing traces."""
    headers = cube_headers(np.arange(10, 14), np.arange(100, 110, 2), {(10, 100), (12, 104)})
    n = headers[189].size
    return make_segy("cube.sgy", headers, rng.standard_normal((n, 30)).astype(np.float32))
