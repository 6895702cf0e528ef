from __future__ import annotations

import numpy as np
import pytest

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
    assert info.kind == "SEG-Y" and info.segy is not None
    assert (info.segy.format_code, info.segy.format_name) == (5, "4-byte IEEE float")
    assert info.segy.endian == "big"
    assert (info.n_traces, info.n_samples) == (18, 30)
    assert info.sample_interval == 4.0 and info.units == "ms"
    assert (info.first_sample, info.last_sample) == (0.0, 116.0)
    assert info.geometry == "3d" and info.dims == {"iline": 4, "xline": 5, "time": 30}
    assert info.sort_order == "iline-major"
    assert info.traces.dead is None  # headers only unless asked
    assert info.traces.absent == 2 and info.traces.positions == 20
    assert "not counted (use --dead-traces)" in str(info)
    assert info.segy.byte_locations["iline"] == (189, 4)
    keys = {k.name: k for k in info.keys}
    assert set(keys) == {"iline", "xline"}  # offset, cdp, shot, channel are unset
    assert (keys["xline"].byte, keys["xline"].min, keys["xline"].max) == (193, 100, 108)
    assert (keys["xline"].step, keys["xline"].count, keys["xline"].regular) == (2, 5, True)
    assert info.fold is not None and (info.fold.min, info.fold.max) == (1, 1)
    assert info.fold.n_bins == 18
    # cdp_x = iline * 1000 + 50 and cdp_y = xline * 250 + 7 under a scalar of -10.
    extents = {e.name: (e.min, e.max, e.units) for e in info.extents}
    assert extents["cdp_x"] == (1005.0, 1305.0, "m")
    assert extents["cdp_y"] == (pytest.approx(2500.7), pytest.approx(2700.7), "m")
    text = str(info)
    assert "every 4 ms, time 0 to 116 ms" in text and "3d (iline=4, xline=5" in text
    assert "2 absent (10.0%)" in text
    counted = segy_info(cube_file, dead_traces=True)
    assert (counted.traces.dead, counted.traces.missing) == (0, 2)
    assert "0 dead (0.0%), 2 missing (10.0%)" in str(counted)


def test_info_as_json_is_plain_data(cube_file):
    import json

    data = json.loads(json.dumps(segy_info(cube_file).to_dict()))
    assert data["segy"]["binary"]["format_code"] == 5
    assert data["segy"]["binary"]["sample_interval_us"] == 4000
    assert data["segy"]["byte_locations"]["iline"] == [189, 4]
    assert data["traces"] == {
        "positions": 20, "absent": 2, "dead": None, "missing": None, "filled": None
    }  # fmt: skip
    assert [k["name"] for k in data["keys"]] == ["iline", "xline"]


def test_info_does_not_read_samples_by_default(cube_file, monkeypatch):
    from promethium.io.segy import traces

    def refuse(*args, **kwargs):
        raise AssertionError("segy_info read trace samples")

    monkeypatch.setattr(traces, "read_traces", refuse)
    assert segy_info(cube_file).traces.dead is None


def test_info_counts_dead_and_suggests(make_segy, rng):
    data = rng.normal(size=(12, 8))
    data[[1, 5]] = 0
    data[7] = np.nan
    headers = {17: np.repeat(np.arange(3), 4), 21: np.tile(np.arange(4), 3)}
    info = segy_info(make_segy("odd.sgy", headers, data), dead_traces=True)
    assert info.geometry == "traces"
    assert info.traces.dead == 3
    assert "3 dead (25.0%)" in info.to_text()
    assert info.suggestion == {"iline": 17, "xline": 21}
    assert "open_segy(path, iline=17, xline=21)" in info.to_text()


def test_info_fold_of_prestack_gathers(make_segy, rng):
    # Three shots of four offsets; cdp numbers as a 2:1 roll-along gives them.
    shot, off = np.repeat([1, 2, 3], 4), np.tile([100, 200, 300, 400], 3)
    cdp = 2 * shot + off // 100
    info = segy_info(make_segy("g.sgy", {9: shot, 37: off, 21: cdp}, rng.normal(size=(12, 8))))
    assert info.geometry == "prestack" and info.dims == {"shot": 3, "offset": 4, "time": 8}
    assert info.fold is not None and info.fold.bins == "cdp"
    counts = np.unique(cdp, return_counts=True)[1]
    assert (info.fold.min, info.fold.max, info.fold.n_bins) == (1, 2, counts.size)
    assert info.fold.mean == counts.mean()


def test_info_keys_report_irregular_spacing(make_segy, rng):
    # Crosslines 1, 2, 3, 5, 8: step 1, 5 of 8 values present.
    il, xl = np.repeat([10, 11], 5), np.tile([1, 2, 3, 5, 8], 2)
    info = segy_info(make_segy("irr.sgy", {189: il, 193: xl}, rng.normal(size=(10, 8))))
    xline = next(k for k in info.keys if k.name == "xline")
    assert (xline.step, xline.count, xline.regular) == (1, 5, False)
    assert xline.describe() == "irregular: 5 of 8 values"


def test_info_decodes_ascii_and_ebcdic_text_headers(cube_file, tmp_path):
    from promethium.io.segy.info import decode_text_header

    raw = bytearray(cube_file.read_bytes())
    cards = "".join(c.ljust(80) for c in ["C 1 CLIENT ACME [test]", "C 2 LINE 7", ""])
    for encoding, name in (("cp037", "EBCDIC"), ("ascii", "ASCII")):
        raw[:3200] = cards.ljust(3200).encode(encoding)
        path = tmp_path / f"{name}.sgy"
        path.write_bytes(bytes(raw))
        info = segy_info(path)
        assert info.segy is not None and info.segy.text_encoding == name
        assert info.segy.text == "C 1 CLIENT ACME [test]\nC 2 LINE 7"
        assert "  C 1 CLIENT ACME [test]" in str(info)
    assert decode_text_header(bytes(3200)) == ("", "blank")


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
