"""Batch runs on dask.distributed against one process: overhead and scaling.

The same survey (one SEG-Y file, one task per shot) is reconstructed with ``pocs``:

1. in one process: ``pm.reconstruct`` then ``to_zarr`` and ``to_segy`` (with the input's
   headers), on dask's synchronous scheduler (one thread), as ``promethium reconstruct``
   would with one thread;
2. ``pm.batch_reconstruct`` on a ``LocalCluster`` of 1 worker process x 1 thread;
3. the same with 2 workers x 1 thread.

Every process runs BLAS/OpenMP/torch with one thread (``OMP_NUM_THREADS=1``, dask's
default for worker processes too). Every process first imports the readers and writers
and runs a tiny reconstruction; cluster start-up and this warm-up are timed apart. Prints times, the
speedups, the scheduler overhead per task (the 1-worker run's extra time over the
in-process run per task, and the round trip of empty tasks on that cluster) and each
worker's peak resident memory; writes ``benchmarks/results/distributed.json`` with the
machine's load (``os.getloadavg()``) before and after. Targets: 1-worker cluster <= 1.2x
in-process; 2 workers >= 1.6x faster than 1.

Run (the machine is shared; keep it polite):
``OMP_NUM_THREADS=1 nice -n 15 python benchmarks/distributed.py [--shots 12 --traces 96
--samples 256]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before NumPy loads a BLAS
# This file is named like dask's `distributed` package: keep its folder off the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

RESULTS = Path(__file__).parent / "results"


def _peak_rss_mib() -> float:
    """Peak resident memory of this process in MiB (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _survey(folder: Path, shots: int, traces: int, samples: int) -> Path:
    import promethium as pm

    da = pm.synthetic_shots(n_shots=shots, n_traces=traces, n_samples=samples, seed=11)
    path = folder / "survey.sgy"
    pm.to_segy(pm.apply_trace_mask(da, pm.random_mask(da, 0.3, seed=5)), path)
    return path


def warm_up() -> None:
    """Import the readers, writers and pocs, and run a tiny reconstruction (once per process)."""
    import segyio  # noqa: F401
    import zarr  # noqa: F401

    import promethium as pm

    da = pm.synthetic_gather(n_traces=16, n_samples=32)
    holed = pm.apply_trace_mask(da, pm.regular_mask(da, 2))
    pm.reconstruct(holed, model="pocs", patch_size=8, n_iter=1)


def in_process(source: Path, out: Path, options: dict[str, Any]) -> float:
    """``reconstruct`` + both writers in this process, one thread; seconds."""
    import promethium as pm

    start = time.perf_counter()
    da = pm.open_segy(source, chunks={"shot": 1})
    result = pm.reconstruct(da, model="pocs", **options)
    store = pm.to_zarr(result, out / "survey.zarr", compute=False)
    segy = pm.to_segy(result, out / "survey.sgy", like=source, absent="insert", compute=False)
    store.compute_with(segy, scheduler="sync")  # one pass: each chunk reconstructed once
    return time.perf_counter() - start


def on_cluster(source: Path, out: Path, options: dict[str, Any], workers: int) -> dict[str, Any]:
    """``batch_reconstruct`` on a fresh LocalCluster of `workers` x 1 thread."""
    from distributed import Client, LocalCluster

    import promethium as pm

    t0 = time.perf_counter()
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        client.wait_for_workers(workers)
        client.run(warm_up)  # imports on every worker, as in the in-process run
        startup = time.perf_counter() - t0
        start = time.perf_counter()
        result = pm.batch_reconstruct(
            [source], out, model="pocs", client=client, chunks={"shot": 1}, **options
        )
        seconds = time.perf_counter() - start
        tasks = result.inputs[0].chunks_total
        peaks = client.run(_peak_rss_mib)
        empty = _empty_task_round_trip(client)
    return {
        "workers": workers,
        "seconds": seconds,
        "startup_s": startup,
        "tasks": tasks,
        "peak_rss_mib_per_worker": sorted(round(v, 1) for v in peaks.values()),
        "empty_task_ms": empty * 1e3,
    }


def _empty_task_round_trip(client: Any, n: int = 200) -> float:
    """Seconds per task for `n` independent empty tasks submitted at once."""
    start = time.perf_counter()
    futures = client.map(_nothing, range(n), pure=False)
    client.gather(futures)
    return (time.perf_counter() - start) / n


def _nothing(i: int) -> int:
    return i


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=12)
    parser.add_argument("--traces", type=int, default=96)
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--n-iter", type=int, default=20)
    args = parser.parse_args()
    options = {"patch_size": 32, "n_iter": args.n_iter}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = _survey(folder, args.shots, args.traces, args.samples)
        (folder / "one").mkdir()
        warm_up()
        one_process = in_process(source, folder / "one", options)
        one = on_cluster(source, folder / "c1", options, workers=1)
        two = on_cluster(source, folder / "c2", options, workers=2)
    load_after = os.getloadavg()
    tasks = one["tasks"]
    record = {
        "benchmark": "distributed",
        "survey": {
            "shots": args.shots,
            "traces": args.traces,
            "samples": args.samples,
            "missing": 0.3,
            "tasks": tasks,
        },
        "model": {"name": "pocs", **options},
        "in_process_s": one_process,
        "cluster_1_worker": one,
        "cluster_2_workers": two,
        "ratio_1_worker_over_in_process": one["seconds"] / one_process,
        "speedup_2_over_1": one["seconds"] / two["seconds"],
        "overhead_per_task_ms": (one["seconds"] - one_process) / tasks * 1e3,
        "targets": {"ratio_1_worker_over_in_process": "<= 1.2", "speedup_2_over_1": ">= 1.6"},
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_before": load_before,
            "loadavg_after": load_after,
            "nice": os.nice(0),
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        },
    }
    record["targets_met"] = {
        "ratio_1_worker_over_in_process": record["ratio_1_worker_over_in_process"] <= 1.2,
        "speedup_2_over_1": record["speedup_2_over_1"] >= 1.6,
    }
    print(f"survey: {args.shots} shots x {args.traces} traces x {args.samples} samples, "
          f"{tasks} tasks (pocs, patch 32, n_iter {args.n_iter})")  # fmt: skip
    print(f"load average before/after: {load_before} / {load_after} on {os.cpu_count()} CPUs")
    print(f"in one process (1 thread):  {one_process:8.2f} s")
    for run in (one, two):
        peaks, empty = run["peak_rss_mib_per_worker"], run["empty_task_ms"]
        print(
            f"LocalCluster {run['workers']} x 1 thread: {run['seconds']:8.2f} s (start-up "
            f"{run['startup_s']:.1f} s, peak RSS per worker {peaks} MiB, empty task {empty:.2f} ms)"
        )
    print(f"1 worker / in-process: {record['ratio_1_worker_over_in_process']:.2f} (target <= 1.2)")
    print(f"speedup 2 workers over 1: {record['speedup_2_over_1']:.2f} (target >= 1.6)")
    print(f"scheduler overhead per task: {record['overhead_per_task_ms']:.1f} ms")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "distributed.json").write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
