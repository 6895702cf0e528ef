"""pm.batch_reconstruct on a real LocalCluster: outputs, resume, stale chunks, bad input."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import promethium as pm
from promethium.distributed.manifest import MANIFEST_DIR
from promethium.errors import BatchError, ConfigError, PromethiumWarning

POCS = {"model": "pocs", "chunks": {"shot": 1}, "patch_size": 16, "n_iter": 3}


def reference(path, **options):
    """What pm.reconstruct gives in this process for one input."""
    return pm.reconstruct(pm.open_segy(path), model="pocs", patch_size=16, n_iter=3, **options)


def final_names(folder):
    return sorted(p.name for p in folder.iterdir() if p.name != MANIFEST_DIR)


def test_batch_writes_zarr_and_segy_equal_to_reconstruct(client, surveys, tmp_path):
    out = tmp_path / "out"
    result = pm.batch_reconstruct(surveys, out, client=client, **POCS)
    assert final_names(out) == ["line0.sgy", "line0.zarr", "line1.sgy", "line1.zarr"]
    for path, r in zip(surveys, result.inputs, strict=True):
        expected = reference(path)
        stored = pm.open_zarr(out / f"{path.stem}.zarr")
        np.testing.assert_array_equal(stored.values, expected.values)
        np.testing.assert_array_equal(stored["trace_filled"], expected["trace_filled"])
        assert (
            stored.attrs["promethium_reconstruction"] == expected.attrs["promethium_reconstruction"]
        )
        # SEG-Y: the input's headers, the reconstruction's samples.
        like = tmp_path / f"{path.stem}-ref.sgy"
        pm.to_segy(expected, like, like=path, absent="insert")
        assert (out / path.name).read_bytes() == like.read_bytes()
        assert (r.status, r.chunks_total, r.chunks_computed, r.chunks_reused) == (
            "written", 4, 4, 0,
        )  # fmt: skip
        assert r.filled == int(expected["trace_filled"].sum()) > 0
    assert not list((out / MANIFEST_DIR / "line0").glob("chunks"))  # dropped once complete


def test_rerun_is_up_to_date_and_computes_nothing(client, surveys, tmp_path):
    out = tmp_path / "out"
    pm.batch_reconstruct(surveys, out, client=client, **POCS)
    before = {p: p.stat().st_mtime_ns for p in out.iterdir()}
    seen = []
    again = pm.batch_reconstruct(surveys, out, client=client, progress=seen.append, **POCS)
    assert [r.status for r in again.inputs] == ["up to date", "up to date"]
    assert all(r.filled > 0 for r in again.inputs)
    assert {p: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert seen[-1].files_done == 2 and seen[-1].chunks_computed == 0


def test_changed_settings_or_input_never_reuse_stale_chunks(client, surveys, tmp_path):
    out = tmp_path / "out"
    pm.batch_reconstruct(surveys[:1], out, client=client, **POCS)
    changed = {**POCS, "n_iter": 4}
    result = pm.batch_reconstruct(surveys[:1], out, client=client, **changed)
    assert (result.inputs[0].chunks_computed, result.inputs[0].chunks_reused) == (4, 0)
    np.testing.assert_array_equal(
        pm.open_zarr(out / "line0.zarr").values,
        pm.reconstruct(pm.open_segy(surveys[0]), model="pocs", patch_size=16, n_iter=4).values,
    )
    # A new version of the input (same name): computed again, outputs replaced.
    from tests.distributed.batch_models import write_survey

    write_survey(surveys[0], seed=7)
    result = pm.batch_reconstruct(surveys[:1], out, client=client, **changed)
    assert result.inputs[0].status == "written" and result.inputs[0].chunks_reused == 0
    expected = pm.reconstruct(pm.open_segy(surveys[0]), model="pocs", patch_size=16, n_iter=4)
    np.testing.assert_array_equal(pm.open_zarr(out / "line0.zarr").values, expected.values)


def test_no_resume_recomputes_everything(client, surveys, tmp_path):
    out = tmp_path / "out"
    pm.batch_reconstruct(surveys[:1], out, client=client, **POCS)
    result = pm.batch_reconstruct(surveys[:1], out, client=client, resume=False, **POCS)
    assert (result.inputs[0].status, result.inputs[0].chunks_computed) == ("written", 4)


def test_zarr_input_and_one_format(client, surveys, tmp_path):
    store = tmp_path / "survey.zarr"
    pm.to_zarr(pm.open_segy(surveys[0]).chunk({"shot": 2}), store)
    out = tmp_path / "out"
    result = pm.batch_reconstruct([store], out, client=client, formats=["zarr"],
                                  model="pocs", patch_size=16, n_iter=3)  # fmt: skip
    assert final_names(out) == ["survey.zarr"]
    assert result.inputs[0].chunks_total == 2  # the store's own chunks
    np.testing.assert_array_equal(
        pm.open_zarr(out / "survey.zarr").values, reference(surveys[0]).values
    )


def test_corrupt_zarr_chunk_fails_its_input_only(client, surveys, tmp_path):
    store = tmp_path / "bad.zarr"
    pm.to_zarr(pm.open_segy(surveys[1]).chunk({"shot": 1}), store)
    name = next(p for p in store.iterdir() if (p / "c").is_dir() and p.name == "amplitude")
    chunk = next(p for p in (name / "c").rglob("*") if p.is_file())
    chunk.write_bytes(b"\0" * chunk.stat().st_size)  # damaged on disk
    out = tmp_path / "out"
    with pytest.raises(BatchError, match=r"1 of 2 input\(s\) failed .*bad.zarr") as info:
        pm.batch_reconstruct([surveys[0], store], out, client=client, **POCS)
    good, bad = info.value.result.inputs
    assert good.status == "written" and bad.status == "failed"
    assert "StoreError" in bad.error
    assert final_names(out) == ["line0.sgy", "line0.zarr"]  # nothing partial for bad.zarr


def test_tasks_of_a_device_model_ask_for_a_gpu(client, surveys, tmp_path):
    from tests.distributed import batch_models

    record = tmp_path / "record"
    record.mkdir()
    pm.batch_reconstruct(
        surveys[:1], tmp_path / "out", client=client, model="meantrace", formats=["zarr"],
        registry=batch_models.registry(), chunks={"shot": 2}, patch_size=16,
        device="auto", record=str(record),
    )  # fmt: skip
    seen = [json.loads(p.read_text()) for p in record.iterdir()]
    assert seen and all(r == {"GPU": 1} for r in seen)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"inputs": []}, "nothing to do: no input given"),
        ({"inputs": ["missing.sgy"]}, "input\\(s\\) not found: .*missing.sgy"),
        ({"output_dir": "file.txt"}, "is a file; give a folder"),
        ({"model": "pocs", "bogus": 1}, "bogus"),
        ({"formats": ["netcdf"]}, "formats must be among"),
        ({"errors": "ignore"}, "errors must be 'raise' or 'report'"),
        ({"client": "not-an-address"}, "is not an address"),
        ({"client": 42}, "client must be a distributed.Client"),
        ({"return_uncertainty": True}, "return_uncertainty=True"),
        ({"n_workers": 0, "client": None}, "n_workers must be a positive integer"),
        ({"memory_limit": "-5GiB"}, "memory_limit '-5GiB' is no memory size"),
        ({"chunks": {"shot": 0}}, "chunks: shot=0 is not a chunk size; give a positive"),
        ({"chunks": {"shot": 2.5}}, "chunks: shot=2.5 is not a chunk size"),
        ({"chunks": {"bogus": 4}}, r"chunks names unknown dims \['bogus'\]"),
    ],
)
def test_bad_input_is_refused_before_any_work(surveys, tmp_path, monkeypatch, kwargs, message):
    (tmp_path / "file.txt").write_text("x")
    args = {"inputs": surveys, "output_dir": tmp_path / "out", "model": "linear", **kwargs}
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=message):
        pm.batch_reconstruct(args.pop("inputs"), args.pop("output_dir"), **args)
    assert not (tmp_path / "out" / MANIFEST_DIR).exists()


def test_no_scheduler_at_the_address_is_a_config_error(surveys, tmp_path):
    from promethium.distributed.cluster import open_client

    with pytest.raises(ConfigError, match=r"no dask scheduler answers at 'tcp://127.0.0.1:9'"):
        with open_client("tcp://127.0.0.1:9", timeout="1s"):
            pass


def test_outputs_that_clash_or_are_not_ours_are_refused(surveys, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    twin = other / "line0.sgy"
    twin.write_bytes(surveys[0].read_bytes())
    with pytest.raises(ConfigError, match=r"would both write .*line0.zarr"):
        pm.batch_reconstruct([surveys[0], twin], tmp_path / "out", model="linear")
    with pytest.raises(ConfigError, match=r"is an input; inputs are never modified"):
        pm.batch_reconstruct([surveys[0]], surveys[0].parent, model="linear", formats=["segy"])
    out = tmp_path / "out"
    out.mkdir()
    (out / "line0.zarr").mkdir()
    with pytest.raises(ConfigError, match=r"line0.zarr exists and was not written by"):
        pm.batch_reconstruct([surveys[0]], out, model="linear")


def test_import_promethium_does_not_import_distributed():
    import subprocess
    import sys

    code = (
        "import sys, promethium\n"
        "print([m for m in ('distributed', 'promethium.distributed') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)  # fmt: skip
    assert out.stdout.strip() == "[]"


def plan_refusal(paths, capsys, *args):
    """The error ``promethium plan --no-calibrate`` prints for the same run."""
    from promethium.cli import main

    argv = ["plan", *map(str, paths), "-m", "pocs", "--chunks", "shot=2", "-o",
            "patch_size=16", "-o", "n_iter=3", "--no-calibrate", *args]  # fmt: skip
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the plan does not fit: ")
    return " ".join(err.removeprefix("error: ").split())  # rich/typer may wrap lines


FITS = {"model": "pocs", "chunks": {"shot": 2}, "patch_size": 16, "n_iter": 3}


def test_a_run_that_does_not_fit_is_refused_as_plan_refuses_it(surveys, tmp_path, capsys):
    expected = plan_refusal(
        surveys, capsys, "--memory-limit", "256KiB", "--workers", "1", "--threads-per-worker", "2"
    )
    out = tmp_path / "out"
    with pytest.raises(ConfigError) as info:
        pm.batch_reconstruct(surveys, out, memory_limit="256KiB", n_workers=1,
                             threads_per_worker=2, calibrate=False, **FITS)  # fmt: skip
    assert str(info.value) == expected
    # pocs' batch of 256 patches of 16 x 16 (3 float32 planes, 768 KiB) and a chunk of
    # 2 x 24 x 48 samples without halo (44 bytes each, 99 KiB): 867 KiB, twice at once.
    assert expected == (
        "the plan does not fit: a task needs about 867.0 KiB and a worker runs 2 at once "
        "(1.7 MiB), above 80% of its 256.0 KiB memory limit, where dask pauses it. Use "
        "a smaller batch (batch_size=17, -o batch_size=17) and smaller chunks (chunks="
        "{'shot': 1}, --chunks shot=1), fewer threads per worker "
        "(threads_per_worker=1, --threads-per-worker 1), or more memory per worker "
        "(memory_limit, --memory-limit; fewer workers share a machine's memory)."
    )
    assert not out.exists()  # refused before a cluster started or a folder was made


def test_a_run_that_does_not_fit_its_clients_workers_is_refused(surveys, tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    expected = plan_refusal(surveys, capsys, "--memory-limit", "256KiB", "--workers", "1",
                            "--threads-per-worker", "2")  # fmt: skip
    out = tmp_path / "out"
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                 memory_limit="256KiB", dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        with pytest.raises(ConfigError) as info:
            pm.batch_reconstruct(surveys, out, client=client, calibrate=False, **FITS)
        assert client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) == 0
    assert str(info.value) == expected
    assert not out.exists()


def test_batch_refuses_what_the_calibrated_plan_refuses_where_the_count_fits(
    surveys, tmp_path, capsys
):
    from promethium.cli import main
    from promethium.distributed.checks import lazy_inputs, run_settings
    from promethium.distributed.fit import estimate_run
    from promethium.distributed.job import InputJob

    # The estimate both make: pocs' own buffers are above the count on these chunks.
    settings = run_settings("pocs", None, {"patch_size": 16, "n_iter": 3}, None,
                            {"keep_observed": True, "extrapolate": False, "refill": False},
                            {"shot": 2}, None, ("zarr", "segy"))  # fmt: skip
    jobs = [InputJob.for_source(s, tmp_path / "x", ("zarr",)) for s in surveys]
    opened = lazy_inputs(jobs, settings, None)
    estimate = estimate_run(opened, settings.resolved, calibrate=True, timed=False)
    counted, measured = estimate.task.host_bytes, estimate.measured.peak_host_bytes
    assert measured > 1.2 * counted
    # A worker limit whose 80% lies between the two: the count fits, the measure does not.
    limit = int((counted + measured) / 2 / 0.8)
    sizes = ["--memory-limit", str(limit), "--workers", "1", "--threads-per-worker", "1"]
    argv = ["plan", *map(str, surveys), "-m", "pocs", "--chunks", "shot=2", "-o",
            "patch_size=16", "-o", "n_iter=3", *sizes]  # fmt: skip
    assert main([*argv, "--no-calibrate"]) == 0  # the count alone passes
    capsys.readouterr()
    assert main(argv) == 1
    planned = " ".join(capsys.readouterr().err.removeprefix("error: ").split())
    assert planned.startswith("the plan does not fit: a task needs about ")
    out = tmp_path / "out"
    with pytest.raises(ConfigError) as info:
        pm.batch_reconstruct(surveys, out, memory_limit=limit, n_workers=1,
                             threads_per_worker=1, **FITS)  # fmt: skip
    # The same peak and limit (the fixes it names scale with a peak measured again, which
    # can differ by a few bytes from run to run).
    assert str(info.value).split(" Use ")[0] == planned.split(" Use ")[0]
    assert not out.exists()


def test_batch_calibrates_only_where_the_count_cannot_vouch(surveys, tmp_path, monkeypatch):
    """A chunk runs in the driver only where the counted tasks fit without room to spare."""
    from promethium.distributed import estimate
    from promethium.distributed.checks import lazy_inputs, run_estimate, run_settings
    from promethium.distributed.fit import COUNT_MARGIN, estimate_run
    from promethium.distributed.job import InputJob

    settings = run_settings("pocs", None, {"patch_size": 16, "n_iter": 3}, None,
                            {"keep_observed": True, "extrapolate": False, "refill": False},
                            {"shot": 2}, None, ("zarr",))  # fmt: skip
    jobs = [InputJob.for_source(s, tmp_path / "x", ("zarr",)) for s in surveys]
    opened = lazy_inputs(jobs, settings, None)
    counted = estimate_run(opened, settings.resolved, calibrate=False, timed=False)
    runs = []
    real = estimate.calibrate
    monkeypatch.setattr(estimate, "calibrate", lambda *a, **k: runs.append(1) or real(*a, **k))

    def capacity(limit: float) -> estimate.WorkerCapacity:
        return estimate.WorkerCapacity(1, 1, int(limit), 0.0, "test")

    roomy = capacity(2 * COUNT_MARGIN * counted.task.host_bytes / 0.8)  # fits at the margin
    assert run_estimate(opened, settings, roomy, calibrate=True) == counted
    assert runs == []
    tight = capacity(COUNT_MARGIN * counted.task.host_bytes / 2 / 0.8)  # not at the margin
    measured = run_estimate(opened, settings, tight, calibrate=True)
    assert runs == [1] and measured.measured is not None
    assert run_estimate(opened, settings, tight, calibrate=False) == counted
    assert runs == [1]


def test_absurd_cluster_sizes_are_refused_before_anything_starts(surveys, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match=r"n_workers=1000000 worker processes need about "
                       r"488.3 TiB for their imports and model alone \(~512.0 MiB each\), "
                       r"more than this machine's [\d.]+ [GT]iB; ask for at most \d+"):  # fmt: skip
        pm.batch_reconstruct(surveys, out, n_workers=10**6, **FITS)
    cores = os.cpu_count() or 1
    with pytest.raises(ConfigError, match=rf"^threads_per_worker=1000000 would start 1 "
                       rf"worker\(s\) x 1000000 thread\(s\) = 1000000 threads on this "
                       rf"machine's {cores} CPU core"):  # fmt: skip
        pm.batch_reconstruct(surveys, out, threads_per_worker=10**6, **FITS)
    # A chunk larger than the memory: all 4 shots in one chunk, a worker of 1 MiB.
    with pytest.raises(ConfigError, match=r"above 80% of its 1.0 MiB memory limit"):
        pm.batch_reconstruct(surveys, out, n_workers=1, memory_limit="1MiB",
                             **{**FITS, "chunks": {"shot": 10**6}})  # fmt: skip
    assert not out.exists()


def test_local_cluster_sizes_are_ignored_with_a_client_and_a_warning_says_so(
    client, surveys, tmp_path
):
    with pytest.warns(PromethiumWarning, match=r"^n_workers=1000000, threads_per_worker=1000000 "
                      r"size a local cluster and are ignored: the tasks run on the workers of "
                      r"the client given\."):  # fmt: skip
        result = pm.batch_reconstruct(surveys[:1], tmp_path / "out", client=client,
                                      n_workers=10**6, threads_per_worker=10**6,
                                      formats=["zarr"], **POCS)  # fmt: skip
    assert result.inputs[0].status == "written"
