from __future__ import annotations

import numpy as np
import pytest

import promethium as pm
from promethium.cli import main
from promethium.cli.selection import apply_selection, parse_selection
from promethium.errors import ConfigError


def test_convert_sel_writes_the_inclusive_label_range(cube, tmp_path, capsys):
    store = tmp_path / "sub.zarr"
    argv = ["convert", str(cube), str(store), "--sel", "iline=1001:1003", "--sel", "xline=24:30"]
    assert main([*argv, "--no-progress"]) == 0
    sub, full = pm.open_zarr(store), pm.open_segy(cube)
    assert sub.iline.values.tolist() == [1001, 1002, 1003]  # both ends included
    assert sub.xline.values.tolist() == [24, 26, 28, 30]
    expected = full.sel(iline=slice(1001, 1003), xline=slice(24, 30)).values
    np.testing.assert_array_equal(sub.values, expected)


def test_reconstruct_sel_fills_only_the_subset(survey, tmp_path, capsys):
    out = tmp_path / "sub.zarr"
    argv = ["reconstruct", str(survey), str(out), "-m", "linear", "--sel", "offset=100:400"]
    assert main([*argv, "--no-progress"]) == 0
    sub = pm.open_zarr(out)
    assert sub.offset.values.tolist() == list(range(100, 425, 25))
    assert "of 13 traces" in capsys.readouterr().out


def test_sel_keeps_a_single_label_as_a_dim(cube, tmp_path, capsys):
    store = tmp_path / "line.zarr"
    assert main(["convert", str(cube), str(store), "--sel", "iline=1002", "--no-progress"]) == 0
    assert pm.open_zarr(store).sizes == {"iline": 1, "xline": 8, "time": 40}


@pytest.mark.parametrize(
    ("sel", "message"),
    [
        ("inline=1:2", "no dim 'inline'; the dims are ['iline', 'xline', 'time']"),
        ("iline=2000:2010", "--sel iline=2000:2010 selects nothing; the labels run 1000..1005"),
        ("xline=21", "--sel xline: no label 21; the labels run 20..34"),
        ("iline", "is not DIM=LABELS"),
        ("iline=1:2:3", "a range is START:STOP (no step)"),
    ],
)
def test_bad_selections_are_refused_before_writing(cube, tmp_path, capsys, sel, message):
    store = tmp_path / "x.zarr"
    assert main(["convert", str(cube), str(store), "--sel", sel, "--no-progress"]) == 1
    assert message in capsys.readouterr().err
    assert not store.exists()


def test_reversed_range_and_open_ends():
    da = pm.synthetic_gather(n_traces=8, n_samples=4)  # offsets 25..200 step 25
    picked = apply_selection(da, parse_selection(["offset=150:50"]))
    assert picked.offset.values.tolist() == [50, 75, 100, 125, 150]
    assert apply_selection(da, parse_selection(["offset=:50"])).offset.values.tolist() == [25, 50]
    with pytest.raises(ConfigError, match="gives 'offset' twice"):
        parse_selection(["offset=1:2", "offset=3:4"])


def test_quiet_convert_prints_nothing(cube, tmp_path, capsys):
    assert main(["-q", "convert", str(cube), str(tmp_path / "q.zarr")]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_convert_sel_to_segy_keeps_the_original_header_bytes(cube, tmp_path, capsys):
    out = tmp_path / "sub.sgy"
    argv = ["convert", str(cube), str(out), "--sel", "iline=1001:1002", "--sel", "xline=24:30"]
    assert main([*argv, "--no-progress"]) == 0
    trace_len = 240 + 40 * 4
    original, written = cube.read_bytes(), out.read_bytes()
    assert written[:3200] == original[:3200]  # the textual header is the original's
    n = (len(written) - 3600) // trace_len
    assert n == 8
    for k, (il, xl) in enumerate((i, x) for i in (1001, 1002) for x in (24, 26, 28, 30)):
        src = ((il - 1000) * 8 + (xl - 20) // 2) * trace_len + 3600
        dst = 3600 + k * trace_len
        assert written[dst : dst + trace_len] == original[src : src + trace_len]
