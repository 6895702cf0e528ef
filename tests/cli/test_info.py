from __future__ import annotations

import json

import promethium as pm
from promethium.cli import main


def test_info_answers_the_first_questions(survey, capsys):
    assert main(["info", str(survey), "--dead-traces"]) == 0
    text = capsys.readouterr().out
    assert "(SEG-Y, 32 traces)" in text
    assert "5 (4-byte IEEE float), big-endian" in text
    assert "96 per trace, every 4 ms, time 0 to 380 ms" in text
    assert "8 dead (25.0%)" in text and "0 absent (0.0%)" in text
    assert "offset  37" in text and "regular" in text
    assert "textual header (EBCDIC" in text and "SEG-Y written by Promethium" in text


def test_info_json_for_scripts(cube, capsys):
    assert main(["info", str(cube), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["geometry"] == "3d" and data["dims"] == {"iline": 6, "xline": 8, "time": 40}
    keys = {k["name"]: k for k in data["keys"]}
    assert keys["iline"]["byte"] == 189 and keys["xline"]["step"] == 2
    assert (keys["xline"]["min"], keys["xline"]["max"], keys["xline"]["count"]) == (20, 34, 8)
    assert data["traces"]["dead"] is None and data["sample_interval"] == 2.0


def test_info_dead_traces_json_stays_clean_with_progress(survey, capsys):
    assert main(["info", str(survey), "--dead-traces", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["traces"]["dead"] == 8  # the bar went to stderr


def test_info_on_a_zarr_output_shows_history_and_provenance(survey, tmp_path, capsys):
    out = tmp_path / "filled.zarr"
    pm.to_zarr(pm.reconstruct(pm.open_segy(survey), model="linear"), out)
    assert main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    assert "(Zarr, 32 traces)" in text and "history:" in text
    assert "reconstruct(model='linear')" in text and '"model": "linear"' in text
    assert main(["info", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["provenance"]["model"] == "linear" and data["traces"]["missing"] == 8


def test_info_refuses_byte_locations_for_zarr(survey, tmp_path, capsys):
    store = tmp_path / "s.zarr"
    pm.to_zarr(pm.open_segy(survey), store)
    assert main(["info", str(store), "--iline", "221"]) == 1
    assert "--iline apply to SEG-Y input" in capsys.readouterr().err
