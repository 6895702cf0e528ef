"""Score weight sets on held-out FD gathers, the way ``benchmarks/quality.py`` does.

The data, scenarios and scoring are those of ``benchmarks/quality.py`` (its ``fd``
set: finite-difference shot gathers in velocity models of the evaluation families, which
no shipped network trained on; 30%/50% random, decimation by 2 and 4, 5-10 trace gaps;
:func:`promethium.holdout.score` on the removed traces). This script scores weight
*files* (a training run's best weights before they ship, or the shipped sets), next to
``pocs`` and ``linear``, and with ``--update-sidecars`` writes the numbers into each
shipped set's sidecar (``metrics.benchmark``), which ``pm.list_models()`` and
``promethium plugins`` show.

Run: ``python benchmarks/pretrained_eval.py [--weights unet=runs/.../best.safetensors]
[--update-sidecars]``; writes ``benchmarks/results/pretrained_eval.json``. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

import promethium as pm
from promethium.holdout import score

ROOT = Path(__file__).parent
sys.path.insert(0, str(ROOT))
import quality  # noqa: E402  (benchmarks/quality.py: the same data and scenarios)

CLASSICAL = ("pocs", "linear")


def reconstruct(method: str, weights: str | None, data: Any, patch: int) -> Any:
    """Fill `data` with `method` (a network with `weights`, or a classical model)."""
    options: dict[str, Any] = {}
    if method not in CLASSICAL:
        options = {"device": "cpu", "patch_size": patch}
        if weights is not None:
            options["weights"] = weights
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pm.reconstruct(data, model=method, **options).compute()


def main() -> None:
    """Score the weights, print the table, write the JSON (and the sidecars)."""
    from promethium.models.networks.pretrained import PRETRAINED, pretrained_root

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--weights",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="A network and its weights (repeatable); default: the shipped sets.",
    )
    parser.add_argument("--gathers", type=int, default=4)
    parser.add_argument("--patch", type=int, default=128, help="Inference patch size.")
    parser.add_argument("--cache", default="runs/fd-cache")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-classical", action="store_true")
    parser.add_argument("--update-sidecars", action="store_true")
    parser.add_argument("--output", type=Path, default=ROOT / "results" / "pretrained_eval.json")
    args = parser.parse_args()
    sets = dict(item.split("=", 1) for item in args.weights) or {
        name: str(pretrained_root() / f"{name}.safetensors") for name in PRETRAINED
    }
    load_before, started = os.getloadavg(), time.perf_counter()
    stack = quality.fd_set(args.gathers, 128, 512, args.cache)
    assert stack is not None, "promethium.modeling is needed"
    methods = [*sets, *([] if args.no_classical else CLASSICAL)]
    previous = json.loads(args.output.read_text()) if args.output.exists() else {}
    results: dict[str, dict[str, Any]] = previous.get("results", {})
    for k, (scenario, (_, mask)) in enumerate(quality.SCENARIOS.items()):
        test = quality.blind_test(stack, mask(stack, args.seed + k), scenario, args.seed + k)
        for method in methods:
            start = time.perf_counter()
            estimate = reconstruct(method, sets.get(method), test.data, args.patch)
            seconds = (time.perf_counter() - start) / test.n_gathers
            cell = {k2: float(v) for k2, v in score(test, estimate).as_dict().items()}
            cell["seconds_per_gather"] = seconds
            results.setdefault(scenario, {})[method] = cell
            print(f"{scenario:<10} {method:<15} {cell['snr_improvement_db']:7.2f} dB  "
                  f"ssim {cell['ssim']:.3f}  {seconds:6.2f} s/gather", flush=True)  # fmt: skip
    scenarios = list(quality.SCENARIOS)
    print(f"\n{'method':<15}" + "".join(f"{s:>11}" for s in scenarios))
    for method in sorted({m for s in results.values() for m in s}):
        row = [results[s].get(method, {}).get("snr_improvement_db", np.nan) for s in scenarios]
        print(f"{method:<15}" + "".join(f"{v:>11.2f}" for v in row))
    data = {
        "set": "benchmarks/quality.py fd: FD shot gathers (promethium.modeling) in the "
        "evaluation families' velocity models, never trained on",
        "gathers": args.gathers, "traces": 128, "samples": 512,
        "families": stack.attrs.get("families"), "scenarios": {
            k: v[0] for k, v in quality.SCENARIOS.items()}, "inference_patch": args.patch,
    }  # fmt: skip
    out = {
        "data": data,
        "machine": quality._machine(),
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "wall_seconds": time.perf_counter() - started,
        "weights": {**previous.get("weights", {}), **sets},
        "results": results,
    }
    args.output.parent.mkdir(exist_ok=True)
    args.output.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.output}")
    if args.update_sidecars:
        from promethium.train.export import update_sidecar

        for name, path in sets.items():
            gain = {s: round(results[s][name]["snr_improvement_db"], 2) for s in scenarios}
            benchmark = {
                "data": data,
                "snr_improvement_db": gain,
                **{metric: {s: round(results[s][name][metric], 4) for s in scenarios}
                   for metric in ("ssim", "mse", "coherence", "seconds_per_gather")},
                **{f"vs_{c}_db": {s: round(gain[s] - results[s][c]["snr_improvement_db"], 2)
                                  for s in scenarios if c in results[s]} for c in CLASSICAL},
            }  # fmt: skip
            update_sidecar(Path(path), {"metrics": {"benchmark": benchmark}})
            print(f"updated the sidecar of {path}")


if __name__ == "__main__":
    main()
