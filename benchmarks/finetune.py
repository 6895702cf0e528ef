"""Fine-tuning gain and cost: the shipped ``unet`` before and after ``pm.finetune``.

Data (each a stack of gathers with every trace recorded, so the truth is known), the
sets of ``benchmarks/quality.py``:

- ``fd``: finite-difference shot gathers (:mod:`promethium.modeling`) in velocity models
  of the ``anticline`` family (``EVALUATION_FAMILIES``), seeds from 900000: a generator
  the shipped weights never trained on (they train on the ``layered_faulted`` family
  only, ``examples/configs/pretrained/unet.yaml``);
- ``field``: the real F3 crop (Dutch North Sea), ``benchmarks/data/f3.sgy``
  (CC BY-SA 3.0, see ``benchmarks/data/README.md``): 23 inline panels of 18 traces.

Each survey gets ``--missing`` (30 %) of its traces dead at random (their truth kept
aside), then a blind test hides ``--holdout`` (10 %) of the remaining live traces
(:func:`promethium.holdout.hide_traces`). ``pm.finetune`` trains the shipped ``unet``
on what is left, self-supervised (it hides live traces of its own and validates on
another 10 % of them), with ``--steps`` (300, its default); neither the dead nor the
hidden traces are ever trained on or validated with. The pretrained and the fine-tuned
weights then fill the same input, and :func:`promethium.holdout.score` scores each on

- ``hidden``: the held-out live traces (what a user can measure on their own survey),
- ``missing``: the dead traces (what the user actually wants filled; known here only
  because the data are complete).

Records the wall and CPU time of the fine-tuning (CPU of this process: on a shared,
busy machine wall time is mostly waiting), its steps, both scores, and the machine and
its load, prints a table and writes ``benchmarks/results/finetune.json``. Not a timed
test. With the defaults it takes under 10 minutes on one core (136 s on the last run,
with the FD gathers cached; modelling them first adds about a minute).

Run: ``python benchmarks/finetune.py [--sets fd,field] [--steps 300] [--cache DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

RESULTS = Path(__file__).parent / "results"
SCORES = ("snr_db", "ssim", "mse", "coherence")


def _stack(name: str, args: argparse.Namespace) -> xr.DataArray:
    """The complete data set `name` (the sets of ``quality.py``)."""
    from quality import FIELD_SOURCE, fd_set, field_set

    if name == "fd":
        stack = fd_set(args.gathers, args.traces, args.samples, args.cache)
        if stack is None:
            raise SystemExit("the fd set needs promethium.modeling; run with --sets field")
        stack.attrs["source"] = (
            f"promethium.modeling FD shot gathers, family {stack.attrs['families']}, "
            "seeds 900000+ (quality.py's fd set)"
        )
        return stack
    stack = field_set(None)
    stack.attrs["source"] = f"{FIELD_SOURCE['name']}, {FIELD_SOURCE['licence']}"
    return stack


def _tests(stack: xr.DataArray, args: argparse.Namespace) -> tuple[Any, Any]:
    """The survey's blind tests: held-out live traces, and the dead traces."""
    import promethium as pm
    from promethium.holdout import Holdout, hide_traces

    dims = stack.dims[:-1]
    truth = stack.assign_coords(trace_mask=(dims, np.ones(stack.shape[:-1], bool)))
    survey = pm.apply_trace_mask(truth, pm.random_mask(truth, args.missing, seed=args.seed))
    hidden = hide_traces(survey, args.holdout, seed=args.seed + 1)
    dead = xr.DataArray(~np.asarray(survey.trace_mask.values, bool), dims=dims, name="dead")
    n = int(np.prod(stack.shape[:-2]))
    missing = Holdout(
        data=hidden.data, truth=truth, hidden=dead, fraction=args.missing, seed=args.seed,
        pattern="random", gathers=tuple(range(n)), n_gathers=n,
    )  # fmt: skip
    return hidden, missing


def _fill(data: xr.DataArray, weights: Path | None, config: dict[str, Any] | None) -> Any:
    import promethium as pm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # weak fills are scored, not warned about
        return pm.reconstruct(data, "unet", weights=weights, config=config).compute()


def _scores(tests: tuple[Any, Any], estimate: Any) -> dict[str, dict[str, float]]:
    from promethium.holdout import score

    out = {}
    for name, test in zip(("hidden", "missing"), tests, strict=True):
        found = score(test, estimate).as_dict()
        out[name] = {k: float(found[k]) for k in SCORES} | {"n": int(found["n_hidden"])}
    return out


