"""QCReport: the table, the JSON round trip and schema, the pandas frame."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from promethium.errors import InvalidDataError
from promethium.qc import ModelScore, QCReport
from promethium.qc.report import METRICS, QC_SCHEMA


def test_json_round_trip_gives_the_same_report(report, tmp_path):
    path = tmp_path / "qc.json"
    text = report.to_json(path)
    assert path.read_text() == text
    again = QCReport.from_json(path)
    assert again == report  # every score, setting, holdout record and hidden trace
    assert QCReport.from_json(text) == report
    assert again.panels is None and again.best.label == report.best.label


def test_json_schema(report):
    data = json.loads(report.to_json())
    assert data["schema"] == QC_SCHEMA
    assert data["best"] == report.best.label
    assert set(data) == {"schema", "best", "holdout", "source", "hidden_traces", "models"}
    assert set(data["holdout"]) >= {"fraction", "seed", "pattern", "gathers", "n_gathers",
                                    "n_sampled", "n_live", "n_hidden"}  # fmt: skip
    assert data["source"] == {"dims": {"cdp": 48, "time": 96}, "name": "amplitude"}
    model = data["models"][0]
    assert set(model) == {"label", "model", "per_trace_snr_db", "settings",
                          *(name for name, _, _ in METRICS)}  # fmt: skip
    assert len(model["per_trace_snr_db"]) == data["holdout"]["n_hidden"]
    assert len(data["hidden_traces"]) == data["holdout"]["n_hidden"]
    assert [m["label"] for m in data["models"]] == report.labels()


def test_non_finite_scores_are_strict_json_and_read_back(report):
    perfect = dataclasses.replace(
        report.scores[0], snr_db=math.inf, snr_improvement_db=math.inf,
        per_trace_snr_db=(math.inf, math.nan),
    )  # fmt: skip
    changed = dataclasses.replace(report, scores=(perfect, *report.scores[1:]))

    def refuse(constant: str) -> None:
        raise AssertionError(f"not strict JSON: {constant}")

    data = json.loads(changed.to_json(), parse_constant=refuse)
    assert data["models"][0]["snr_db"] == "inf"
    back = QCReport.from_json(changed.to_json()).scores[0]
    assert back.snr_db == math.inf and back.per_trace_snr_db[0] == math.inf
    assert math.isnan(back.per_trace_snr_db[1])


@pytest.mark.parametrize(
    "text", ["{}", '{"schema": "other/1"}', "{not json", '{"schema": "promethium-qc/1"}']
)
def test_from_json_refuses_what_is_not_a_report(text):
    with pytest.raises(InvalidDataError, match="not a Promethium QC report"):
        QCReport.from_json(text)


def test_table_lists_models_best_first_with_every_score(report):
    lines = report.table().splitlines()
    assert lines[0].split()[:4] == ["rank", "model", "SNR", "gain"]
    assert [line.split()[1] for line in lines[1:]] == report.labels()
    assert lines[1].split()[2] == f"{report.best.snr_improvement_db:.2f}"
    markdown = report.table(markdown=True).splitlines()
    assert markdown[0].startswith("| rank | model | SNR gain (dB) |")
    assert set(markdown[1].replace("|", "").split()) == {"---"}
    assert markdown[2].startswith(f"| 1 | {report.best.label} |")


def test_to_frame(report):
    frame = report.to_frame()
    assert list(frame.index) == report.labels() and frame.index.name == "label"
    assert list(frame.columns) == ["model", *(name for name, _, _ in METRICS)]
    assert frame.loc["pocs", "ssim"] == report.score("pocs").ssim


def test_score_of_an_unknown_label(report):
    with pytest.raises(KeyError, match="no model 'unet' in the report"):
        report.score("unet")


def test_model_score_dict_round_trip():
    score = ModelScore("a", "pocs", 1.0, 1.0, 0.5, 0.1, 0.9, 2.0, 1.0, (3.0,), {"options": {}})
    assert ModelScore.from_dict(json.loads(json.dumps(score.to_dict()))) == score


def test_to_json_that_fails_mid_write_leaves_the_old_file_and_no_temp(
    report, tmp_path, monkeypatch
):
    from pathlib import Path

    path = tmp_path / "qc.json"
    path.write_text("old report\n")
    real = Path.write_text

    def torn(self, data, *args, **kwargs):
        real(self, data[: len(data) // 2], *args, **kwargs)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", torn)
    with pytest.raises(OSError, match="No space left"):
        report.to_json(path)
    monkeypatch.undo()
    assert path.read_text() == "old report\n" and [p.name for p in tmp_path.iterdir()] == [
        "qc.json"
    ]
