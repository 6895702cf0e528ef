"""Fine-tune a network on a survey's own live traces, then reconstruct the survey with it.

Makes a SEG-Y line (a synthetic stacked section, a quarter of its traces dead), opens it
lazily, fine-tunes a U-Net on it with ``pm.finetune`` (no ground truth: held-out live
traces score it before and after), and reconstructs the dead traces with the new
weights. The starting weights are ``--weights``, else the U-Net Promethium ships, else (no
shipped set, or ``--small``) a small U-Net trained here for a minute on synthetic shot
gathers, a generator unlike the section.

Run: ``python examples/finetune.py [--workdir DIR] [--steps 100] [--small]``
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import promethium as pm


def starting_weights(workdir: Path, small: bool) -> tuple[Path, dict[str, Any]]:
    """The shipped U-Net (unless `small`), else a small one trained on shot gathers.

    Returns the weights and the inference options they suit.
    """
    from promethium.models.networks.pretrained import pretrained_weights
    from promethium.train.config import parse_config
    from promethium.train.loop.trainer import Trainer

    shipped = None if small else pretrained_weights("unet")
    if shipped is not None:
        return shipped, {}
    config = parse_config(
        {
            "model": {
                "architecture": "unet",
                "params": {"features": [8, 16], "bottleneck": 32, "in_channels": 2},
            },
            "data": {
                "synthetic": {"kind": "gather", "n_traces": 64, "n_samples": 128},
                "patch_size": 32,
                "stride": 16,
            },
            "training": {
                "epochs": 1,
                "steps_per_epoch": 60,
                "batch_size": 8,
                "mixed_precision": False,
                "optimizer": {"learning_rate": 1e-3},
                "output_dir": str(workdir / "pretrain"),
            },
            "tracking": {"enabled": False},
        }
    )
    return Trainer(config).fit().weights, {"patch_size": 32}  # it learnt on 32-trace patches


def main() -> None:
    """Fine-tune, print the gain, reconstruct."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument(
        "--small", action="store_true", help="Start from a small U-Net trained here."
    )
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="promethium-finetune-"))

    section = pm.synthetic_section(n_traces=96, n_samples=128, seed=5)
    survey = workdir / "line.sgy"
    pm.to_segy(pm.apply_trace_mask(section, pm.random_mask(section, 0.25, seed=1)), survey)
    line = pm.open_segy(survey)

    weights, options = (args.weights, {}) if args.weights else starting_weights(workdir, args.small)
    result = pm.finetune(
        line, "unet", weights=weights, output=workdir / "tuned", steps=args.steps,
        fraction=0.2, inference=options,
    )  # fmt: skip
    print(result.describe())

    filled = pm.reconstruct(line, "unet", weights=result.weights, **options)
    pm.to_segy(filled, workdir / "line_filled.sgy", like=survey)
    print(f"filled {int(filled.trace_filled.sum())} dead traces: {workdir / 'line_filled.sgy'}")


if __name__ == "__main__":
    main()