def run_set(name: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Fine-tune the shipped unet on one data set; its scores before and after, its cost."""
    import promethium as pm
    from promethium.ml.weights import read_sidecar

    stack = _stack(name, args)
    tests = _tests(stack, args)
    data = tests[0].data  # dead and held-out traces are not live: never trained on
    start = time.perf_counter()
    before = _scores(tests, _fill(data, None, None))
    fill_seconds = time.perf_counter() - start
    load = os.getloadavg()
    start, cpu = time.perf_counter(), time.process_time()
    from quality import finetune_masks

    masks = finetune_masks(stack)  # two gaps of 10 traces do not fit in the field's 18
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = pm.finetune(
            data, "unet", output=folder / name, steps=args.steps, seed=args.seed, masks=masks
        )
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    sidecar = read_sidecar(result.weights)
    after = _scores(tests, _fill(data, result.weights, sidecar["config"]))
    gains = {k: round(after[k]["snr_db"] - before[k]["snr_db"], 2) for k in before}
    return {
        "data": {
            "source": stack.attrs["source"],
            "dims": dict(stack.sizes),
            "missing": args.missing,
            "holdout": args.holdout,
        },
        "finetune": {
            "steps": result.steps,
            "steps_asked": args.steps,
            "best_step": result.best_step,
            "stopped_early": result.stopped_early,
            "seconds": round(seconds, 1),
            "cpu_seconds": round(cpu_seconds, 1),
            "seconds_per_step": round(seconds / max(result.steps, 1), 3),
            "loadavg_before": load,
            "loadavg_after": os.getloadavg(),
            "validation": {
                "before": result.before,
                "after": result.after,
                "gain_db": round(result.gain_db, 2),
            },
            "recipe": sidecar["metadata"]["recipe"],
            "masks": "the shipped unet's" if masks is None else masks,
            "finetuned_from": result.finetuned_from,
        },
        "pretrained": before,
        "finetuned": after,
        "gain_db": gains,
        "reconstruct_seconds": round(fill_seconds, 1),
    }


def print_table(sets: dict[str, Any]) -> None:
    """SNR of the pretrained and fine-tuned unet on each test, and the cost."""
    print(f"\n{'data':<7}{'traces':<9}{'n':>5}{'pretrained':>12}{'fine-tuned':>12}{'gain':>8}"
          f"{'steps':>7}{'wall s':>8}{'CPU s':>7}")  # fmt: skip
    for name, r in sets.items():
        ft = r["finetune"]
        for test in ("hidden", "missing"):
            b, a = r["pretrained"][test], r["finetuned"][test]
            print(f"{name:<7}{test:<9}{b['n']:>5}{b['snr_db']:>9.2f} dB{a['snr_db']:>9.2f} dB"
                  f"{r['gain_db'][test]:>+8.2f}{ft['steps']:>7}{ft['seconds']:>8.0f}"
                  f"{ft['cpu_seconds']:>7.0f}")  # fmt: skip


def main() -> None:
    """Run the benchmark and write its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="fd,field", help="Data sets: fd, field.")
    parser.add_argument("--gathers", type=int, default=4, help="FD gathers (quality.py: 4).")
    parser.add_argument("--traces", type=int, default=128)
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--missing", type=float, default=0.3, help="Dead traces, at random.")
    parser.add_argument("--holdout", type=float, default=0.1, help="Live traces held out.")
    parser.add_argument(
        "--steps", type=int, default=300, help="Fine-tuning steps (pm.finetune's default)."
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", default="runs/fd-cache", help="FD gather cache (shared).")
    parser.add_argument("--out", type=Path, default=RESULTS / "finetune.json")
    parser.add_argument("--update", action="store_true", help="Keep the other sets of --out.")
    args = parser.parse_args()

    import torch

    import promethium as pm

    torch.set_num_threads(args.threads)
    settings = {k: v for k, v in vars(args).items() if k not in ("out", "sets", "update")}
    previous = json.loads(args.out.read_text()) if args.update and args.out.exists() else {}
    if previous and previous.get("settings") != settings:
        parser.error(f"--update: {args.out} was made with other settings "
                     f"{previous.get('settings')}; give the same ones")  # fmt: skip
    load_before, started = os.getloadavg(), time.perf_counter()
    sets: dict[str, Any] = dict(previous.get("sets", {}))

    def write() -> None:  # after every set: a killed run keeps what it measured
        record = {
            "what": "SNR of the shipped unet before and after pm.finetune (self-supervised on "
            "the survey's own live traces), on held-out live traces and on the dead traces, "
            "neither ever trained on",
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "settings": settings,
            "sets": sets,
            "wall_seconds": round(time.perf_counter() - started, 1),
            "machine": {
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "torch": torch.__version__,
                "torch_threads": args.threads,
                "promethium": pm.__version__,
                "loadavg_before": load_before,
                "loadavg_after": os.getloadavg(),
            },
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        partial = args.out.with_suffix(".json.tmp")
        partial.write_text(json.dumps(record, indent=2) + "\n")
        partial.replace(args.out)

    with tempfile.TemporaryDirectory(prefix="promethium-bench-finetune-") as tmp:
        for name in (s.strip() for s in args.sets.split(",") if s.strip()):
            if name not in ("fd", "field"):
                parser.error(f"unknown data set {name!r}; choose from fd, field")
            sets[name] = run_set(name, args, Path(tmp))
            r = sets[name]
            print(f"{name}: {r['finetune']['steps']} steps in {r['finetune']['seconds']} s; "
                  f"gain {r['gain_db']}", flush=True)  # fmt: skip
            write()
    print_table(sets)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
