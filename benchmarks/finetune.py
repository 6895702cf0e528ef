"""Fine-tuning cost and gain: ``pm.finetune`` with its defaults on a survey of ~100 MB.

Builds a survey the starting weights never saw (synthetic stacked sections, one per
inline: ``--data section``; or ``--data shots``), with ``--missing`` of its traces
dead, writes it as SEG-Y and opens it lazily, then fine-tunes with the defaults of
:class:`promethium.finetuning.settings.FineTuneSettings` (only ``--steps`` and the
thread count may be changed). Records the wall and CPU time (the CPU time of this
process, all its threads: on a shared, busy machine the wall time is mostly waiting),
the steps, the held-out scores
before and after, the machine and its load, and writes
``benchmarks/results/finetune.json``. Not a timed test.

The starting weights are ``--weights`` or, without it, a small U-Net (``--features``)
trained ``--pretrain-steps`` steps on synthetic shot gathers (the shipped weights,
once they exist, are the natural start: pass them).

Run: ``python benchmarks/finetune.py [--inlines 100 --traces 240 --samples 1000]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).parent / "results"


def _survey(args: argparse.Namespace, folder: Path) -> Path:
    """Write the survey as SEG-Y, an inline at a time; return its path."""
    import xarray as xr

    import promethium as pm

    if args.data == "shots":
        da = pm.synthetic_shots(args.inlines, args.traces, args.samples, seed=args.seed)
    else:
        lines = [
            pm.synthetic_section(args.traces, args.samples, seed=args.seed + i)
            .rename(cdp="xline")
            .drop_vars("cdp_x")
            for i in range(args.inlines)
        ]
        da = xr.concat(lines, dim="iline").assign_coords(iline=np.arange(1, args.inlines + 1))
    holed = pm.apply_trace_mask(da, pm.random_mask(da, args.missing, seed=args.seed))
    path = folder / "survey.sgy"
    pm.to_segy(holed, path)
    return path


def _pretrained(args: argparse.Namespace, folder: Path) -> Path:
    from promethium.train.config import parse_config
    from promethium.train.loop.trainer import Trainer

    features = list(args.features)
    config = parse_config(
        {
            "model": {
                "architecture": "unet",
                "params": {
                    "in_channels": 2,
                    "features": features,
                    "bottleneck": 2 * features[-1],
                    "dropout": 0.0,
                },
            },
            "data": {
                "synthetic": {
                    "kind": "gather",
                    "n_train": 16,
                    "n_val": 2,
                    "n_traces": 128,
                    "n_samples": 256,
                },
                "patch_size": 64,
                "stride": 32,
            },
            "training": {
                "epochs": 1,
                "steps_per_epoch": args.pretrain_steps,
                "batch_size": 8,
                "mixed_precision": False,
                "output_dir": str(folder / "pretrain"),
                "optimizer": {"learning_rate": 1e-3},
            },
            "tracking": {"enabled": False},
        }
    )
    return Trainer(config).fit().weights


def main() -> None:
    """Run the benchmark and write its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=["section", "shots"], default="section")
    parser.add_argument("--inlines", type=int, default=100)
    parser.add_argument("--traces", type=int, default=240)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--missing", type=float, default=0.3)
    parser.add_argument("--weights", type=Path)
    parser.add_argument("--features", type=int, nargs="+", default=[16, 32])
    parser.add_argument("--pretrain-steps", type=int, default=200)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS / "finetune.json")
    args = parser.parse_args()

    import torch

    import promethium as pm
    from promethium.ml.weights import read_sidecar

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="promethium-bench-finetune-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        weights = args.weights or _pretrained(args, folder)
        pretrain_s = time.perf_counter() - start if args.weights is None else None
        path = _survey(args, folder)
        survey = pm.open_segy(path)
        load_before = os.getloadavg()
        start, cpu = time.perf_counter(), time.process_time()
        extra: dict[str, Any] = {} if args.steps is None else {"steps": args.steps}
        result = pm.finetune(survey, "unet", weights=weights, output=folder / "tuned", **extra)
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu
        record = {
            "what": "pm.finetune with its defaults on a lazily opened SEG-Y survey",
            "survey": {
                "data": args.data,
                "shape": list(survey.shape),
                "megabytes": round(path.stat().st_size / 1e6, 1),
                "missing": args.missing,
            },
            "start": {
                "weights": str(args.weights) if args.weights else "trained here",
                "config": read_sidecar(weights)["config"],
                "pretrain_steps": None if args.weights else args.pretrain_steps,
                "pretrain_seconds": pretrain_s,
            },
            "recipe": read_sidecar(result.weights)["metadata"]["recipe"],
            "seconds": round(seconds, 1),
            "cpu_seconds": round(cpu_seconds, 1),
            "steps": result.steps,
            "stopped_early": result.stopped_early,
            "before": result.before,
            "after": result.after,
            "gain_db": round(result.gain_db, 2),
            "machine": {
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "torch_threads": args.threads,
                "loadavg_before": load_before,
                "loadavg_after": os.getloadavg(),
            },
        }
    print(result.describe())
    print(
        f"{record['survey']['megabytes']} MB survey: {seconds:.0f} s wall, "
        f"{cpu_seconds:.0f} s CPU, {result.steps} steps"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
