"""The driver loop: how many inputs it keeps open, and its progress counts."""

from __future__ import annotations

import pytest

import promethium as pm
from promethium.distributed import driver as driver_module
from promethium.distributed.checks import FORMATS, make_output_dir, run_settings
from promethium.distributed.driver import MAX_OPEN_INPUTS, BatchDriver
from promethium.distributed.job import InputJob
from tests.distributed.batch_models import write_survey

FRONT_DOOR = {"keep_observed": True, "extrapolate": False, "refill": False}


@pytest.fixture
def many_threads():
    """A client of one in-process worker reporting MAX_OPEN_INPUTS threads."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=MAX_OPEN_INPUTS,
                                 processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        yield client


def test_open_inputs_are_capped_however_many_threads(many_threads, tmp_path, monkeypatch):
    settings = run_settings("linear", None, {}, None, FRONT_DOOR, None, None, ("zarr",))
    driver = BatchDriver(many_threads, [], settings, True, None, None, None, None)
    assert driver.max_active == MAX_OPEN_INPUTS == 64  # not twice the 64 threads
    # The same with a cap of 3, on a batch of 7 inputs: every state reports at most 3
    # open, and the first (all opened before any result) exactly 3.
    monkeypatch.setattr(driver_module, "MAX_OPEN_INPUTS", 3)
    (tmp_path / "in").mkdir()
    paths = [write_survey(tmp_path / "in" / f"s{i}.sgy", seed=i, n_shots=1) for i in range(7)]
    seen = []
    result = pm.batch_reconstruct(paths, tmp_path / "out", client=many_threads, model="linear",
                                  formats=["zarr"], progress=seen.append)  # fmt: skip
    assert [r.status for r in result.inputs] == ["written"] * 7
    assert seen[0].files_open == max(s.files_open for s in seen) == 3
    assert seen[-1].files_open == 0


class Interrupted(Exception):
    pass


def jobs_count(jobs):
    """The progress counts as the driver used to count them, over every job."""
    opened = [j for j in jobs if j.total]
    return (
        sum(j.status in ("complete", "up to date") for j in jobs),
        sum(j.status == "failed" for j in jobs),
        sum(j.total for j in opened),
        sum(len(j.done) for j in opened),
        sum(j.computed for j in jobs),
    )


def run_driver(client, sources, out, progress):
    """What batch_reconstruct runs, with its jobs at hand: linear, one shot per chunk."""
    settings = run_settings("linear", None, {}, None, FRONT_DOOR, {"shot": 1}, None, FORMATS)
    jobs = [InputJob.for_source(s, out, FORMATS) for s in sources]
    make_output_dir(out)
    BatchDriver(client, jobs, settings, True, None, None, lambda s: progress(s, jobs),
                None).run()  # fmt: skip
    return jobs


def test_progress_counts_equal_a_count_over_the_jobs_at_every_report(client, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    done, resumed, fresh = (write_survey(folder / f"{n}.sgy", seed=i)
                            for i, n in enumerate(["done", "resumed", "fresh"]))  # fmt: skip
    truncated = folder / "truncated.sgy"
    truncated.write_bytes(fresh.read_bytes()[:5000])  # fails to open
    store = folder / "corrupt.zarr"  # fails in a chunk task
    pm.to_zarr(pm.open_segy(fresh).chunk({"shot": 1}), store)
    chunk = next(p for p in (store / "amplitude" / "c").rglob("*") if p.is_file())
    chunk.write_bytes(b"\0" * chunk.stat().st_size)
    run_driver(client, [done], out, lambda state, jobs: None)

    def interrupt(state, jobs):
        if state.chunks_computed >= 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        run_driver(client, [resumed], out, interrupt)
    seen = []

    def check(state, jobs):
        seen.append(state)
        assert (state.files_done, state.files_failed, state.chunks_total, state.chunks_done,
                state.chunks_computed) == jobs_count(jobs)  # fmt: skip
        assert state.files_open == sum(j.status in ("running", "writing") for j in jobs)

    jobs = run_driver(client, [resumed, done, truncated, store, fresh], out, check)
    assert [j.status for j in jobs] == ["complete", "up to date", "failed", "failed", "complete"]
    assert jobs[0].reused >= 2 and jobs[0].reused + jobs[0].computed == 4  # resumed
    assert "StoreError" in jobs[3].error
    last = seen[-1]
    assert (last.files_total, last.files_done, last.files_failed) == (5, 3, 2)
    assert last.chunks_total == 4 + jobs[3].total + 4 and last.chunks_done >= 8
