"""Batch runs on dask.distributed against one process: overhead and scaling.

The same survey (one SEG-Y file, one task per shot; by default 12 shots of 256 traces x
1000 samples, ``pocs`` with 32-sample patches and 60 iterations: a few seconds a task)
is reconstructed and written (Zarr and SEG-Y with the input's headers):

1. in this process, ``pm.reconstruct`` then both writers in one pass, on dask's
   threaded scheduler with 1 thread, then with 2 threads (as ``promethium
   reconstruct`` runs);
2. with ``pm.batch_reconstruct`` on a ``LocalCluster`` of 1 worker process x 1 thread;
3. the same with 2 workers x 1 thread.

Each set-up runs ``--repeat`` times (3), the in-process runs alternating with the
cluster runs of as many threads, and the fastest run of each counts (a shared machine's
noise only ever adds time: the same ``pocs`` chunk varies by a third from run to run
here); every run's seconds and the CPU seconds used are recorded too.

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

Run (about 6 minutes on an idle 2-core machine; the machine is shared, keep it polite):
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
from collections.abc import Iterator
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


def in_process(source: Path, out: Path, options: dict[str, Any], threads: int) -> dict[str, float]:
    """``reconstruct`` + both writers in this process on `threads` threads.

    Returns the wall-clock seconds and the CPU seconds this process used.
    """
    import promethium as pm

    cpu = time.process_time()
    start = time.perf_counter()
    da = pm.open_segy(source, chunks={"shot": 1})
    result = pm.reconstruct(da, model="pocs", **options)
    store = pm.to_zarr(result, out / "survey.zarr", compute=False)
    segy = pm.to_segy(result, out / "survey.sgy", like=source, absent="insert", compute=False)
    # One pass: each chunk reconstructed once for both outputs.
    store.compute_with(segy, scheduler="threads", num_workers=threads)
    return {"seconds": time.perf_counter() - start, "cpu_s": time.process_time() - cpu}


@contextlib.contextmanager
def warmed_cluster(workers: int, *, ours: bool = True) -> Iterator[tuple[Any, dict[str, Any]]]:
    """A fresh LocalCluster of `workers` x 1 thread, as ``batch_reconstruct`` starts it, warmed.

    Yields its client and what starting it cost. With `ours` False the workers get
    dask's allocator settings only.
    """
    from distributed import Client

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
        yield (
            client,
            {
                "workers": workers,
                "startup_s": startup,
                "warm_up_s": time.perf_counter() - t0,
                "torch_threads_per_worker": sorted(torch_threads.values()),
            },
        )


def after_runs(client: Any) -> dict[str, Any]:
    """Each worker's peak resident memory and the round trip of an empty task."""
    peaks = client.run(_peak_rss_mib)
    return {
        "peak_rss_mib_per_worker": sorted(round(v, 1) for v in peaks.values()),
        "empty_task_ms": _empty_task_round_trip(client) * 1e3,
    }


