"""Task estimates: counted memory, halo, calibration, and the workers a run would get."""

from __future__ import annotations

import math

import pytest

import promethium as pm
from promethium.distributed.estimate import (
    calibrate,
    estimate_task,
    largest_chunk,
    worker_capacity,
)
from promethium.errors import ConfigError


@pytest.fixture(scope="module")
def lazy():
    da = pm.synthetic_shots(n_shots=3, n_traces=40, n_samples=64, seed=1)
    holed = pm.apply_trace_mask(da, pm.random_mask(da, 0.3, seed=2))
    return holed.chunk({"shot": 1, "offset": 20})


def test_patch_model_estimate_counts_tasks_halo_and_memory(lazy):
    result = pm.reconstruct(lazy, model="pocs", patch_size=16, n_iter=2, batch_size=4)
    est = estimate_task(result, {"patch_size": [16, 16], "overlap": 0.5, "batch_size": 4})
    assert est.tasks == 3 * 2 and est.chunk == (1, 20, 64) and est.halo == (15, 15)
    # The trace axis is split (halo read on both sides, clipped to the data); time is not.
    with_halo = 1 * min(40, 20 + 30) * 64
    core = 20 * 64
    assert est.batch_bytes == 4 * 3 * 16 * 16 * 4
    assert est.host_bytes == 12 * with_halo + 32 * core + est.batch_bytes


def test_a_model_without_patches_has_no_halo(lazy):
    result = pm.reconstruct(lazy, model="linear")
    est = estimate_task(result, {})
    assert (
        est.halo is None
        and est.batch_bytes == 0
        and est.tasks == math.prod(len(c) for c in result.data.chunks)
    )


def test_calibration_runs_the_largest_chunk(lazy):
    result = pm.reconstruct(lazy, model="pocs", patch_size=16, n_iter=2)
    index = largest_chunk(result)
    assert index == (0, 0, 0)
    cal = calibrate(result, index)
    assert cal.first_s > 0 and cal.chunk_s > 0
    assert cal.peak_host_bytes > 20 * 64 * 4  # at least the chunk itself
    assert cal.peak_gpu_bytes is None
    # Measured on a run after the first (the model built once, as on a worker): about a
    # MiB however many times it ran before (a first run in a fresh process holds ~16 MiB
    # of one-off imports and caches; tracemalloc sees every thread, so other work running
    # in the process can add to a peak: the bound is loose); not timed when not asked.
    again = calibrate(result, index, timed=False)
    assert again.chunk_s is None
    assert max(cal.peak_host_bytes, again.peak_host_bytes) < 8 * 2**20


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"n_workers": 1}, {"threads_per_worker": 1}, {"n_workers": 2, "memory_limit": "1GiB"}],
)
def test_local_capacity_is_what_a_local_cluster_starts(kwargs):
    distributed = pytest.importorskip("distributed")
    capacity = worker_capacity(processes=False, **kwargs)
    with distributed.LocalCluster(
        processes=False, dashboard_address=None, worker_dashboard_address=None, **kwargs
    ) as cluster:
        workers = cluster.scheduler_info["workers"].values()
        assert capacity.workers == len(workers)
        assert {w["nthreads"] for w in workers} == {capacity.threads}
        assert {w["memory_limit"] for w in workers} == {capacity.memory_bytes}


@pytest.mark.parametrize("limit", ["lots", "10%", "-5", -1, True])
def test_bad_memory_limit_is_a_config_error(limit):
    with pytest.raises(ConfigError, match=f"memory_limit {limit!r} is no memory size"):
        worker_capacity(memory_limit=limit)


def test_resident_peak_sees_torch_memory_that_tracemalloc_misses():
    """A network's activations are torch's allocations: the calibration must see them."""
    import tracemalloc

    from promethium.distributed.estimate import reset_resident_peak, resident_peak_since

    torch = pytest.importorskip("torch")
    if reset_resident_peak() is None:
        pytest.skip("the peak resident memory cannot be reset here (Linux only)")
    tracemalloc.start()
    try:
        base = reset_resident_peak()
        x = torch.ones(25_000_000)  # 100 MB, freed at once
        del x
        traced = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert base is not None and traced < 10 * 2**20
    assert resident_peak_since(base) >= 90 * 2**20


def test_calibration_counts_torch_memory_of_a_chunk():
    import dask.array as dska
    import xarray as xr

    from promethium.distributed.estimate import reset_resident_peak

    torch = pytest.importorskip("torch")
    if reset_resident_peak() is None:
        pytest.skip("the peak resident memory cannot be reset here (Linux only)")

    def activations(block):
        scratch = torch.ones(25_000_000)  # 100 MB of torch memory, as a network's layers
        return block + float(scratch[0]) - 1.0

    data = dska.zeros((4, 8), chunks=(2, 8)).map_blocks(activations, dtype=float)
    cal = calibrate(xr.DataArray(data, dims=("x", "y")), (0, 0), timed=False)
    assert cal.peak_host_bytes >= 90 * 2**20
