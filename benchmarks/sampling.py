"""How the shipped networks do on surveys sampled unlike their training data.

The shipped weights were trained on finite-difference gathers at sample intervals of
2-4 ms (``pinn``: 4 ms) and trace spacings of 6.25-25 m (``pinn``: 12.5 m); their
sidecars record it (``pm.list_models()`` shows it). This script models the same shots
(velocity models of the ``anticline`` family, which no network trained on) at sample
intervals of 1, 2, 4 and 8 ms and trace spacings of 6.25, 12.5, 25 and 50 m, removes
50% of the traces at random, and scores ``unet`` and ``pinn`` (and ``pocs`` and
``linear`` as references) on the removed traces (:func:`promethium.holdout.score`).
Where a survey's interval is outside a network's trained range, the network is also
run with its time axis resampled to the nearest trained interval and back:
``unet+resample``, ``pinn+resample``. Where ``resample_time="trained"`` offers it
(:func:`~promethium.models.networks.sampled.resampling_helps`) that option runs it;
where it does not (upsampling a survey whose trace spacing is coarser than trained),
the same resampling is forced here to show why (``"offered": false`` in the JSON).

Every cell models the same shots with the same peak frequencies (12-20 Hz: the
highest an 8 ms survey carries) over the same record length, so only the sampling
changes. Prints a table of SNR gains and writes ``benchmarks/results/sampling.json``
(with the machine and its load). Not a test; a few minutes on 2 CPU cores.

Run: ``python benchmarks/sampling.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

import promethium as pm
from promethium.holdout import Holdout, score
from promethium.ml.trained_sampling import TrainedSampling

ROOT = Path(__file__).parent
RESULTS = ROOT / "results"

#: The velocity-model family (never trained on) and the first seed of the shots.
FAMILY = "anticline"
HELD_OUT_SEED = 900_000

SAMPLE_INTERVALS_MS = (1.0, 2.0, 4.0, 8.0)
TRACE_SPACINGS_M = (6.25, 12.5, 25.0, 50.0)
NETWORKS = ("unet", "pinn")
CLASSICAL = ("pocs", "linear")

#: Peak frequencies drawn in this range (an 8 ms survey carries at most 20 Hz).
FREQUENCY_HZ = (12.0, 20.0)


def shots(dt_ms: float, spacing_m: float, n: int, traces: int, record_ms: float) -> xr.DataArray:
    """`n` FD shot gathers at this sampling: the same shots and wavelets in every cell."""
    frequencies = np.random.default_rng(HELD_OUT_SEED).uniform(*FREQUENCY_HZ, size=n)
    from promethium.modeling import fd_shot_gather

    gathers = [
        fd_shot_gather(
            FAMILY,
            seed=HELD_OUT_SEED + k,
            n_traces=traces,
            n_samples=int(record_ms / dt_ms),
            dt_ms=dt_ms,
            trace_spacing_m=spacing_m,
            frequency_hz=float(frequencies[k]),
            spread="split",
            noise=0.02,
        )
        for k in range(n)
    ]
    stack = xr.concat(gathers, dim="shot", coords="minimal", compat="override")
    return stack.assign_coords(shot=("shot", np.arange(1, n + 1)))


def blind_test(stack: xr.DataArray, seed: int) -> Holdout:
    """`stack` with 50% of its traces removed at random, scored on them."""
    dims = stack.dims[:-1]
    truth = stack.assign_coords(trace_mask=(dims, np.ones(stack.shape[:-1], bool)))
    data = pm.apply_trace_mask(truth, pm.random_mask(truth, 0.5, seed))
    hidden = xr.DataArray(~np.asarray(data.trace_mask.values, bool), dims=dims, name="hidden")
    n = int(np.prod(stack.shape[:-2]))
    return Holdout(
        data=data, truth=truth, hidden=hidden, fraction=float(hidden.mean()), seed=seed,
        pattern="random50", gathers=tuple(range(n)), n_gathers=n,
    )  # fmt: skip


def trained_ranges() -> dict[str, TrainedSampling]:
    """Each network's trained sampling, as its sidecar records it."""
    from promethium.models.networks.pretrained import pretrained_info

    out = {}
    for name in NETWORKS:
        trained = TrainedSampling.from_sidecar(pretrained_info(name) or {})
        if trained is None:
            raise SystemExit(f"the shipped weights of {name!r} record no trained sampling")
        out[name] = trained
    return out


def run(test: Holdout, model: str, **options: Any) -> dict[str, float]:
    """Scores of `model` on `test` and its time per gather (warnings are expected)."""
    return timed_scores(test, lambda: pm.reconstruct(test.data, model, **options))


