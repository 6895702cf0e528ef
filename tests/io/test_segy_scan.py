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


def test_scan_prefers_counters_at_221_over_cdp_coordinates(make_segy):
    # A cube like /tmp/jw/b221.sgy: iline/xline at 221/225 (raw bytes, segyio has no
    # field there), scaled CDP X/Y at 181/185 with as many distinct values as the lines.
    ni, nx, ns = 5, 6, 8
    il, xl = (
        np.repeat(np.arange(1000, 1000 + ni), nx),
        np.tile(np.arange(2000, 2000 + 2 * nx, 2), ni),
    )
    headers = {
        189: il,
        193: xl,
        181: (500000 + 25 * (xl - 2000) // 2) * 10,
        185: (6000000 + 25 * (il - 1000)) * 10,
        71: np.full(il.size, -10),
    }
    path = make_segy("b221.sgy", headers, np.ones((il.size, ns), np.float32))
    raw = bytearray(path.read_bytes())
    for k in range(il.size):
        o = 3600 + k * (240 + 4 * ns)
        raw[o + 220 : o + 228], raw[o + 188 : o + 196] = raw[o + 188 : o + 196], bytes(8)
    path.write_bytes(bytes(raw))
    scan = scan_headers(path)
    assert scan.suggestion == {"iline": 221, "xline": 225}
    assert scan.candidates[0][1:3] == (221, 225)
    pairs = {(slow, fast) for _, slow, fast, _ in scan.candidates}
    assert not pairs & {(185, 225), (221, 181), (181, 225), (221, 185)}  # never mixed
    scores = {(slow, fast): score for score, slow, fast, _ in scan.candidates}
    assert scores[221, 225] > scores.get((185, 181), 0) + 1  # no near tie with coordinates
    assert open_segy(path, **scan.suggestion).shape == (ni, nx, ns)
