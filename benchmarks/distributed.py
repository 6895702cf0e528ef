"""Batch runs on dask.distributed against one process: overhead and scaling.

The same survey (one SEG-Y file, one task per shot; by default 12 shots of 256 traces x
1000 samples, ``pocs`` with 32-sample patches and 60 iterations: a few seconds a task)
is reconstructed and written (Zarr and SEG-Y with the input's headers):

1. in this process, ``pm.reconstruct`` then both writers in one pass, on dask's
   threaded scheduler with 1 thread, then with 2 threads (as ``promethium
   reconstruct`` runs);
2. with ``pm.batch_reconstruct`` on a ``LocalCluster`` of 1 worker process x 1 thread;
3. the same with 2 workers x 1 thread.

Every process runs torch and BLAS/OpenMP with one thread (``OMP_NUM_THREADS=1`` and
friends, ``torch.set_num_threads(1)``; recorded per worker), so the parallelism is the
scheduler's threads or the workers. The clusters are those ``batch_reconstruct`` starts
(:func:`promethium.distributed.cluster.local_cluster`, with its allocator setting;
``--dask-malloc`` adds a 1-worker run with dask's own, to measure what it saves). The
clusters are started and every worker is warmed up (the readers, writers, torch and
``pocs`` imported, a tiny reconstruction run: what the first task of a fresh worker pays
once) before the timed run; start-up and warm-up are reported apart, and this process is
warmed the same way before its runs. Prints and writes to
``benchmarks/results/distributed.json``: the times; the ratio 1 worker / 1 thread in
process (target <= 1.2); the speedup 2 workers over 1 (target >= 1.6 on 2 cores); the
overhead per task (the 1-worker run's extra time over the in-process run, per task);
from dask's task stream, the seconds the workers computed and the seconds of the chunk
tasks themselves; the round trip of an empty task; each worker's peak resident memory;
the machine's load (``os.getloadavg()``) before and after.

Run (about 3 minutes on an idle 2-core machine; the machine is shared, keep it polite):
``nice -n 15 python benchmarks/distributed.py [--shots 12 --traces 256 --samples 1000
--n-iter 60]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"  # before NumPy or torch load a thread pool
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


def warm_up() -> int:
    """One thread for torch; import the readers, writers and pocs; run a tiny pocs.

    Returns torch's thread count (run once per process: here and on every worker).
    """
    import segyio  # noqa: F401
    import torch
    import zarr  # noqa: F401

    import promethium as pm

    torch.set_num_threads(1)
    da = pm.synthetic_gather(n_traces=16, n_samples=32)
    holed = pm.apply_trace_mask(da, pm.random_mask(da, 0.3, seed=1))
    pm.reconstruct(holed.chunk(), model="pocs", patch_size=8, n_iter=1).compute(scheduler="sync")
    return int(torch.get_num_threads())


def in_process(source: Path, out: Path, options: dict[str, Any], threads: int) -> float:
    """``reconstruct`` + both writers in this process on `threads` threads; seconds."""
    import promethium as pm

    start = time.perf_counter()
    da = pm.open_segy(source, chunks={"shot": 1})
    result = pm.reconstruct(da, model="pocs", **options)
    store = pm.to_zarr(result, out / "survey.zarr", compute=False)
    segy = pm.to_segy(result, out / "survey.sgy", like=source, absent="insert", compute=False)
    # One pass: each chunk reconstructed once for both outputs.
    store.compute_with(segy, scheduler="threads", num_workers=threads)
    return time.perf_counter() - start


def on_cluster(
    source: Path, out: Path, options: dict[str, Any], workers: int, *, ours: bool = True
) -> dict[str, Any]:
    """``batch_reconstruct`` on a fresh, warmed LocalCluster of `workers` x 1 thread.

    With `ours` False the workers get dask's allocator settings only.
    """
    from distributed import Client, get_task_stream

    import promethium as pm
    from promethium.distributed.cluster import ClusterSpec, local_cluster

    spec = ClusterSpec(n_workers=workers, threads_per_worker=1, dashboard_address=None)
    environ = {} if ours else {"WORKER_ENVIRON": {}}
    t0 = time.perf_counter()
    with (
        _patched(environ),
        local_cluster(spec) as cluster,  # the cluster batch_reconstruct starts
        Client(cluster) as client,
    ):
        client.wait_for_workers(workers)
        startup = time.perf_counter() - t0
        t0 = time.perf_counter()
        torch_threads = client.run(warm_up)  # what a fresh worker's first task pays
        warm = time.perf_counter() - t0
        with get_task_stream(client) as stream:
            start = time.perf_counter()
            result = pm.batch_reconstruct(
                [source], out, model="pocs", client=client, chunks={"shot": 1}, **options
            )
            seconds = time.perf_counter() - start
        tasks = result.inputs[0].chunks_total
        peaks = client.run(_peak_rss_mib)
        empty = _empty_task_round_trip(client)
    busy, chunk_tasks = _task_stream_seconds(stream.data)
    return {
        "workers": workers,
        "seconds": seconds,
        "startup_s": startup,
        "warm_up_s": warm,
        "tasks": tasks,
        "worker_compute_s": busy,
        "patch_tasks_s": chunk_tasks,
        "torch_threads_per_worker": sorted(torch_threads.values()),
        "peak_rss_mib_per_worker": sorted(round(v, 1) for v in peaks.values()),
        "empty_task_ms": empty * 1e3,
    }


@contextlib.contextmanager
def _patched(values: dict[str, Any]) -> Iterator[None]:
    """Set attributes of :mod:`promethium.distributed.cluster` for the block."""
    from promethium.distributed import cluster

    old = {name: getattr(cluster, name) for name in values}
    for name, value in values.items():
        setattr(cluster, name, value)
    try:
        yield
    finally:
        for name, value in old.items():
            setattr(cluster, name, value)


def _task_stream_seconds(records: list[dict[str, Any]]) -> tuple[float, float]:
    """Seconds the workers computed, and of those the patch engine's tasks."""
    busy = patches = 0.0
    for record in records:
        key = record["key"][0] if isinstance(record["key"], tuple) else record["key"]
        for span in record["startstops"]:
            if span["action"] == "compute":
                busy += span["stop"] - span["start"]
                if str(key).startswith("promethium-patches"):
                    patches += span["stop"] - span["start"]
    return busy, patches