def on_cluster(client: Any, source: Path, out: Path, options: dict[str, Any]) -> dict[str, Any]:
    """``batch_reconstruct`` of `source` on `client`'s cluster: times and CPU seconds."""
    from distributed import get_task_stream

    import promethium as pm

    cpu = client.run(time.process_time)
    with get_task_stream(client) as stream:
        start = time.perf_counter()
        result = pm.batch_reconstruct(
            [source], out, model="pocs", client=client, chunks={"shot": 1}, **options
        )
        seconds = time.perf_counter() - start
    after = client.run(time.process_time)
    busy, chunk_tasks = _task_stream_seconds(stream.data)
    return {
        "seconds": seconds,
        "tasks": result.inputs[0].chunks_total,
        "worker_cpu_s": sum(after[w] - cpu[w] for w in after),
        "worker_compute_s": busy,
        "patch_tasks_s": chunk_tasks,
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


def _say(label: str) -> None:
    print(f"... {label}", flush=True)


def _series(
    client: Any, source: Path, folder: Path, options: dict[str, Any], workers: int, repeat: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`repeat` runs in this process (as many threads as workers) and on the cluster, alternated.

    Alternating keeps a slow spell of a shared machine from landing on one side only.
    """
    here: list[dict[str, Any]] = []
    there: list[dict[str, Any]] = []
    for k in range(1, repeat + 1):
        out = folder / f"here-{workers}-{k}"
        out.mkdir()
        _say(f"in process, {workers} thread(s), run {k}/{repeat}")
        here.append(in_process(source, out, options, threads=workers))
        _say(f"LocalCluster {workers} x 1 thread, run {k}/{repeat}")
        there.append(on_cluster(client, source, folder / f"cluster-{workers}-{k}", options))
    return here, there


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest run (noise only ever adds time), with every run's seconds."""
    return {**min(runs, key=lambda r: r["seconds"]), "all_s": [r["seconds"] for r in runs]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=12)
    parser.add_argument("--traces", type=int, default=256)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--n-iter", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each set-up (best kept)")
    parser.add_argument("--json", type=Path, default=RESULTS / "distributed.json")
    parser.add_argument("--dask-malloc", action="store_true",
                        help="also run 1 worker with dask's allocator settings only")  # fmt: skip
    args = parser.parse_args()
    options = {"patch_size": 32, "n_iter": args.n_iter}
    load_before = os.getloadavg()
    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = _survey(folder, args.shots, args.traces, args.samples)
        here_threads = warm_up()
        for workers in (1, 2):
            with warmed_cluster(workers) as (client, cluster):
                here, there = _series(client, source, folder, options, workers, args.repeat)
                runs[workers] = (_best(here), {**cluster, **_best(there), **after_runs(client)})
        plain = None
        if args.dask_malloc:
            with warmed_cluster(1, ours=False) as (client, cluster):
                there = []
                for k in range(1, args.repeat + 1):
                    _say(f"LocalCluster 1 x 1 thread, dask's allocator, run {k}/{args.repeat}")
                    there.append(on_cluster(client, source, folder / f"malloc-{k}", options))
                plain = {**cluster, **_best(there), **after_runs(client)}
    load_after = os.getloadavg()
    (one_thread, one), (two_threads, two) = runs[1], runs[2]
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
        "repeat": args.repeat,
        "in_process_1_thread": one_thread,
        "in_process_2_threads": two_threads,
        "in_process_1_thread_s": one_thread["seconds"],
        "in_process_2_threads_s": two_threads["seconds"],
        "in_process_torch_threads": here_threads,
        "cluster_1_worker": one,
        "cluster_2_workers": two,
        "cluster_1_worker_dask_malloc": plain,
        "task_s": one["patch_tasks_s"] / tasks,
        "samples_per_s_per_worker": args.shots * args.traces * args.samples / one["seconds"],
        "ratio_1_worker_over_in_process": one["seconds"] / one_thread["seconds"],
        "cpu_ratio_1_worker_over_in_process": one["worker_cpu_s"] / one_thread["cpu_s"],
        "speedup_2_over_1": one["seconds"] / two["seconds"],
        "ratio_2_workers_over_2_threads": two["seconds"] / two_threads["seconds"],
        "speedup_2_threads_over_1_in_process": one_thread["seconds"] / two_threads["seconds"],
        "overhead_per_task_ms": (one["seconds"] - one_thread["seconds"]) / tasks * 1e3,
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
          f"{record['task_s']:.2f} s a task on a worker; best of {args.repeat} runs")  # fmt: skip
    print(f"load average before/after: {load_before} / {load_after} on {os.cpu_count()} CPUs")
    for threads, run in ((1, one_thread), (2, two_threads)):
        print(f"in one process, {threads} thread(s): {run['seconds']:8.2f} s "
              f"(CPU {run['cpu_s']:.1f} s; runs {_rounded(run['all_s'])})")  # fmt: skip
    for run in (one, two):
        print(
            f"LocalCluster {run['workers']} x 1 thread: {run['seconds']:8.2f} s (runs "
            f"{_rounded(run['all_s'])}; start-up {run['startup_s']:.1f} s and warm-up "
            f"{run['warm_up_s']:.1f} s not counted; workers' CPU {run['worker_cpu_s']:.1f} s, "
            f"computed {run['worker_compute_s']:.1f} s; peak RSS per worker "
            f"{run['peak_rss_mib_per_worker']} MiB; empty task {run['empty_task_ms']:.2f} ms)"
        )
    if plain is not None:
        print(f"1 worker with dask's allocator settings: {plain['seconds']:8.2f} s "
              f"(workers' CPU {plain['worker_cpu_s']:.1f} s)")  # fmt: skip
    print(f"1 worker / in-process: {record['ratio_1_worker_over_in_process']:.2f} (target <= 1.2; "
          f"CPU {record['cpu_ratio_1_worker_over_in_process']:.2f})")  # fmt: skip
    print(f"speedup 2 workers over 1: {record['speedup_2_over_1']:.2f} (target >= 1.6)")
    print(f"2 workers / 2 threads in process: {record['ratio_2_workers_over_2_threads']:.2f}")
    print(f"overhead per task: {record['overhead_per_task_ms']:.1f} ms")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {args.json}")


def _rounded(values: list[float]) -> list[float]:
    return [round(v, 2) for v in values]


if __name__ == "__main__":
    main()
