from __future__ import annotations

import pytest

import promethium as pm
from promethium.cli import main

PNG = b"\x89PNG\r\n\x1a\n"


def test_plot_writes_a_figure(survey, tmp_path, capsys):
    out = tmp_path / "line.png"
    assert main(["plot", str(survey), "-o", str(out), "--clip", "95"]) == 0
    assert out.read_bytes()[:8] == PNG
    assert capsys.readouterr().out.strip() == f"wrote {out}"


def test_plot_compare_with_difference_and_fk(survey, tmp_path, capsys):
    filled = tmp_path / "filled.zarr"
    pm.to_zarr(pm.reconstruct(pm.open_segy(survey), model="linear"), filled)
    out = tmp_path / "cmp.pdf"
    argv = ["plot", str(survey), "--compare", str(filled), "--fk", "-o", str(out)]
    assert main([*argv, "--cmap", "gray_r"]) == 0
    assert out.read_bytes()[:5] == b"%PDF-"


def test_plot_cuts_a_cube_to_its_middle_inline_and_says_so(cube, tmp_path, capsys):
    out = tmp_path / "cube.png"
    assert main(["plot", str(cube), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "showing iline=1003 (the middle one of 6); choose another with --sel iline" in text
    assert main(["plot", str(cube), "-o", str(out), "--sel", "iline=1001"]) == 0
    assert "showing" not in capsys.readouterr().out


def test_plot_compare_needs_the_same_panel(cube, tmp_path, capsys):
    other = tmp_path / "part.zarr"
    assert main(["-q", "convert", str(cube), str(other), "--sel", "iline=1000:1001"]) == 0
    out = tmp_path / "x.png"
    assert main(["plot", str(cube), "--compare", str(other), "-o", str(out)]) == 1
    assert "has no iline=1003 to compare with cube.sgy" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "fig.txt2"], "cannot tell the figure format of"),
        (["-o", "fig.png", "--cmap", "jet"], "--cmap must be one of seismic"),
        (["-o", "fig.png", "--clip", "0"], "percentile must be in (0, 100]"),
    ],
)
def test_plot_bad_options(survey, tmp_path, capsys, args, message):
    args = [a if not a.startswith("fig.") else str(tmp_path / a) for a in args]
    assert main(["plot", str(survey), *args]) == 1
    assert message in capsys.readouterr().err
