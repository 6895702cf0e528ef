"""SEG-Y read throughput (Promethium vs segyio) and SEG-Y -> Zarr peak memory.

Generates an IEEE big-endian 3-D SEG-Y file of ``--size-gb`` in a temporary directory,
then in the same run:

1. times ``open_segy(path).compute()`` against segyio's ``f.trace.raw[:]`` (best of
   ``--repeat``) and prints both throughputs in MB/s and their ratio. segyio reads the
   headers either way; for IEEE runs Promethium reads samples with NumPy (see
   docs/io-segy.md), so the same read is also timed with segyio reading every sample
   (``promethium_segyio_samples_s``) to keep that choice measured;
2. converts the file to Zarr with ``promethium.io.zarr.to_zarr`` in a subprocess and
   prints that process's peak RSS next to the file size.

Results go to ``--out`` as JSON with machine information.

    python benchmarks/io_throughput.py --size-gb 1.0
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from promethium.io.segy.build import binary_header, text_header

MB = 1e6
# Peak RSS of the converting process. Linux keeps ru_maxrss across fork+exec (the child
# would inherit the parent's peak), so VmHWM of the new address space is read when
# /proc is there; ru_maxrss (KiB on Linux) otherwise.
_CONVERT = """
import resource, sys, time
import promethium.io.zarr as z
from promethium.io.segy import open_segy
t = time.perf_counter()
z.to_zarr(open_segy(sys.argv[1]), sys.argv[2])
seconds = time.perf_counter() - t
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            peak_kb = int(line.split()[1])
except OSError:
    pass
print(seconds, peak_kb)
"""


def make_file(path: Path, size_gb: float, n_samples: int) -> tuple[int, int]:
    """Write a 3-D IEEE cube of about `size_gb` GB; return (n_ilines, n_xlines)."""
    trace_len = 240 + 4 * n_samples
    n_traces = int(np.ceil(size_gb * 1e9 / trace_len))
    n_xlines = int(np.sqrt(n_traces))
    n_ilines = int(np.ceil(n_traces / n_xlines))
    record = np.dtype([("header", "u1", (240,)), ("data", ">f4", (n_samples,))])
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((n_xlines, n_samples)).astype(np.float32)
    with open(path, "wb") as f:
        f.write(text_header(["Promethium I/O throughput benchmark cube"]))
        f.write(binary_header(dt_us=2000, n_samples=n_samples, format_code=5, endian="big",
                              measurement=1))  # fmt: skip
        for il in range(n_ilines):
            block = np.zeros(n_xlines, dtype=record)
            words = np.zeros((n_xlines, 60), dtype=">i4")
            words[:, 0] = il * n_xlines + np.arange(1, n_xlines + 1)
            words[:, 47] = il + 1  # byte 189: inline
            words[:, 48] = np.arange(1, n_xlines + 1)  # byte 193: crossline
            halves = words.view(">i2")
            halves[:, 57] = n_samples  # byte 115
            halves[:, 58] = 2000  # byte 117
            block["header"] = words.view(np.uint8).reshape(n_xlines, 240)
            block["data"] = np.roll(noise, il, axis=0) * (1 + il % 7)
            block.tofile(f)
    return n_ilines, n_xlines


def time_reads(path: Path, repeat: int) -> dict[str, float]:
    import segyio

    from promethium.io.segy import open_segy, traces

    size = path.stat().st_size
    ours, theirs, all_segyio = [], [], []
    for _ in range(repeat):
        formats, traces._NUMPY_RUN_FORMATS = traces._NUMPY_RUN_FORMATS, ()
        try:
            t = time.perf_counter()
            arr = open_segy(path).compute()
            all_segyio.append(time.perf_counter() - t)
            del arr
        finally:
            traces._NUMPY_RUN_FORMATS = formats
        t = time.perf_counter()
        with segyio.open(str(path), ignore_geometry=True) as f:
            ref = f.trace.raw[:]
        theirs.append(time.perf_counter() - t)
        del ref
        t = time.perf_counter()
        arr = open_segy(path).compute()
        ours.append(time.perf_counter() - t)
        del arr
    best_ours, best_theirs = min(ours), min(theirs)
    return {
        "promethium_s": best_ours,
        "segyio_s": best_theirs,
        "promethium_mb_s": size / MB / best_ours,
        "segyio_mb_s": size / MB / best_theirs,
        "ratio": best_theirs / best_ours,
        "promethium_segyio_samples_s": min(all_segyio),
        "ratio_segyio_samples": best_theirs / min(all_segyio),
    }


def zarr_peak(path: Path, store: Path) -> dict[str, float] | dict[str, str]:
    try:
        import promethium.io.zarr as zarr_io
    except ImportError as err:
        return {"error": f"promethium.io.zarr is not available: {err}"}
    if not hasattr(zarr_io, "to_zarr"):
        return {"error": "promethium.io.zarr has no to_zarr"}
    out = subprocess.run(
        [sys.executable, "-c", _CONVERT, str(path), str(store)],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds, peak_kb = out.stdout.split()[-2:]
    peak = int(peak_kb) * 1024
    size = path.stat().st_size
    return {
        "seconds": float(seconds),
        "peak_rss_mb": peak / MB,
        "file_mb": size / MB,
        "peak_over_file": peak / size,
    }


def machine() -> dict[str, object]:
    import dask

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "dask": dask.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=1.0, help="size of the SEG-Y file")
    parser.add_argument("--samples", type=int, default=1000, help="samples per trace")
    parser.add_argument("--repeat", type=int, default=2, help="timed repetitions (best kept)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/io_throughput.json"))
    parser.add_argument("--tmpdir", type=Path, default=None, help="where to write the file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.tmpdir) as tmp:
        path = Path(tmp) / "cube.sgy"
        t = time.perf_counter()
        n_il, n_xl = make_file(path, args.size_gb, args.samples)
        made = time.perf_counter() - t
        size = path.stat().st_size
        print(f"wrote {path.name}: {size / MB:.0f} MB, {n_il} x {n_xl} traces in {made:.1f} s")
        reads = time_reads(path, args.repeat)
        print(
            f"read: promethium {reads['promethium_mb_s']:.0f} MB/s, segyio "
            f"{reads['segyio_mb_s']:.0f} MB/s, ratio {reads['ratio']:.2f}x (target >= 0.8x); "
            f"all samples via segyio: {reads['ratio_segyio_samples']:.2f}x"
        )
        zarr = zarr_peak(path, Path(tmp) / "cube.zarr")
        if "error" in zarr:
            print(f"zarr: skipped ({zarr['error']})")
        else:
            print(
                f"zarr: {zarr['seconds']:.1f} s, peak RSS {zarr['peak_rss_mb']:.0f} MB for a "
                f"{zarr['file_mb']:.0f} MB file ({zarr['peak_over_file']:.2f}x)"
            )
    result = {
        "benchmark": "io_throughput",
        "file": {
            "size_mb": size / MB,
            "ilines": n_il,
            "xlines": n_xl,
            "samples": args.samples,
            "format": "IEEE float32 big-endian",
        },
        "read": reads,
        "zarr": zarr,
        "machine": machine(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
