"""Choose a model on your own survey with a blind test, then reconstruct with it.

Writes a small SEG-Y survey of shot gathers with dead traces, opens it lazily, hides
10% of the live traces of two sampled gathers, lets every candidate model (the networks
with shipped weights, ``pocs`` and ``linear``) restore them, and prints the scores
against the hidden truth. The report folder holds ``qc.json``, ``qc.md`` and the
figures; the survey is then reconstructed with the model that won.

    python examples/qc.py --workdir out/qc
"""

from __future__ import annotations

import argparse
from pathlib import Path

import promethium as pm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("out/qc"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    raw = args.workdir / "survey.sgy"

    shots = pm.synthetic_shots(n_shots=4, n_traces=64, n_samples=256, noise=0.01, seed=11)
    pm.to_segy(pm.apply_trace_mask(shots, pm.random_mask(shots, 0.2, seed=2)), raw, mode="w")

    survey = pm.open_segy(raw)  # lazy: the blind test reads only the sampled gathers
    report = pm.qc(survey, holdout=0.1, gathers=2, seed=0)
    print(report.table())
    folder = report.save(args.workdir / "report", overwrite=True)
    print(f"wrote {folder}: qc.json, qc.md and figures")

    best = report.best
    print(f"best on this survey: {best.label} (SNR gain {best.snr_improvement_db:.2f} dB)")
    settings = best.settings  # the weights, config and options it ran with
    filled = pm.reconstruct(
        survey, model=best.model, weights=settings["weights"], config=settings["config"] or None,
        **settings["options"],
    ).compute()  # fmt: skip
    n_filled = int(filled.trace_filled.sum())
    print(f"{best.label} filled {n_filled} dead traces of {filled.trace_filled.size}")


if __name__ == "__main__":
    main()
