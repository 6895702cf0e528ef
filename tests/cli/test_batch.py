"""``promethium batch``: a corrupt input among good ones, usage errors."""

from __future__ import annotations

import numpy as np
import pytest

import promethium as pm
from promethium.cli import main
from promethium.cli.batch import parse_chunks
from promethium.errors import ConfigError


def test_corrupt_input_among_good_ones_exits_non_zero(survey, tmp_path, capsys):
    bad = tmp_path / "broken.sgy"
    data = survey.read_bytes()
    bad.write_bytes(data[: len(data) // 2])  # truncated part way through the traces
    out = tmp_path / "out"
    argv = ["batch", str(survey), str(bad), "--out", str(out), "-m", "linear"]
    code = main([*argv, "--workers", "1", "--threads-per-worker", "1", "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1
    assert "FAILED" in captured.err and "broken.sgy" in captured.err
    assert "1 of 2 input(s) failed" in captured.err
    assert "dask dashboard: http" in captured.err
    assert "written" in captured.out and "line.zarr" in captured.out
    # The good input is complete; nothing of the bad one under a final name.
    assert sorted(p.name for p in out.iterdir()) == [".promethium-batch", "line.sgy", "line.zarr"]
    expected = pm.reconstruct(pm.open_segy(survey), model="linear")
    np.testing.assert_array_equal(pm.open_zarr(out / "line.zarr").values, expected.values)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--chunks", "shot=0"], "--chunks shot=0 is not a chunk size"),
        (["-o", "bogus=1"], "bogus"),
        (["--scheduler", "nowhere"], "is not an address"),
        (["--format", "netcdf"], "formats must be among"),
        (
            ["--threads-per-worker", "1000000"],
            "threads_per_worker=1000000 would start 1 "
            "worker(s) x 1000000 thread(s) = 1000000 threads on this machine's",
        ),
        (["--workers", "100000"], "n_workers=100000 worker processes need about"),
        (["--workers", "0"], "n_workers must be a positive integer; got 0."),
    ],
)
def test_batch_usage_errors(survey, tmp_path, capsys, extra, message):
    argv = ["batch", str(survey), "--out", str(tmp_path / "out"), "-m", "linear", *extra]
    assert main(argv) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_output_folder_that_is_a_file_is_refused(survey, tmp_path, capsys):
    (tmp_path / "out").write_text("x")
    assert main(["batch", str(survey), "--out", str(tmp_path / "out")]) == 1
    assert "is a file; give a folder" in capsys.readouterr().err


def test_parse_chunks():
    assert parse_chunks([]) is None
    assert parse_chunks(["iline=16", "xline=8"]) == {"iline": 16, "xline": 8}
    with pytest.raises(ConfigError, match="not a chunk size"):
        parse_chunks(["iline=big"])


def test_a_batch_that_does_not_fit_is_refused_as_plan_refuses_it(survey, tmp_path, capsys):
    common = ["-m", "pocs", "-o", "patch_size=16", "--memory-limit", "256KiB",
              "--workers", "1", "--threads-per-worker", "1"]  # fmt: skip
    assert main(["plan", str(survey), *common, "--no-calibrate"]) == 1
    planned = capsys.readouterr().err
    out = tmp_path / "out"
    argv = ["batch", str(survey), "--out", str(out), *common, "--no-progress", "--no-calibrate"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err == planned
    # 32 x 96 samples (44 bytes each) and pocs' batch of 256 patches of 16 x 16 (768 KiB):
    # the batch alone is above the 204.8 KiB a task may use, so it is cut too.
    assert " ".join(err.split()) == (
        "error: the plan does not fit: a task needs about 900.0 KiB and a worker runs 1 at "
        "once (900.0 KiB), above 80% of its 256.0 KiB memory limit, where dask pauses it. Use "
        "a smaller batch (batch_size=34, -o batch_size=34) and smaller chunks (chunks="
        "{'offset': 22}, --chunks offset=22), or more memory per worker (memory_limit, "
        "--memory-limit; fewer workers share a machine's memory)."
    )
    assert not out.exists() and sorted(tmp_path.iterdir()) == [survey]  # nothing written
    # The fix it names fits.
    fixed = [*common, "-o", "batch_size=34", "--chunks", "offset=22", "--no-calibrate"]
    assert main(["plan", str(survey), *fixed]) == 0


def test_absurd_worker_count_is_refused(survey, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["batch", str(survey), "--out", str(out), "--workers", "1000000"]) == 1
    assert "n_workers=1000000 worker processes need about 488.3 TiB" in capsys.readouterr().err
    assert not out.exists()
