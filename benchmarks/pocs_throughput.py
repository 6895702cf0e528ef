"""Throughput of ``pocs``: today's code against the implementation it replaced.

Both run in the same process, on the same panels, through ``predict_patches`` with
the default options (32 x 32 windows, overlap 0.75, 50 iterations, batches of 256
windows):

- ``reference``: what ``pocs`` shipped before: the float64 NumPy POCS
  (``tests/models/_pocs_reference.py``) in the patch engine's former per-patch block
  loop (``tests/ml/_block_reference.py``), both unchanged;
- ``batched``: ``POCS().reconstruct(..., device="cpu")``: the batched float32 kernel
  in the vectorized block computation (``promethium.ml.block``).

Each panel (default: a 256-trace x 1000-sample section with 50 % of its traces
missing at random) is timed in interleaved rounds, best of each. Both run on one
thread: the reference is NumPy, and the kernel runs torch on one intra-op thread
whatever torch's setting (its operations are too small to share; see
``_OneTorchThread``). It reports samples/s by wall clock and by CPU time (process
time, which a loaded machine disturbs less), the speedups, and the SNR on the missing
traces of both with their difference. Where CUDA is present it also runs
``device="cuda"`` and records its samples/s. The load average before and after is
written too. Target: >= 4x the reference's throughput at the same SNR (within 0.1 dB).
Prints the numbers and writes ``benchmarks/results/pocs_throughput.json`` (about a
minute on an idle 2-core machine). Not a timed test.

Run: ``nice -n 15 python benchmarks/pocs_throughput.py [--panels 2 --repeats 2]``
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure the promethium of this checkout
RESULTS = ROOT / "benchmarks" / "results"
REFERENCE = ROOT / "tests" / "models" / "_pocs_reference.py"
REFERENCE_BLOCK = ROOT / "tests" / "ml" / "_block_reference.py"


def load_reference(path: Path = REFERENCE) -> Any:
    """A reference module, imported from its file under ``tests/``."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def reference_engine() -> Iterator[None]:
    """Run ``predict_patches`` with the former per-patch block loop."""
    from promethium.ml import engine

    current, engine.run_block = engine.run_block, load_reference(REFERENCE_BLOCK).run_block
    try:
        yield
    finally:
        engine.run_block = current