def timed_scores(test: Holdout, estimate: Callable[[], xr.DataArray]) -> dict[str, float]:
    """Scores of what `estimate()` returns for `test`, and its time per gather."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimated = estimate()
    seconds = time.perf_counter() - start
    scores = score(test, estimated).as_dict()
    return {
        "snr_improvement_db": round(float(scores["snr_improvement_db"]), 2),
        "ssim": round(float(scores["ssim"]), 3),
        "seconds_per_gather": round(seconds / test.n_gathers, 3),
    }


def run_resampled(test: Holdout, model: str, trained: TrainedSampling) -> dict[str, Any]:
    """`model` on `test` with the time axis at the nearest trained interval, and back.

    Through ``resample_time="trained"`` where it is offered; forced with the same
    resampler (:class:`~promethium.ml.time_resampling.TimeResampling`) where it is not.
    """
    from promethium.ml.time_resampling import TimeResampling
    from promethium.ml.trained_sampling import survey_sampling
    from promethium.models.networks.sampled import resampling_helps

    survey = survey_sampling(test.data)
    dt = float(survey.sample_interval_ms or 0.0)
    to_ms = trained.nearest_interval_ms(dt)
    if resampling_helps(survey, trained):
        return {**run(test, model, resample_time="trained"), "to_ms": to_ms, "offered": True}
    resampling = TimeResampling(dt, to_ms)

    def forced() -> xr.DataArray:
        there = pm.reconstruct(resampling.to_network(test.data), model)
        return resampling.to_survey(there, test.data)

    return {**timed_scores(test, forced), "to_ms": to_ms, "offered": False}


def main() -> None:
    """Run every cell, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 gather of 32 traces per cell.")
    parser.add_argument("--output", type=Path, default=RESULTS / "sampling.json")
    args = parser.parse_args()
    n, traces, record_ms = (1, 32, 512.0) if args.quick else (2, 64, 1024.0)
    load_before, started = os.getloadavg(), time.perf_counter()
    trained = trained_ranges()
    results: dict[str, dict[str, dict[str, Any]]] = {}
    labels = [*NETWORKS, *(f"{m}+resample" for m in NETWORKS), *CLASSICAL]
    print(f"{'dt ms':>6} {'dx m':>6}" + "".join(f"{label:>15}" for label in labels))
    for dt in SAMPLE_INTERVALS_MS:
        for dx in TRACE_SPACINGS_M:
            test = blind_test(shots(dt, dx, n, traces, record_ms), seed=1)
            cell: dict[str, Any] = {}
            for model in (*NETWORKS, *CLASSICAL):
                cell[model] = run(test, model)
            for model in NETWORKS:
                if not trained[model].interval_within(dt):
                    cell[f"{model}+resample"] = run_resampled(test, model, trained[model])
            results.setdefault(f"{dt:g}", {})[f"{dx:g}"] = cell
            row = "".join(
                f"{cell[label]['snr_improvement_db']:>15.2f}" if label in cell else f"{'-':>15}"
                for label in labels
            )
            print(f"{dt:>6g} {dx:>6g}{row}", flush=True)
    out = {
        "description": __doc__.splitlines()[0],
        "settings": {
            "quick": args.quick,
            "gathers_per_cell": n,
            "traces": traces,
            "record_ms": record_ms,
            "family": FAMILY,
            "seed": HELD_OUT_SEED,
            "frequency_hz": list(FREQUENCY_HZ),
            "missing": "50% random",
            "noise": 0.02,
        },
        "trained": {k: v.as_dict() for k, v in trained.items()},
        "metric": "SNR improvement on the removed traces (dB) over the zero-filled input",
        "results": results,
        "resampling_gain_db": _resampling_gains(results),
        "run": {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": {
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "promethium": pm.__version__,
            },
            "load_average": {"before": load_before, "after": os.getloadavg()},
            "wall_seconds": round(time.perf_counter() - started, 1),
        },
    }
    print("\nresample_time='trained' gain over running at the survey's interval (dB):")
    for key, gain in out["resampling_gain_db"].items():
        print(f"  {key}: {gain:+.2f}")
    print(f"load average before {load_before}, after {os.getloadavg()}")
    args.output.parent.mkdir(exist_ok=True)
    args.output.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.output}")


def _resampling_gains(results: dict[str, dict[str, dict[str, Any]]]) -> dict[str, float]:
    """``"<net> dt=<ms> dx=<m>"`` -> resampled minus plain SNR gain (dB)."""
    gains = {}
    for dt, row in results.items():
        for dx, cell in row.items():
            for net in NETWORKS:
                if f"{net}+resample" in cell:
                    delta = (
                        cell[f"{net}+resample"]["snr_improvement_db"]
                        - cell[net]["snr_improvement_db"]
                    )
                    offered = "" if cell[f"{net}+resample"]["offered"] else " (not offered)"
                    gains[f"{net} dt={dt} dx={dx}{offered}"] = round(delta, 2)
    return gains


if __name__ == "__main__":
    main()
