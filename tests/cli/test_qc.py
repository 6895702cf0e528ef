"""``promethium qc``: a report folder, the table printed, clear errors on bad input."""

from __future__ import annotations

import json

import pytest

from promethium.cli import main
from promethium.cli.qc import model_entries
from promethium.errors import ConfigError


def test_qc_writes_the_report_and_prints_the_table(survey, tmp_path, capsys):
    before = survey.read_bytes()
    out = tmp_path / "report"
    argv = ["qc", str(survey), "-o", str(out), "--holdout", "0.2", "--seed", "3",
            "--models", "linear", "--option", "pocs.n_iter=20"]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out
    data = json.loads((out / "qc.json").read_text())
    assert data["source"]["path"] == str(survey)
    assert data["holdout"]["fraction"] == 0.2 and data["holdout"]["seed"] == 3
    assert {m["label"] for m in data["models"]} == {"pocs", "linear"}
    pocs = next(m for m in data["models"] if m["label"] == "pocs")
    assert pocs["settings"]["options"] == {"n_iter": 20}
    assert printed.splitlines()[0].startswith("rank  model")
    assert f"wrote {out}: qc.json, qc.md and 5 figures; best: {data['best']}" in printed
    assert {p.name for p in out.iterdir()} >= {"qc.json", "qc.md", "best.png", "fk.png"}
    assert survey.read_bytes() == before  # the input is never modified


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--models", ""], "--models is empty"),
        (["--models", "nope"], "no model named 'nope'"),
        (["--holdout", "0.9"], "fraction must be a number in (0, 0.5]"),
        (["--option", "n_iter=5"], "name the model, MODEL.KEY=VALUE"),
        (["--option", "unet.batch_size=2"], "'unet' is not compared"),
        (["--option", "pocs.bogus=2"], "bogus"),
        (["--weights", "unet"], "--weights 'unet' is not MODEL=PATH"),
        (["--sel", "shot=1:2"], "no dim 'shot'"),
        (["--gathers", "0"], "gathers must be an integer >= 1"),
        (["--pattern", "nope"], "pattern must be one of random, survey"),
    ],
)
def test_bad_input_exits_1_with_a_clear_message(survey, tmp_path, capsys, args, message):
    out = tmp_path / "report"
    assert main(["qc", str(survey), "-o", str(out), *args]) == 1
    assert message in capsys.readouterr().err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["line.sgy"]  # nothing half-written


def test_missing_input_existing_output_and_input_as_output(survey, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["qc", str(tmp_path / "none.sgy"), "-o", str(out)]) == 1
    assert "none.sgy" in capsys.readouterr().err
    out.mkdir()
    assert main(["qc", str(survey), "-o", str(out)]) == 1
    assert "exists; pass --overwrite" in capsys.readouterr().err
    assert main(["qc", str(survey), "-o", str(survey)]) == 1
    assert "inputs are never modified" in capsys.readouterr().err


def test_usage_mistakes_exit_2(survey, tmp_path, capsys):
    assert main(["qc", str(survey)]) == 2  # no -o
    assert main(["qc", str(survey), "-o", str(tmp_path / "r"), "--holdout", "x"]) == 2


def test_model_entries():
    assert model_entries(None, [], [], []) is None
    assert model_entries(None, ["pocs.n_iter=5"], [], []) == {"pocs": {"n_iter": 5}}
    got = model_entries("unet", ["unet.batch_size=2"], ["unet.dropout=0.0"], ["unet=w.st"])
    assert got == {"unet": {"batch_size": 2, "config": {"dropout": 0.0}, "weights": "w.st"}}
    with pytest.raises(ConfigError, match=r"--config pocs\.=\.\.\.: name the model"):
        model_entries(None, [], ["pocs.=1"], [])


def test_model_entries_finetune():
    got = model_entries("unet", [], [], ["unet=w.st"], ["unet"])
    tuned = {"model": "unet", "weights": "w.st", "finetune": True}
    assert got == {"unet": {"weights": "w.st"}, "unet+finetune": tuned}
    with pytest.raises(ConfigError, match="--finetune vae: 'vae' is not compared"):
        model_entries("unet", [], [], [], ["vae"])
