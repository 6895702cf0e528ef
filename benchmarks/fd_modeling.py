"""Cost of finite-difference shot gathers (:mod:`promethium.modeling`) on one CPU thread.

Models gathers of typical training sizes (128 and 256 receivers, 512 and 1000
samples, several sample intervals, spacings and source frequencies) with one torch
thread, and reports seconds per gather, the grid, the internal steps and nanoseconds per
cell and step. The machine's load is recorded: on a shared machine the times are upper
bounds. Prints a table and writes ``benchmarks/results/fd_modeling.json``. Not a timed
test.

Run: ``python benchmarks/fd_modeling.py [--repeats 2] [--device cpu]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"

CASES: list[dict[str, Any]] = [
    {
        "n_traces": 128,
        "n_samples": 512,
        "dt_ms": 4.0,
        "trace_spacing_m": 12.5,
        "frequency_hz": 20.0,
    },
    {
        "n_traces": 128,
        "n_samples": 512,
        "dt_ms": 2.0,
        "trace_spacing_m": 12.5,
        "frequency_hz": 25.0,
    },
    {
        "n_traces": 128,
        "n_samples": 1000,
        "dt_ms": 1.0,
        "trace_spacing_m": 6.25,
        "frequency_hz": 25.0,
    },
    {
        "n_traces": 256,
        "n_samples": 512,
        "dt_ms": 4.0,
        "trace_spacing_m": 12.5,
        "frequency_hz": 15.0,
    },
    {
        "n_traces": 128,
        "n_samples": 256,
        "dt_ms": 4.0,
        "trace_spacing_m": 25.0,
        "frequency_hz": 20.0,
    },
]


def _grid(case: dict[str, Any]) -> dict[str, int]:
    """Cells and internal steps of a case (mirrors fd_shot_gather's sizing)."""
    from promethium.modeling.gathers import _DEPTH_VELOCITY, _VMIN
    from promethium.modeling.stencil import MIN_POINTS_PER_WAVELENGTH

    dx = _VMIN / (MIN_POINTS_PER_WAVELENGTH * 2.5 * case["frequency_hz"])
    span = case["n_traces"] * case["trace_spacing_m"]
    nx = math.ceil((span + 2 * (100 + 0.1 * span)) / dx) + 1 + 60 + 8
    record = case["dt_ms"] / 1000 * (case["n_samples"] - 1)
    nz = math.ceil(max(record * _DEPTH_VELOCITY / 2, 200) / dx) + 1 + 60 + 16
    steps = case["n_samples"] * math.ceil(4500 * case["dt_ms"] / 1000 / (0.5 * dx))
    return {"cells": nx * nz, "steps": steps, "grid_spacing_m": round(dx, 3)}


def main() -> None:
    """Run the cases; print and save the numbers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    import torch

    from promethium.modeling import fd_shot_gather

    torch.set_num_threads(1)
    load_before = os.getloadavg()
    rows = []
    for case in CASES:
        best = math.inf
        for _ in range(args.repeats):
            start = time.perf_counter()
            fd_shot_gather(seed=1, device=args.device, **case)
            best = min(best, time.perf_counter() - start)
        grid = _grid(case)
        ns = best / (grid["cells"] * grid["steps"]) * 1e9
        rows.append({**case, **grid, "seconds": best, "ns_per_cell_step": ns})
        print(
            f"{case['n_traces']:4d} x {case['n_samples']:5d} dt {case['dt_ms']:3.1f} ms "
            f"dx {case['trace_spacing_m']:5.2f} m f {case['frequency_hz']:4.1f} Hz: "
            f"{best:6.2f} s  ({grid['cells']} cells x {grid['steps']} steps, {ns:.1f} ns)"
        )
    out = {
        "machine": {
            "platform": platform.platform(),
            "torch": torch.__version__,
            "threads": 1,
            "device": args.device,
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
        },
        "cases": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "fd_modeling.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"load average before/after: {load_before[0]:.2f} / {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
