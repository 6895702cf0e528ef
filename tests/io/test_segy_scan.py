from __future__ import annotations

import numpy as np

from promethium.io.segy import open_segy, scan_headers, segy_info


def test_scan_suggests_nonstandard_bytes(make_segy, rng):
    il, xl = np.repeat(np.arange(20, 25), 6), np.tile(np.arange(300, 306), 5)
    keep = np.ones(il.size, bool)
    keep[[0, 7]] = False  # a missing corner and a hole
    headers = {17: il[keep], 21: xl[keep], 181: rng.integers(0, 10**6, keep.sum())}
    path = make_segy("odd.sgy", headers, rng.normal(size=(keep.sum(), 8)))
    scan = scan_headers(path)
    assert scan.suggestion == {"iline": 17, "xline": 21}
    assert scan.geometry == "3d"
    assert "suggestion: geometry='3d' iline=17, xline=21" in scan.to_text()
    da = open_segy(path, **scan.suggestion)
    assert da.shape == (5, 6, 8)
    assert int((da.trace_index < 0).sum()) == 2


def test_scan_suggests_prestack(make_segy, rng):
    headers = {9: np.repeat([7, 8, 9], 4), 37: np.tile([-150, -50, 50, 150], 3)}
    scan = scan_headers(make_segy("shots.sgy", headers, rng.normal(size=(12, 8))))
    assert scan.suggestion == {"shot": 9, "offset": 37}
    assert scan.geometry == "prestack"


def test_info_summary(cube_file):
    info = segy_info(cube_file)
    assert info.format.startswith("5 (4-byte IEEE float")
    assert info.endian == "big"
    assert (info.n_traces, info.n_samples) == (18, 30)
    assert info.sample_interval == 4.0 and info.sample_interval_unit == "ms"
    assert info.geometry == "3d" and info.dims == {"iline": 4, "xline": 5, "time": 30}
    assert info.dead_traces is None  # headers only unless asked
    assert "dead traces:     not counted (use --dead-traces)" in str(info)
    assert info.byte_locations["iline"] == (189, 4)
    text = str(info)
    assert "sample interval: 4 ms" in text and "geometry:        3d" in text
    counted = segy_info(cube_file, dead_traces=True)
    assert counted.dead_traces == 0
    assert "dead traces:     0 (all-zero or all-NaN)" in str(counted)


def test_info_does_not_read_samples_by_default(cube_file, monkeypatch):
    from promethium.io.segy import traces

    def refuse(*args, **kwargs):
        raise AssertionError("segy_info read trace samples")

    monkeypatch.setattr(traces, "read_traces", refuse)
    assert segy_info(cube_file).dead_traces is None


def test_info_counts_dead_and_suggests(make_segy, rng):
    data = rng.normal(size=(12, 8))
    data[[1, 5]] = 0
    data[7] = np.nan
    headers = {17: np.repeat(np.arange(3), 4), 21: np.tile(np.arange(4), 3)}
    info = segy_info(make_segy("odd.sgy", headers, data), dead_traces=True)
    assert info.geometry == "traces"
    assert info.dead_traces == 3
    assert "3 (all-zero or all-NaN)" in info.to_text()
    assert info.suggestion == {"iline": 17, "xline": 21}
    assert "open_segy(path, iline=17, xline=21)" in info.to_text()
