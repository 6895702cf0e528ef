"""Training throughput: ``promethium train``'s steps/s against a bare PyTorch loop.

Both run in this process on the same network (same initial weights), the same
optimiser settings and the same batches:

1. trainer: :class:`promethium.train.loop.trainer.Trainer` as ``promethium train``
   runs it, steps timed by a callback between consecutive steps, so the time
   includes everything the trainer does per step (building the batch from the data:
   reading, masking, normalising, augmenting; mixed precision, clipping, scaler,
   bookkeeping), but not validation and checkpoints at epoch ends;
2. bare: ``zero_grad / loss / backward / clip / step`` over the same batches,
   built beforehand.

Each is run ``--rounds`` times, interleaved, and the best of each kept (a shared,
busy machine slows single runs unevenly). Target: trainer >= 0.95 x bare steps/s.
Where CUDA is available, also records AMP (float16 + GradScaler) against float32 for
the trainer. Prints the numbers and writes
``benchmarks/results/training.json``. Not a timed test.

Run: ``python benchmarks/training.py [--steps 30 --patch 64 --batch 8 --features 16 32]``
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from promethium.train.loop.callbacks import Callback

RESULTS = Path(__file__).parent / "results"


def _raw_config(args: argparse.Namespace, output: Path, mixed: bool) -> dict[str, Any]:
    features = list(args.features)
    return {
        "model": {
            "architecture": "unet",
            "params": {"in_channels": 2, "features": features, "bottleneck": 2 * features[-1]},
        },
        "data": {
            "synthetic": {
                "n_train": args.panels,
                "n_val": 1,
                "n_traces": args.patch * 2,
                "n_samples": args.patch * 2,
            },
            "patch_size": args.patch,
            "stride": args.patch // 2,
        },
        "training": {
            "epochs": 1,
            "batch_size": args.batch,
            "steps_per_epoch": args.steps,
            "mixed_precision": mixed,
            "device": args.device,
            "output_dir": str(output),
        },
    }


class _StepClock(Callback):
    """Times between consecutive steps (the first step, with its warm-up, is skipped)."""

    def __init__(self) -> None:
        self.last: float | None = None
        self.times: list[float] = []

    def on_epoch_start(self, trainer: Any, epoch: int, n_batches: int, done: int) -> None:
        """Restart the clock: the epoch's first step is not timed."""
        self.last = None

    def on_step_end(self, trainer: Any, step: Any) -> None:
        """Record the time since the previous step."""
        if trainer.world.device.startswith("cuda"):
            torch.cuda.synchronize()
        now = time.perf_counter()
        if self.last is not None:
            self.times.append(now - self.last)
        self.last = now


def trainer_steps_per_s(args: argparse.Namespace, mixed: bool) -> tuple[float, Any]:
    """Steps/s of the trainer (median step time) and its config."""
    from promethium.train.config import parse_config
    from promethium.train.loop.trainer import Trainer

    with tempfile.TemporaryDirectory() as tmp:
        config = parse_config(_raw_config(args, Path(tmp) / "run", mixed))
        clock = _StepClock()
        Trainer(config, callbacks=[clock]).fit()
    times = sorted(clock.times)
    return 1.0 / times[len(times) // 2], config


def bare_steps_per_s(config: Any, device: str) -> float:
    """Steps/s of a bare loop over the same batches (median step time)."""
    from promethium.train.data import build_datasets
    from promethium.train.loop.networks import build_network

    train, _ = build_datasets(config)
    tc = config.training
    batches = [
        tuple(torch.from_numpy(a).to(device) for a in (b.inputs, b.target, b.weight))
        for b in train.batches(0, tc.batch_size, max_batches=tc.steps_per_epoch)
    ]
    net: Any = build_network(config.model, tc.seed).to(device).train()
    opt = tc.optimizer
    optimizer = torch.optim.AdamW(
        net.parameters(), lr=opt.learning_rate, betas=opt.betas, weight_decay=opt.weight_decay
    )
    times = []
    for x, y, w in batches:
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = net.loss(x, y, weight=w).total
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), tc.grad_clip)
        optimizer.step()
        float(loss.detach())
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    times = sorted(times[1:])
    return 1.0 / times[len(times) // 2]


def main() -> None:
    """Run the benchmark and write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--patch", type=int, default=64)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--panels", type=int, default=8)
    parser.add_argument("--features", type=int, nargs="+", default=[16, 32])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--rounds", type=int, default=3, help="trainer/bare rounds; best kept")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    from promethium.ml.device import resolve_device

    device = resolve_device(args.device)
    trainer_runs, bare_runs = [], []
    for _ in range(args.rounds):  # interleaved: a busy machine slows both alike
        steps, config = trainer_steps_per_s(args, mixed=False)
        trainer_runs.append(steps)
        bare_runs.append(bare_steps_per_s(config, device))
    trainer_fp32, bare = max(trainer_runs), max(bare_runs)
    ratio = trainer_fp32 / bare
    results: dict[str, Any] = {
        "device": device,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "config": {k: v for k, v in vars(args).items()},
        "trainer_steps_per_s": trainer_fp32,
        "trainer_runs": trainer_runs,
        "bare_runs": bare_runs,
        "bare_steps_per_s": bare,
        "ratio": ratio,
        "target": 0.95,
        "meets_target": ratio >= 0.95,
    }
    print(f"trainer {trainer_fp32:.2f} steps/s, bare loop {bare:.2f} steps/s: {ratio:.3f}x")
    if device.startswith("cuda"):
        trainer_amp, _ = trainer_steps_per_s(args, mixed=True)
        results["trainer_amp_steps_per_s"] = trainer_amp
        results["amp_speedup"] = trainer_amp / trainer_fp32
        print(f"trainer with AMP {trainer_amp:.2f} steps/s ({trainer_amp / trainer_fp32:.2f}x)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "training.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
