"""The scripts in examples/ run and print what they promise."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(script: str, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return out.stdout


def test_demo_prints_a_quality_gain_and_writes_a_figure(tmp_path):
    figure = tmp_path / "demo.png"
    text = _run("demo.py", "--output", str(figure))
    gain = float(re.search(r"quality gain (-?[\d.]+) dB", text).group(1))
    assert gain > 6.0  # the best model must clearly beat zero fill
    assert figure.read_bytes()[:4] == b"\x89PNG"


def test_segy_workflow_fills_gaps_and_keeps_headers(tmp_path):
    text = _run("segy_workflow.py", "--workdir", str(tmp_path))
    gain = float(re.search(r"SNR gain on them: (-?[\d.]+) dB", text).group(1))
    assert gain > 6.0
    filled, raw = tmp_path / "survey_filled.sgy", tmp_path / "survey.sgy"
    # the corner the survey never recorded is not extrapolated, so it is not written
    assert filled.stat().st_size == raw.stat().st_size


def test_qc_ranks_the_models_and_reconstructs_with_the_best(tmp_path):
    text = _run("qc.py", "--workdir", str(tmp_path))
    assert text.splitlines()[0].startswith("rank  model")
    best = re.search(r"best on this survey: (\S+) \(SNR gain (-?[\d.]+) dB\)", text)
    assert best is not None and float(best.group(2)) > 3.0
    assert re.search(rf"{re.escape(best.group(1))} filled \d+ dead traces", text)
    assert (tmp_path / "report" / "qc.json").exists()


def test_finetune_gains_on_the_survey_and_fills_it(tmp_path):
    text = _run("finetune.py", "--workdir", str(tmp_path), "--steps", "60", "--small")
    gain = float(re.search(r"gain: ([+-][\d.]+) dB", text).group(1))
    assert gain > 1.0
    assert re.search(r"filled 24 dead traces", text)
    assert (tmp_path / "tuned" / "unet.safetensors").exists()
