"""Overhead of the patch engine over raw batched forward passes.

Three timings of one small U-Net-ish conv net on the same data:

1. raw: batched forward passes over exactly the patches of the grid (no extraction,
   normalization or blending), under ``torch.inference_mode()``;
2. engine: :class:`promethium.ml.TorchModel` on the in-memory DataArray;
3. dask: the same on a dask-chunked copy (chunks along the batch dim, then along the
   trace dim, where each block also runs the patches straddling its edges).

Targets: engine <= 1.15x raw, dask <= 1.15x engine. Where CUDA is available, also
compares float32 and float16 throughput. Prints the numbers and writes
``benchmarks/results/inference_overhead.json``. Not a timed test.

Run: ``python benchmarks/inference_overhead.py [--shots 2 --traces 512 --samples 512]``
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

RESULTS = Path(__file__).parent / "results"


class TinyUNet(nn.Module):
    """Two-level U-Net: enough convolution work to look like a real model."""

    def __init__(self, in_channels: int = 2, width: int = 16) -> None:
        super().__init__()

        def block(cin: int, cout: int) -> nn.Module:
            return nn.Sequential(
                nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(),
                nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(),
            )  # fmt: skip

        self.down1 = block(in_channels, width)
        self.down2 = block(width, 2 * width)
        self.pool = nn.MaxPool2d(2)
        self.up = nn.ConvTranspose2d(2 * width, width, 2, stride=2)
        self.dec = block(2 * width, width)
        self.out = nn.Conv2d(width, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(B, C, H, W)`` to ``(B, 1, H, W)``."""
        a = self.down1(x)
        b = self.down2(self.pool(a))
        return self.out(self.dec(torch.cat([a, self.up(b)], dim=1)))


def best_of(fn: Any, repeats: int) -> float:
    """Smallest wall time of `repeats` runs of `fn()`, after one warm-up run."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def best_of_interleaved(runs: dict[str, Any], repeats: int) -> dict[str, float]:
    """Best time of each run over `repeats` rounds that run every one in turn."""
    for fn in runs.values():
        fn()  # warm up
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: min(values) for name, values in times.items()}


def raw_forward(
    model: nn.Module, n_patches: int, patch: int, batch: int, device: str, dtype: Any
) -> None:
    """Forward passes over `n_patches` patches, batched, like the engine's count."""
    x = torch.randn(batch, 2, patch, patch, device=device)
    with (
        torch.inference_mode(),
        torch.autocast(device.split(":")[0], dtype=dtype, enabled=dtype != torch.float32),
    ):
        for start in range(0, n_patches, batch):
            out = model(x[: min(batch, n_patches - start)])
            out.float().cpu().numpy()


def main() -> None:
    """Run the benchmark and write the JSON results."""
    import promethium as pm
    from promethium.ml import PatchGrid, TorchModel, clear_model_cache
    from promethium.ml.options import TorchOptions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=2)
    parser.add_argument("--traces", type=int, default=512)
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--patch", type=int, default=128)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    da = pm.synthetic_shots(
        n_shots=args.shots, n_traces=args.traces, n_samples=args.samples, noise=0.01
    )  # noise: every patch has signal, so the engine runs exactly the raw patch count
    da = pm.apply_trace_mask(da, pm.random_mask(da, 0.3, seed=0))
    grid = PatchGrid.build(da.shape[-2:], args.patch, 0.5)
    n_patches = grid.n_patches() * int(np.prod(da.shape[:-2]))
    model = TorchModel(TinyUNet, {}, name="tiny-unet")
    opts = TorchOptions(
        patch_size=args.patch, batch_size=args.batch, device="cpu", precision="float32"
    )
    net = model.predictor(opts).module()

    batch_dim, trace_dim = da.dims[0], da.dims[-2]
    by_shot = da.chunk({batch_dim: 1})
    by_trace = da.chunk({batch_dim: 1, trace_dim: args.traces // 2})
    runs = {
        "raw": lambda: raw_forward(net, n_patches, args.patch, args.batch, "cpu", torch.float32),
        "engine": lambda: model.reconstruct(da, opts),
        "dask_shot": lambda: model.reconstruct(by_shot, opts).compute(),
        "dask_trace": lambda: model.reconstruct(by_trace, opts).compute(),
    }
    # Interleaved rounds, best of each: fair on a shared, noisy machine.
    times = best_of_interleaved(runs, args.repeats)
    raw, engine = times["raw"], times["engine"]
    dask_shot, dask_trace = times["dask_shot"], times["dask_trace"]

    results: dict[str, Any] = {
        "machine": {"platform": platform.platform(), "torch": torch.__version__,
                    "threads": torch.get_num_threads()},
        "data": {"shape": list(da.shape), "patch": args.patch, "overlap": 0.5,
                 "batch_size": args.batch, "n_patches": n_patches},
        "seconds": {"raw_forward": raw, "engine_in_memory": engine,
                    "dask_chunked_by_shot": dask_shot, "dask_chunked_by_trace": dask_trace},
        "ratios": {"engine_over_raw": engine / raw, "dask_shot_over_engine": dask_shot / engine,
                   "dask_trace_over_engine": dask_trace / engine},
        "targets": {"engine_over_raw": 1.15, "dask_over_engine": 1.15},
    }  # fmt: skip
    print(f"data {tuple(da.shape)}, {n_patches} patches of {args.patch}^2, batch {args.batch}")
    print(f"raw forward passes      {raw:8.3f} s")
    print(f"engine (in memory)      {engine:8.3f} s   x{engine / raw:.3f} of raw")
    print(f"dask, chunk per shot    {dask_shot:8.3f} s   x{dask_shot / engine:.3f} of in-memory")
    print(f"dask, chunk traces/2    {dask_trace:8.3f} s   x{dask_trace / engine:.3f} of in-memory")

    if torch.cuda.is_available():
        gpu_net = model.predictor(opts.model_copy(update={"device": "cuda"})).module()
        gpu: dict[str, float] = {}
        for name, dtype in (("float32", torch.float32), ("float16", torch.float16)):
            raw_fn = lambda d=dtype: raw_forward(  # noqa: E731
                gpu_net, n_patches, args.patch, args.batch, "cuda", d
            )
            gpu[f"raw_{name}"] = best_of(raw_fn, args.repeats)
            gpu_opts = TorchOptions.parse(
                {**opts.model_dump(), "device": "cuda", "precision": name}, owner="benchmark"
            )
            gpu[f"engine_{name}"] = best_of(
                lambda o=gpu_opts: model.reconstruct(da, o), args.repeats
            )
            print(
                f"cuda {name}: raw {gpu[f'raw_{name}']:.3f} s, engine {gpu[f'engine_{name}']:.3f} s"
            )
        results["cuda"] = {"device": torch.cuda.get_device_name(), "seconds": gpu,
                           "patches_per_s_float16": n_patches / gpu["engine_float16"],
                           "patches_per_s_float32": n_patches / gpu["engine_float32"]}  # fmt: skip
    clear_model_cache()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "inference_overhead.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
