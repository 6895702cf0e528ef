"""Train ``example-cnn`` for about a minute on synthetic data and save its weights.

Writes ``src/promethium_example_model/weights/example-cnn.safetensors`` and its JSON
sidecar (config, training settings, validation metrics) in this source tree, whether
or not the plugin is installed. Run it with Promethium installed::

    python make_weights.py                # trains for 60 s on the CPU
    python make_weights.py --seconds 5    # a quick smoke run

Training pairs are random patches of synthetic shot gathers and stacked sections,
normalized exactly as the patch engine normalizes them at inference (divided by the
RMS of their live samples), with random trace masks: scattered missing traces and
gaps of up to four traces. The loss is the mean squared error on the missing traces.
Validation runs the installed model end to end, ``pm.reconstruct``-style, on gathers
not seen in training, and reports the SNR on the missing traces against zero-filling
(0 dB) and linear interpolation. The validation gathers carry 2 % noise, as field
data do.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

import promethium as pm
from promethium.metrics import snr
from promethium.ml.weights import save_weights
from promethium.reconstruct import reconstruct
from promethium.registry import Registry

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "src"))  # this source tree, not an installed copy

import promethium_example_model as plugin  # noqa: E402
from promethium_example_model import CONFIG, PATCH_SIZE, WEIGHTS  # noqa: E402
from promethium_example_model.network import ExampleCNN  # noqa: E402


def training_pool(n: int, seed: int) -> list[np.ndarray]:
    """Synthetic gathers and sections with varied sampling, as float32 arrays."""
    rng = np.random.default_rng(seed)
    pool = []
    for i in range(n):
        dt = float(rng.choice([2.0, 4.0]))
        if i % 2:
            da = pm.synthetic_gather(
                n_traces=96, n_samples=256, dt_ms=dt, seed=seed + i,
                offset_spacing_m=float(rng.uniform(12.5, 50.0)), noise=float(rng.uniform(0, 0.05)),
            )  # fmt: skip
        else:
            da = pm.synthetic_section(n_traces=96, n_samples=256, dt_ms=dt, seed=seed + i)
        pool.append(da.values.astype(np.float32))
    return pool


def random_batch(
    pool: list[np.ndarray], size: int, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs ``(B, 2, Pt, Pv)`` and targets ``(B, 1, Pt, Pv)``, engine-normalized."""
    pt, pv = PATCH_SIZE
    inputs = np.zeros((size, 2, pt, pv), dtype=np.float32)
    targets = np.zeros((size, 1, pt, pv), dtype=np.float32)
    filled = 0
    while filled < size:
        panel = pool[rng.integers(len(pool))]
        t0 = rng.integers(panel.shape[0] - pt + 1)
        v0 = rng.integers(panel.shape[1] - pv + 1)
        patch = panel[t0 : t0 + pt, v0 : v0 + pv]
        live = rng.random(pt) >= rng.uniform(0.1, 0.5)
        for _ in range(rng.integers(0, 3)):
            start = rng.integers(pt)
            live[start : start + rng.integers(1, 5)] = False
        if live.all() or not live.any():
            continue
        scale = float(np.sqrt(np.mean(patch[live] ** 2)))
        if not scale > 1e-6:
            continue
        inputs[filled, 0] = np.where(live[:, None], patch / scale, 0.0)
        inputs[filled, 1] = live[:, None]
        targets[filled, 0] = patch / scale
        filled += 1
    return torch.from_numpy(inputs), torch.from_numpy(targets)


def train(
    seconds: float, max_steps: int, batch_size: int, seed: int
) -> tuple[ExampleCNN, dict[str, float]]:
    """Train from scratch for `seconds` (or `max_steps`); return the network and stats.

    The learning rate decays exponentially with elapsed time, from 3e-3 to 3e-4.
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    pool = training_pool(48, seed)
    net = ExampleCNN(**CONFIG)
    optimizer = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    start, running, step = time.perf_counter(), 0.0, 0
    while step < max_steps and (elapsed := time.perf_counter() - start) < seconds:
        step += 1
        for group in optimizer.param_groups:
            group["lr"] = 3e-3 * 0.1 ** (elapsed / seconds)
        x, y = random_batch(pool, batch_size, rng)
        missing = 1.0 - x[:, 1:2]
        loss = ((net(x) - y) ** 2 * missing).sum() / missing.sum().clamp(min=1.0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running = 0.98 * running + 0.02 * float(loss) if step > 1 else float(loss)
        if step % 100 == 0:
            print(f"step {step:5d}  loss {running:.4f}")
    stats = {"steps": step, "seconds": round(time.perf_counter() - start, 1)}
    return net, {**stats, "final_loss": round(running, 5)}


def validate(n: int = 4) -> dict[str, float]:
    """SNR (dB) on missing traces of unseen gathers: the model, linear, zero-fill."""
    registry = Registry()  # this tree's plugin, registered through its hook
    plugin.promethium_register_models(registry=registry)
    scores: dict[str, list[float]] = {"example-cnn": [], "linear": [], "zero-fill": []}
    for seed in range(10_000, 10_000 + n):
        truth = pm.synthetic_gather(n_traces=96, n_samples=256, noise=0.02, seed=seed)
        mask = pm.random_mask(truth, 0.3, seed=seed)
        holed = pm.apply_trace_mask(truth, mask)
        missing = ~mask.values
        filled = reconstruct(holed, "example-cnn", registry=registry)
        scores["example-cnn"].append(snr(truth, filled, missing))
        scores["linear"].append(snr(truth, reconstruct(holed, "linear"), missing))
        scores["zero-fill"].append(snr(truth, holed, missing))
    return {f"snr_db_{k}": round(float(np.mean(v)), 2) for k, v in scores.items()}


def main() -> None:
    """Train, save the weights and sidecar, validate, and print the metrics."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-steps", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(max(1, min(4, torch.get_num_threads())))
    net, stats = train(args.seconds, args.max_steps, args.batch_size, args.seed)
    training = {
        "data": "promethium.synthetic gathers and sections (48 panels, 96 x 256)",
        "masks": "random 10-50 % missing traces plus up to 2 gaps of 1-4 traces",
        "patch_size": list(PATCH_SIZE),
        "batch_size": args.batch_size,
        "optimizer": "AdamW, lr 3e-3 decaying to 3e-4 over the run, weight decay 1e-4",
        "seed": args.seed,
        **stats,
    }
    save_weights(net, WEIGHTS, config=CONFIG, metadata={"training": training})
    metrics = validate()
    save_weights(
        net, WEIGHTS, config=CONFIG, metadata={"training": training, "validation": metrics}
    )
    print(f"saved {WEIGHTS.relative_to(HERE)}: {metrics}")


if __name__ == "__main__":
    main()
