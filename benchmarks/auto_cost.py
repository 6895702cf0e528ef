"""What ``model="auto"`` costs over running its choice directly.

On a survey of ``--shots`` shot gathers (synthetic, 30 % of traces missing at random,
dask-backed, one chunk per shot) it times, best of ``--repeats``:

1. ``build``: ``pm.reconstruct(da)`` under ``auto`` returning its lazy result (the
   blind test: reading the sample and reconstructing it with every candidate);
2. ``auto``: build plus computing the result;
3. ``named``: ``pm.reconstruct(da, model=<auto's choice>)`` built and computed;

for ``max_gathers`` in ``--gathers`` with the default candidates (``linear``,
``pocs``), and with ``pocs`` alone for the cost of one candidate. The overhead
(``auto / named``) shrinks as the survey grows: the test's cost depends on
``max_gathers`` and the candidates, not on the survey. Prints a table and writes
``benchmarks/results/auto_cost.json`` (with the machine's load average: the numbers
are only comparable within one run). Not a timed test.

Run: ``python benchmarks/auto_cost.py [--shots 16 --traces 96 --samples 512]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

import promethium as pm

RESULTS = Path(__file__).parent / "results"


def survey(shots: int, traces: int, samples: int) -> xr.DataArray:
    """`shots` synthetic gathers with 30 % of traces dead at random, one chunk per shot."""
    base = pm.synthetic_gather(n_traces=traces, n_samples=samples, seed=1)
    stack = xr.concat([base * (1 + 0.05 * i) for i in range(shots)], dim="shot")
    stack = stack.transpose("shot", ...).assign_coords(shot=np.arange(shots))
    live = np.stack([pm.random_mask(base, 0.3, seed=i).values for i in range(shots)])
    return pm.apply_trace_mask(stack, live).chunk({"shot": 1})


def best_of(fn: Any, repeats: int) -> float:
    """Shortest wall time of `repeats` calls of `fn`, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(da: xr.DataArray, gathers: int, candidates: list[str] | None, repeats: int) -> dict:
    """Build, full and named times for one setting of auto."""
    options: dict[str, Any] = {"max_gathers": gathers}
    if candidates is not None:
        options["candidates"] = candidates
    out = pm.reconstruct(da, **options)
    record = json.loads(out.attrs["promethium_reconstruction"])["auto"]
    chosen = record["models"][0]
    build = best_of(lambda: pm.reconstruct(da, **options), repeats)
    full = best_of(lambda: pm.reconstruct(da, **options).compute(), repeats)
    named = best_of(lambda: pm.reconstruct(da, model=chosen).compute(), repeats)
    return {
        "max_gathers": gathers,
        "candidates": record["candidates"],
        "chosen": chosen,
        "build_s": round(build, 3),
        "auto_s": round(full, 3),
        "named_s": round(named, 3),
        "overhead": round(full / named, 3),
        "candidate_s": {n: s.get("seconds") for n, s in record.get("scores", {}).items()},
    }


def main() -> None:
    """Run the benchmark; print a table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=16)
    parser.add_argument("--traces", type=int, default=96)
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--gathers", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    da = survey(args.shots, args.traces, args.samples)
    load_before = os.getloadavg()
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for gathers in args.gathers:
            rows.append(measure(da, gathers, None, args.repeats))
        rows.append(measure(da, 4, ["pocs"], args.repeats))
    print(f"survey: {args.shots} shots x {args.traces} traces x {args.samples} samples")
    print(f"{'max_gathers':>11} {'candidates':>14} {'build s':>8} {'auto s':>7} "
          f"{'named s':>8} {'auto/named':>10}")  # fmt: skip
    for row in rows:
        print(
            f"{row['max_gathers']:>11} {','.join(row['candidates']):>14} {row['build_s']:>8} "
            f"{row['auto_s']:>7} {row['named_s']:>8} {row['overhead']:>10}"
        )
    result = {
        "benchmark": "auto_cost",
        "survey": {"shots": args.shots, "traces": args.traces, "samples": args.samples},
        "rows": rows,
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(),
        },
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "auto_cost.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