def timed(fn: Any) -> tuple[float, float, Any]:
    """Wall and CPU seconds of one call of `fn`, and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def interleaved(runs: dict[str, Any], repeats: int) -> dict[str, dict[str, Any]]:
    """Best wall and CPU time of each run over `repeats` rounds running each in turn."""
    for fn in runs.values():
        fn()  # warm up (imports, FFT plans), unmeasured
    best: dict[str, dict[str, Any]] = {}
    for _ in range(repeats):
        for name, fn in runs.items():
            wall, cpu, result = timed(fn)
            old = best.get(name)
            best[name] = {
                "wall_s": min(wall, old["wall_s"]) if old else wall,
                "cpu_s": min(cpu, old["cpu_s"]) if old else cpu,
                "result": result,
            }
    return best


def main() -> None:
    """Run the benchmark and write the JSON results."""
    import promethium as pm
    from promethium.metrics import snr
    from promethium.ml.engine import predict_patches
    from promethium.models.classical.pocs import POCS, POCSOptions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=256)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--missing", type=float, default=0.5)
    parser.add_argument("--panels", type=int, default=2, help="panels (seeds) to run")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    reference = load_reference()
    options = POCSOptions(device="cpu")
    ref_predictor = reference.ReferencePredictor(
        n_iter=options.n_iter, p_max=options.p_max, p_min=options.p_min,
        schedule=options.schedule, thresholding=options.thresholding, pad=options.pad,
    )  # fmt: skip
    load_before = os.getloadavg()
    n_samples = args.traces * args.samples
    panels: list[dict[str, Any]] = []
    for seed in range(args.panels):
        da = pm.synthetic_section(n_traces=args.traces, n_samples=args.samples, seed=seed)
        mask = pm.random_mask(da, args.missing, seed=100 + seed)
        holed, missing = pm.apply_trace_mask(da, mask), ~mask.values

        def run_reference(holed: Any = holed) -> Any:
            with reference_engine():
                return predict_patches(
                    holed, ref_predictor, patch_size=options.patch_size,
                    overlap=options.overlap, batch_size=options.batch_size, normalize=True,
                )  # fmt: skip

        def run_batched(holed: Any = holed) -> Any:
            return POCS().reconstruct(holed, options)

        best = interleaved({"reference": run_reference, "batched": run_batched}, args.repeats)
        ref, new = best["reference"], best["batched"]
        snr_ref = float(snr(da, ref["result"], missing))
        snr_new = float(snr(da, new["result"], missing))
        row = {
            "seed": seed,
            "reference": {k: ref[k] for k in ("wall_s", "cpu_s")},
            "batched": {k: new[k] for k in ("wall_s", "cpu_s")},
            "samples_per_s": {
                "reference_wall": n_samples / ref["wall_s"],
                "batched_wall": n_samples / new["wall_s"],
                "reference_cpu": n_samples / ref["cpu_s"],
                "batched_cpu": n_samples / new["cpu_s"],
            },
            "speedup_wall": ref["wall_s"] / new["wall_s"],
            "speedup_cpu": ref["cpu_s"] / new["cpu_s"],
            "snr_db": {"reference": snr_ref, "batched": snr_new,
                       "difference": snr_new - snr_ref},
            "max_abs_difference": float(np.abs(new["result"].values - ref["result"].values).max()),
        }  # fmt: skip
        print(
            f"panel {seed}: reference {ref['wall_s']:.2f} s wall ({ref['cpu_s']:.2f} s CPU), "
            f"batched {new['wall_s']:.2f} s wall ({new['cpu_s']:.2f} s CPU); speedup "
            f"x{row['speedup_wall']:.2f} wall, x{row['speedup_cpu']:.2f} CPU; batched "
            f"{row['samples_per_s']['batched_wall']:.0f} samples/s wall, "
            f"{row['samples_per_s']['batched_cpu']:.0f} per CPU second; SNR {snr_ref:.3f} -> "
            f"{snr_new:.3f} dB ({snr_new - snr_ref:+.4f} dB)",
            flush=True,
        )
        panels.append(row)

    summary = {
        "speedup_wall_min": min(p["speedup_wall"] for p in panels),
        "speedup_cpu_min": min(p["speedup_cpu"] for p in panels),
        "batched_samples_per_s_wall_mean": float(np.mean(
            [p["samples_per_s"]["batched_wall"] for p in panels])),
        "batched_samples_per_s_cpu_mean": float(np.mean(
            [p["samples_per_s"]["batched_cpu"] for p in panels])),
        "reference_samples_per_s_wall_mean": float(np.mean(
            [p["samples_per_s"]["reference_wall"] for p in panels])),
        "reference_samples_per_s_cpu_mean": float(np.mean(
            [p["samples_per_s"]["reference_cpu"] for p in panels])),
        "snr_difference_db_max_abs": max(abs(p["snr_db"]["difference"]) for p in panels),
    }  # fmt: skip
    summary["target_met"] = bool(
        min(summary["speedup_wall_min"], summary["speedup_cpu_min"]) >= 4.0
        and summary["snr_difference_db_max_abs"] <= 0.1
    )
    results: dict[str, Any] = {
        "machine": {
            "platform": platform.platform(), "processor": platform.processor(),
            "cpu_count": os.cpu_count(), "torch": torch.__version__,
            "numpy": np.__version__, "torch_threads": torch.get_num_threads(),
            "nice": os.nice(0), "load_average_before": list(load_before),
            "load_average_after": list(os.getloadavg()),
        },
        "data": {"kind": "synthetic_section", "shape": [args.traces, args.samples],
                 "missing": f"{args.missing:.0%} random traces", "panels": args.panels},
        "options": options.model_dump(mode="json"),
        "repeats": args.repeats,
        "panels": panels,
        "summary": summary,
        "targets": {"speedup": 4.0, "snr_difference_db": 0.1},
    }  # fmt: skip

    if torch.cuda.is_available():
        results["cuda"] = cuda_section(panels_data(pm, args), options, n_samples, args.repeats)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "pocs_throughput.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"summary: {json.dumps(summary, indent=1)}")
    print(f"load average before {load_before}, after {os.getloadavg()}; wrote {out}")


def panels_data(pm: Any, args: argparse.Namespace) -> list[tuple[Any, Any, np.ndarray]]:
    """The benchmark's panels again: (truth, holed, missing) per seed."""
    out = []
    for seed in range(args.panels):
        da = pm.synthetic_section(n_traces=args.traces, n_samples=args.samples, seed=seed)
        mask = pm.random_mask(da, args.missing, seed=100 + seed)
        out.append((da, pm.apply_trace_mask(da, mask), ~mask.values))
    return out


def cuda_section(
    panels: list[tuple[Any, Any, np.ndarray]], options: Any, n_samples: int, repeats: int
) -> dict[str, Any]:
    """samples/s on CUDA (the engine's default batch and a larger one), SNR against the CPU."""
    from promethium.metrics import snr
    from promethium.models.classical.pocs import POCS

    section: dict[str, Any] = {"device": torch.cuda.get_device_name()}
    for batch_size in (options.batch_size, 4096):
        gpu = options.model_copy(update={"device": "cuda", "batch_size": batch_size})
        rows = []
        for da, holed, missing in panels:
            POCS().reconstruct(holed, gpu)  # warm-up: CUDA context, cuFFT plans
            best = interleaved({"cuda": lambda h=holed, o=gpu: POCS().reconstruct(h, o)}, repeats)
            snr_cpu = float(snr(da, POCS().reconstruct(holed, options), missing))
            snr_gpu = float(snr(da, best["cuda"]["result"], missing))
            rows.append({
                "wall_s": best["cuda"]["wall_s"],
                "samples_per_s": n_samples / best["cuda"]["wall_s"],
                "snr_db": snr_gpu,
                "snr_difference_to_cpu_db": snr_gpu - snr_cpu,
            })  # fmt: skip
        section[f"batch_size_{batch_size}"] = rows
        rate = np.mean([r["samples_per_s"] for r in rows])
        print(f"cuda, batch_size {batch_size}: {rate:.0f} samples/s")
    return section


if __name__ == "__main__":
    main()