def _empty_task_round_trip(client: Any, n: int = 200) -> float:
    """Seconds per task for `n` independent empty tasks submitted at once."""
    start = time.perf_counter()
    futures = client.map(_nothing, range(n), pure=False)
    client.gather(futures)
    return (time.perf_counter() - start) / n


def _nothing(i: int) -> int:
    return i


def _timed(label: str, run: Callable[[], Any]) -> Any:
    print(f"... {label}", flush=True)
    return run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=12)
    parser.add_argument("--traces", type=int, default=256)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--n-iter", type=int, default=60)
    parser.add_argument("--json", type=Path, default=RESULTS / "distributed.json")
    parser.add_argument("--dask-malloc", action="store_true",
                        help="also run 1 worker with dask's allocator settings only")  # fmt: skip
    args = parser.parse_args()
    options = {"patch_size": 32, "n_iter": args.n_iter}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = _survey(folder, args.shots, args.traces, args.samples)
        here_threads = warm_up()
        for name in ("one", "two"):
            (folder / name).mkdir()
        one_thread = _timed("in process, 1 thread", lambda: in_process(
            source, folder / "one", options, threads=1))  # fmt: skip
        two_threads = _timed("in process, 2 threads", lambda: in_process(
            source, folder / "two", options, threads=2))  # fmt: skip
        one = _timed("LocalCluster 1 x 1", lambda: on_cluster(source, folder / "c1", options, 1))
        two = _timed("LocalCluster 2 x 1", lambda: on_cluster(source, folder / "c2", options, 2))
        plain = None
        if args.dask_malloc:
            plain = _timed("LocalCluster 1 x 1, dask's allocator settings", lambda: on_cluster(
                source, folder / "c3", options, 1, ours=False))  # fmt: skip
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
            "bytes": args.shots * args.traces * args.samples * 4,
        },
        "model": {"name": "pocs", **options},
        "in_process_1_thread_s": one_thread,
        "in_process_2_threads_s": two_threads,
        "in_process_torch_threads": here_threads,
        "cluster_1_worker": one,
        "cluster_2_workers": two,
        "cluster_1_worker_dask_malloc": plain,
        "task_s": one["patch_tasks_s"] / tasks,
        "samples_per_s_per_worker": args.shots * args.traces * args.samples / one["seconds"],
        "ratio_1_worker_over_in_process": one["seconds"] / one_thread,
        "speedup_2_over_1": one["seconds"] / two["seconds"],
        "speedup_2_threads_over_1_in_process": one_thread / two_threads,
        "overhead_per_task_ms": (one["seconds"] - one_thread) / tasks * 1e3,
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
          f"{tasks} tasks (pocs, patch 32, n_iter {args.n_iter}), "
          f"{record['task_s']:.2f} s per task on a worker")  # fmt: skip
    print(f"load average before/after: {load_before} / {load_after} on {os.cpu_count()} CPUs")
    print(f"in one process, 1 thread:  {one_thread:8.2f} s")
    print(f"in one process, 2 threads: {two_threads:8.2f} s "
          f"({record['speedup_2_threads_over_1_in_process']:.2f}x)")  # fmt: skip
    for run in (one, two):
        print(
            f"LocalCluster {run['workers']} x 1 thread: {run['seconds']:8.2f} s (start-up "
            f"{run['startup_s']:.1f} s and warm-up {run['warm_up_s']:.1f} s not counted; "
            f"workers computed {run['worker_compute_s']:.1f} s; peak RSS per worker "
            f"{run['peak_rss_mib_per_worker']} MiB; empty task {run['empty_task_ms']:.2f} ms)"
        )
    if plain is not None:
        print(f"1 worker with dask's allocator settings: {plain['seconds']:8.2f} s "
              f"(workers computed {plain['worker_compute_s']:.1f} s)")  # fmt: skip
    print(f"1 worker / in-process: {record['ratio_1_worker_over_in_process']:.2f} (target <= 1.2)")
    print(f"speedup 2 workers over 1: {record['speedup_2_over_1']:.2f} (target >= 1.6)")
    print(f"overhead per task: {record['overhead_per_task_ms']:.1f} ms")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
