"""``python -m promethium.train`` and ``promethium train``: the same run, one summary."""

from __future__ import annotations

import subprocess
import sys

import yaml

from promethium.cli import main as cli_main
from promethium.train.__main__ import main

from .conftest import tiny_raw


def _config(tmp_path, **training):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(tiny_raw(tmp_path, **training)))
    return path


def test_module_entry_point_trains_and_prints_the_summary(tmp_path, capsys):
    config = _config(tmp_path, epochs=3)
    assert main(["--config", str(config), "--set", "training.epochs=1", "-q"]) == 0
    out = capsys.readouterr().out
    assert "trained 1 epoch(s), 2 steps on cpu x1 (float32)" in out
    assert f"weights: {tmp_path / 'run' / 'weights' / 'best.safetensors'}" in out
    assert "snr_improvement_db" in out
    assert main(["--config", str(config), "--resume", "--set", "training.epochs=2", "-q"]) == 0
    assert "trained 2 epoch(s), 4 steps" in capsys.readouterr().out


def test_module_entry_point_reports_bad_config_in_one_line(tmp_path, capsys):
    config = _config(tmp_path)
    assert main(["--config", str(config), "--set", "training.epoch=1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid config") and "unknown key 'training.epoch'" in err


def test_cli_train_subcommand(tmp_path, capsys):
    config = _config(tmp_path, epochs=1)
    assert cli_main(["train", "--config", str(config)]) == 0
    captured = capsys.readouterr()
    assert "best epoch 1: validation loss" in captured.out
    assert "epoch 1: train loss" in captured.out  # the progress bar's epoch line
    assert cli_main(["train", "--config", str(config), "--set", "training.epochs=x"]) == 1
    assert "training.epochs='x': Input should be a valid integer" in capsys.readouterr().err


def test_python_dash_m_runs_in_a_fresh_process(tmp_path):
    config = _config(tmp_path, epochs=1)
    done = subprocess.run(
        [sys.executable, "-m", "promethium.train", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "precision: float32" in done.stderr  # the log says what precision means here
    assert "best epoch 1" in done.stdout
