"""Out-of-core reconstruction: peak memory must not grow with the survey size.

A synthetic survey of ``4`` and of ``16`` chunks (each chunk half a shot of
``--traces`` x ``--samples`` float32 samples, a third of the traces missing) is
written to Zarr, then reconstructed by a small :class:`promethium.ml.TorchModel`
from Zarr to Zarr (``promethium.io.zarr.open_zarr`` -> ``reconstruct`` ->
``to_zarr``), each step in its own subprocess. The reconstruct subprocess reports
its peak RSS; the target is ``peak(16) / peak(4) <= 1.2``. Prints the numbers and
writes ``benchmarks/results/out_of_core.json``. Not a timed test.

Run: ``python benchmarks/out_of_core.py [--traces 2048 --samples 2048]``
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

RESULTS = Path(__file__).parent / "results"


class SmallCNN(nn.Module):
    """Three 3x3 convolutions: cheap, so the benchmark measures memory, not FLOPs."""

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(2, width, 3, padding=1), nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1), nn.ReLU(),
            nn.Conv2d(width, 1, 3, padding=1),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``(B, 2, H, W)`` to ``(B, 1, H, W)``."""
        return self.net(x)


def _synthetic_block(block: np.ndarray, block_id: tuple[int, ...]) -> np.ndarray:
    """Dipping events plus noise for one shot, generated in the task (never in memory)."""
    shot = block_id[0]
    rng = np.random.default_rng(shot)
    n_traces, n_samples = block.shape[-2:]
    t = np.arange(n_samples)[None, :]
    x = np.arange(n_traces)[:, None]
    out = 0.01 * rng.standard_normal((n_traces, n_samples))
    for _ in range(6):
        t0, dip, f = rng.uniform(0, n_samples), rng.uniform(-0.5, 0.5), rng.uniform(0.02, 0.08)
        arg = t - t0 - dip * x
        out += np.cos(2 * np.pi * f * arg) * np.exp(-((arg * f) ** 2))
    return out[None].astype(np.float32)


def make_survey(path: Path, n_shots: int, n_traces: int, n_samples: int) -> None:
    """Write a lazy synthetic survey of `n_shots` shots (2 chunks each) to Zarr."""
    import dask.array as dska
    import xarray as xr

    import promethium as pm
    from promethium.io.zarr import to_zarr

    shape, chunks = (n_shots, n_traces, n_samples), (1, n_traces, -1)
    data = dska.map_blocks(
        _synthetic_block, dska.zeros(shape, chunks=chunks, dtype=np.float32), dtype=np.float32
    ).rechunk((1, n_traces // 2, -1))  # two chunks per shot: blocks need halos
    da = xr.DataArray(
        data,
        dims=("shot", "offset", "time"),
        coords={
            "shot": np.arange(n_shots),
            "offset": ("offset", 25.0 * np.arange(n_traces), {"units": "m"}),
            "time": ("time", 4.0 * np.arange(n_samples), {"units": "ms"}),
        },
        name="amplitude",
    )
    live = np.random.default_rng(0).random((n_shots, n_traces)) >= 1 / 3
    da = pm.apply_trace_mask(da, live)
    to_zarr(da, path)


def reconstruct(src: Path, dst: Path, patch: int) -> dict[str, Any]:
    """Zarr -> TorchModel -> Zarr, lazily; return timing and peak RSS."""
    from promethium.io.zarr import open_zarr, to_zarr
    from promethium.ml import TorchModel
    from promethium.ml.options import TorchOptions

    t0 = time.perf_counter()
    da = open_zarr(src)
    model = TorchModel(SmallCNN, {})
    out = model.reconstruct(da, TorchOptions(patch_size=patch, batch_size=8, device="cpu"))
    assert hasattr(out.data, "dask"), "the reconstruction must stay lazy"
    to_zarr(out, dst)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": time.perf_counter() - t0,
        "peak_rss_mib": peak_mib,
        "chunk_mib": float(np.prod(da.data.chunksize)) * 4 / 2**20,
        "survey_mib": float(da.nbytes) / 2**20,
        "shape": list(da.shape),
    }


def _worker(args: argparse.Namespace) -> None:
    src, dst = Path(args.dir) / "in.zarr", Path(args.dir) / "out.zarr"
    if args.worker == "make":
        make_survey(src, args.chunks, args.traces, args.samples)
        return
    print(json.dumps(reconstruct(src, dst, args.patch)))


def _run(step: str, workdir: Path, args: argparse.Namespace, n_chunks: int) -> str:
    cmd = [
        sys.executable, __file__, "--worker", step, "--dir", str(workdir),
        "--chunks", str(n_chunks), "--traces", str(args.traces),
        "--samples", str(args.samples), "--patch", str(args.patch),
    ]  # fmt: skip
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def main() -> None:
    """Measure each survey size in fresh subprocesses and write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=2048)
    parser.add_argument("--samples", type=int, default=2048)
    parser.add_argument("--patch", type=int, default=128)
    parser.add_argument("--worker", choices=("make", "reconstruct"))
    parser.add_argument("--dir")
    parser.add_argument("--chunks", type=int, default=4)
    args = parser.parse_args()
    if args.worker:
        _worker(args)
        return

    runs: dict[str, Any] = {}
    for n_chunks in (4, 16):  # two chunks per shot
        with tempfile.TemporaryDirectory(prefix="promethium-ooc-") as tmp:
            _run("make", Path(tmp), args, n_chunks // 2)
            runs[str(n_chunks)] = json.loads(_run("reconstruct", Path(tmp), args, n_chunks))
        r = runs[str(n_chunks)]
        print(
            f"{n_chunks:3d} chunks {r['shape']}: survey {r['survey_mib']:7.1f} MiB, chunk "
            f"{r['chunk_mib']:.1f} MiB, peak RSS {r['peak_rss_mib']:7.1f} MiB, "
            f"{r['seconds']:.1f} s"
        )
    ratio = runs["16"]["peak_rss_mib"] / runs["4"]["peak_rss_mib"]
    print(f"peak RSS ratio 16/4 chunks: {ratio:.3f} (target <= 1.2)")
    results = {
        "machine": {"platform": platform.platform(), "torch": torch.__version__},
        "runs": runs,
        "peak_rss_ratio_16_over_4": ratio,
        "target": 1.2,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "out_of_core.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
