"""``promethium plan``: a batch run's tasks, halo, memory and time; plans that do not fit."""

from __future__ import annotations

import re

import pytest

from promethium.cli import main


def lines(text):
    return dict(re.findall(r"^(\S[^:]*):\s+(.*)$", text, flags=re.M))


def test_plan_prints_tasks_halo_memory_and_a_calibrated_time(survey, tmp_path, capsys):
    argv = ["plan", str(survey), str(survey), "-m", "pocs", "-o", "patch_size=16",
            "-o", "n_iter=2", "-o", "device=cpu", "--workers", "2",
            "--threads-per-worker", "1"]  # fmt: skip
    assert main(argv) == 0
    out = lines(capsys.readouterr().out)
    assert out["tasks"] == "2 (one per output chunk, 2 input(s))"
    assert out["halo"].startswith("15 traces, 15 samples")
    assert out["workers"].startswith("2 x 1 thread(s)")
    assert re.match(r"host [\d.]+ \w?i?B counted, [\d.]+ \w?i?B measured", out["memory per task"])
    assert out["GPU per task"] == "none here (device 'cpu' resolves to cpu on this machine)"
    assert re.match(r"first run [\d.]+ s .* then [\d.]+ s per chunk", out["calibration"])
    assert out["time estimate"].startswith("~")
    assert list(tmp_path.iterdir()) == [survey]  # nothing written


def test_plan_without_calibration_and_without_patches(survey, capsys):
    assert main(["plan", str(survey), "-m", "linear", "--no-calibrate"]) == 0
    out = lines(capsys.readouterr().out)
    assert out["halo"] == "none: the model fills each chunk on its own"
    assert out["GPU per task"] == "none (the model runs on the CPU)"
    assert out["time"].startswith("not calibrated")


def test_plan_that_does_not_fit_is_refused_with_the_fixes(survey, capsys):
    argv = ["plan", str(survey), "-m", "pocs", "-o", "patch_size=16", "-o", "n_iter=1",
            "--memory-limit", "64KiB", "--workers", "1"]  # fmt: skip
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "the plan does not fit" in err and "80% of its 64.0 KiB memory limit" in err
    assert "smaller chunks (chunks={'offset': " in err and "--chunks offset=" in err
    assert "--threads-per-worker" not in err  # one task: threads do not change the peak


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--memory-limit", "lots"], "no memory size"),
        (["-o", "bogus=1"], "bogus"),
        (["--threads-per-worker", "1000000"], "threads_per_worker=1000000 would start 1 "
         "worker(s) x 1000000 thread(s) = 1000000 threads on this machine's"),
        (["--workers", "100000"], "n_workers=100000 worker processes need about"),
    ],
)  # fmt: skip
def test_plan_usage_errors(survey, capsys, extra, message):
    assert main(["plan", str(survey), "-m", "pocs", "--no-calibrate", *extra]) == 1
    assert message in capsys.readouterr().err


def test_plan_missing_input(tmp_path, capsys):
    assert main(["plan", str(tmp_path / "nope.sgy"), "-m", "linear"]) == 1
    assert "input(s) not found" in capsys.readouterr().err


def test_plan_for_a_scheduler_says_local_sizes_are_ignored(survey, capsys):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:  # fmt: skip
        argv = ["plan", str(survey), "-m", "linear", "--no-calibrate", "--scheduler",
                cluster.scheduler_address, "--workers", "100000"]  # fmt: skip
        assert main(argv) == 0
    captured = capsys.readouterr()
    assert (
        "--workers=100000 size a local cluster and are ignored: the tasks run on the "
        f"workers of {cluster.scheduler_address}." in " ".join(captured.err.split())
    )
    assert lines(captured.out)["workers"].startswith("1 x 1 thread(s)")
