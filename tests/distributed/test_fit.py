"""The one memory check of ``plan`` and ``batch``: the largest task, and plans that do not fit."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.distributed.estimate import (
    Calibration,
    TaskEstimate,
    WorkerCapacity,
    task_host_bytes,
)
from promethium.distributed.fit import RunEstimate, check_fits, largest_task, task_peak
from promethium.errors import ConfigError

KiB = 1024
DIMS = ("shot", "offset", "time")


def capacity(threads, memory):
    return WorkerCapacity(1, threads, memory, 0.0, "test")


def run(chunk=(4, 32, 96), shape=(16, 32, 96), batch=0, patch=16, tasks=8, halo=(15, 15)):
    batch_bytes = batch * 3 * patch * patch * 4
    host = task_host_bytes(chunk, shape, halo, batch_bytes)
    return RunEstimate(TaskEstimate(tasks, chunk, halo, host, batch_bytes), DIMS, 0, shape, batch)


def test_a_plan_that_does_not_fit_names_the_peak_the_limit_and_the_fixes():
    # 4 x 32 x 96 samples at 44 bytes: 528 KiB a task, two at once, 1 MiB worker.
    with pytest.raises(ConfigError) as info:
        check_fits(run(), capacity(2, 1024 * KiB))
    # 409.6 KiB a task may use: 3 shots (396 KiB) fit.
    assert str(info.value) == (
        "the plan does not fit: a task needs about 528.0 KiB and a worker runs 2 at once "
        "(1.0 MiB), above 80% of its 1.0 MiB memory limit, where dask pauses it. Use "
        "smaller chunks (chunks={'shot': 3}, --chunks shot=3), fewer threads per worker "
        "(threads_per_worker=1, --threads-per-worker 1), or more memory per worker "
        "(memory_limit, --memory-limit; fewer workers share a machine's memory)."
    )


def test_one_thread_is_not_offered_and_the_halo_counts_when_traces_are_split():
    # One shot of 32 x 96 (132 KiB) in a 128 KiB worker: split the offsets, and each
    # piece reads 15 traces of halo on both sides (clipped to the 32 traces).
    with pytest.raises(ConfigError) as info:
        check_fits(run(chunk=(1, 32, 96)), capacity(1, 128 * KiB))
    message = str(info.value)
    assert "runs 1 at once (132.0 KiB)" in message and "threads" not in message
    # n offsets cost 12 x 96 x min(32, n + 30) + 32 x 96 x n bytes <= 102.4 KiB: n = 1 is
    # still 36 KiB + 3 KiB... the time axis is cut too.
    sizes = dict(re.findall(r"--chunks (\w+)=(\d+)", message))
    chunk = (1, int(sizes.get("offset", 32)), int(sizes.get("time", 96)))
    assert task_host_bytes(chunk, (16, 32, 96), (15, 15), 0) <= 0.8 * 128 * KiB


def test_a_batch_that_fills_the_share_alone_is_cut_too():
    # 256 patches of 16 x 16: 768 KiB of batch alone, above a 1 MiB worker's 819 KiB / 2.
    with pytest.raises(ConfigError) as info:
        check_fits(run(batch=256), capacity(2, 1024 * KiB))
    assert "Use a smaller batch (batch_size=68, -o batch_size=68) and smaller chunks" in str(
        info.value
    )


@pytest.mark.parametrize(
    ("estimate", "threads", "memory"),
    [
        (run(), 1, 1024 * KiB),  # 528 KiB <= 819 KiB
        (run(tasks=1), 4, 1024 * KiB),  # one task: one at once whatever the threads
        (run(), 8, 0),  # no memory limit: nothing to refuse
    ],
)
def test_plans_that_fit_pass(estimate, threads, memory):
    check_fits(estimate, capacity(threads, memory))


def test_a_measured_peak_above_the_count_decides():
    measured = Calibration(1.0, 0.5, 2048 * KiB, None)
    assert task_peak(run().task, measured) == 2048 * KiB
    assert task_peak(run().task, None) == run().task.host_bytes
    check_fits(run(), capacity(1, 1024 * KiB))
    with pytest.raises(ConfigError, match=r"a task needs about 2.0 MiB.*chunks=\{'shot': 1\}"):
        check_fits(replace(run(), measured=measured), capacity(1, 1024 * KiB))


@settings(max_examples=60, deadline=None)
@given(
    shots=st.integers(1, 8),
    traces=st.integers(8, 200),
    samples=st.integers(8, 500),
    batch=st.sampled_from([0, 1, 16, 256]),
    threads=st.integers(1, 4),
    memory_kib=st.integers(64, 8192),
)
def test_the_chunks_it_names_fit(shots, traces, samples, batch, threads, memory_kib):
    shape = (shots * 2, traces, samples)
    estimate = run(chunk=(shots, traces, samples), shape=shape, batch=batch, tasks=2)
    try:
        check_fits(estimate, capacity(threads, memory_kib * KiB))
    except ConfigError as err:
        message = str(err)
    else:
        return
    sizes = {d: int(n) for d, n in re.findall(r"--chunks (\w+)=(\d+)", message)}
    chunk = tuple(sizes.get(d, n) for d, n in zip(DIMS, (shots, traces, samples), strict=True))
    cut = re.search(r"batch_size=(\d+)", message)
    new_batch = int(cut.group(1)) if cut else batch
    need = task_host_bytes(chunk, shape, (15, 15), new_batch * 3 * 16 * 16 * 4)
    at_once = min(threads, 2)
    if chunk == (1, 1, 1) or (cut and new_batch == 1):
        return  # nothing smaller to offer: more memory is the only fix
    assert need * at_once <= 0.8 * memory_kib * KiB, message


def test_largest_task_over_inputs_keeps_the_largest_and_counts_every_task():
    small = pm.synthetic_shots(n_shots=4, n_traces=16, n_samples=32, seed=1).chunk({"shot": 1})
    large = pm.synthetic_gather(n_traces=48, n_samples=64, seed=2).chunk({"offset": 48})
    results = [pm.reconstruct(da, model="linear") for da in (small, large)]
    estimate = largest_task(results, {})
    assert estimate.input_index == 1 and estimate.dims == tuple(large.dims)
    assert estimate.task.chunk == (48, 64) and estimate.task.tasks == 4 + 1
    assert estimate.shape == (48, 64) and estimate.batch_size == 0
