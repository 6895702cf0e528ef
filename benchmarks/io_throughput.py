"""SEG-Y read throughput and memory: Promethium against segyio, IBM and IEEE, same run.

Writes two 3-D cubes of about ``--size-gb`` each in a temporary directory, one of
4-byte IBM floats (format 1) and one of 4-byte IEEE floats (format 5), both big-endian,
then for each file, in the same run:

1. times ``open_segy(path).values`` (headers, geometry and every sample, with dask's
   default threads) and ``open_segy(path).compute()`` (the same, with the lazy
   ``trace_mask`` computed from the same chunks) against segyio's ``f.trace.raw[:]``,
   alternating them and keeping the best of ``--repeat``; prints the throughputs in
   MB/s and the ratios (segyio's time over ours: above 1 is faster than segyio). The
   CPU time of each read (``time.process_time``, all threads) is recorded too: on a
   machine shared with other work the CPU ratio says which reader does less work,
   whatever share of the cores each got;
2. in a fresh subprocess each, measures the peak RSS of ``open_segy(path).values`` and
   of segyio's ``f.trace.raw[:]``, less the process's RSS before the read (libraries
   imported) and the size of the result: what the read needs beyond the array it
   returns, to compare with the dask chunk size (``CHUNK_BYTES``);
3. converts the IEEE file to Zarr with ``promethium.io.zarr.to_zarr`` in a subprocess
   and prints that process's peak RSS next to the file size (streaming: bounded by the
   chunks, not the file).

Results go to ``--out`` as JSON with machine information and the load average before
and after each file (other work running on the machine slows both readers, not always
equally). The Promethium measured is the checkout this script is in.

    python benchmarks/io_throughput.py --size-gb 0.25
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's promethium

from promethium.io.segy.build import binary_header
from promethium.io.segy.samples import ieee_to_ibm
from promethium.io.segy.text import text_header

MB = 1e6
FORMATS = {1: "IBM float32 big-endian", 5: "IEEE float32 big-endian"}
# Peak RSS of a process: VmHWM of its address space (Linux keeps ru_maxrss across
# fork+exec, so the child would inherit the parent's peak); ru_maxrss (KiB) otherwise.
_PEAK = """
def peak_kb():
    import resource
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

def rss_kb():
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
"""
_READ = (
    _PEAK
    + """
import sys
import dask.array, xarray  # libraries imported before the baseline, as segyio is
import segyio
from promethium.io.segy import open_segy
from promethium.io.segy.read import CHUNK_BYTES
before = rss_kb()
if sys.argv[2] == "promethium":
    values = open_segy(sys.argv[1]).values
else:
    with segyio.open(sys.argv[1], ignore_geometry=True) as f:
        values = f.trace.raw[:]
print(before, peak_kb(), values.nbytes, CHUNK_BYTES)
"""
)
_CONVERT = (
    _PEAK
    + """
import sys, time
import promethium.io.zarr as z
from promethium.io.segy import open_segy
t = time.perf_counter()
z.to_zarr(open_segy(sys.argv[1]), sys.argv[2])
print(time.perf_counter() - t, peak_kb())
"""
)


def make_file(path: Path, size_gb: float, n_samples: int, format_code: int) -> tuple[int, int]:
    """Write a 3-D cube of about `size_gb` GB; return (n_ilines, n_xlines)."""
    trace_len = 240 + 4 * n_samples
    n_traces = int(np.ceil(size_gb * 1e9 / trace_len))
    n_xlines = int(np.sqrt(n_traces))
    n_ilines = int(np.ceil(n_traces / n_xlines))
    record = np.dtype([("header", "u1", (240,)), ("data", ">u4", (n_samples,))])
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((n_xlines, n_samples)).astype(np.float32)
    with open(path, "wb") as f:
        f.write(text_header(["Promethium I/O throughput benchmark cube"]))
        f.write(binary_header(dt_us=2000, n_samples=n_samples, format_code=format_code,
                              endian="big", measurement=1))  # fmt: skip
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
            values = np.roll(noise, il, axis=0) * (1 + il % 7)
            bits = ieee_to_ibm(values) if format_code == 1 else values.view(np.uint32)
            block["data"] = bits
            block.tofile(f)
    return n_ilines, n_xlines


def time_reads(path: Path, repeat: int) -> dict[str, float | list[float]]:
    """Best-of-`repeat` wall and CPU times of segyio and of Promethium's two reads."""
    import segyio

    from promethium.io.segy import open_segy

    def segyio_raw() -> object:
        with segyio.open(str(path), ignore_geometry=True) as f:
            return f.trace.raw[:]

    readers = {
        "segyio": segyio_raw,
        "promethium": lambda: open_segy(path).values,
        "promethium_compute": lambda: open_segy(path).compute(),
    }
    wall: dict[str, list[float]] = {name: [] for name in readers}
    cpu: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(repeat):
        for name, read in readers.items():
            t, c = time.perf_counter(), time.process_time()
            result = read()
            wall[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)
            del result
    size = path.stat().st_size
    best = {name: min(times) for name, times in wall.items()}
    least = {name: min(times) for name, times in cpu.items()}
    out: dict[str, float | list[float]] = {}
    for name in ("promethium", "promethium_compute", "segyio"):
        out[f"{name}_s"] = best[name]
        out[f"{name}_mb_s"] = size / MB / best[name]
        out[f"{name}_cpu_s"] = least[name]
        out[f"{name}_all_s"] = wall[name]
    out["ratio"] = best["segyio"] / best["promethium"]
    out["ratio_compute"] = best["segyio"] / best["promethium_compute"]
    out["cpu_ratio"] = least["segyio"] / least["promethium"]
    return out


def read_memory(path: Path, reader: str) -> dict[str, float]:
    """Peak RSS of one read in a fresh process, beyond its baseline and its result."""
    out = subprocess.run(
        [sys.executable, "-c", _READ, str(path), reader],
        check=True,
        capture_output=True,
        text=True,
    )
    before_kb, peak_kb, result, chunk = (int(v) for v in out.stdout.split()[-4:])
    extra = peak_kb * 1024 - before_kb * 1024 - result
    return {
        "peak_rss_mb": peak_kb * 1024 / MB,
        "result_mb": result / MB,
        "beyond_result_mb": extra / MB,
        "chunk_mb": chunk / MB,
    }


def zarr_peak(path: Path, store: Path) -> dict[str, float] | dict[str, str]:
    """Time and peak RSS of converting `path` to Zarr in a fresh process."""
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
    """Where the benchmark ran, and how busy the machine was."""
    import dask

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "dask": dask.__version__,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write its JSON results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=0.25, help="size of each SEG-Y file")
    parser.add_argument("--samples", type=int, default=1000, help="samples per trace")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions (best kept)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/io_throughput.json"))
    parser.add_argument("--tmpdir", type=Path, default=None, help="where to write the files")
    parser.add_argument("--note", default="", help="a note stored with the results")
    args = parser.parse_args(argv)
    load_before = machine()["load_average"]
    files: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(dir=args.tmpdir) as tmp:
        for code, name in FORMATS.items():
            path = Path(tmp) / f"cube_{code}.sgy"
            n_il, n_xl = make_file(path, args.size_gb, args.samples, code)
            size = path.stat().st_size
            load = machine()["load_average"]
            reads = time_reads(path, args.repeat)
            memory = {r: read_memory(path, r) for r in ("promethium", "segyio")}
            print(
                f"{name}: {size / MB:.0f} MB, .values {reads['promethium_mb_s']:.0f} MB/s, "
                f".compute() {reads['promethium_compute_mb_s']:.0f} MB/s, segyio "
                f"{reads['segyio_mb_s']:.0f} MB/s: ratio {reads['ratio']:.2f}x (.compute() "
                f"{reads['ratio_compute']:.2f}x, CPU time {reads['cpu_ratio']:.2f}x; target "
                f">= 1.0x); memory beyond the result: promethium "
                f"{memory['promethium']['beyond_result_mb']:.0f} MB, segyio "
                f"{memory['segyio']['beyond_result_mb']:.0f} MB (chunks of "
                f"{memory['promethium']['chunk_mb']:.0f} MB)"
            )
            files[name] = {
                "format_code": code,
                "size_mb": size / MB,
                "ilines": n_il,
                "xlines": n_xl,
                "samples": args.samples,
                "read": reads,
                "memory": memory,
                "load_average": {"before": load, "after": machine()["load_average"]},
            }
            if code == 5:
                zarr = zarr_peak(path, Path(tmp) / "cube.zarr")
                files[name]["zarr"] = zarr
                if "error" in zarr:
                    print(f"zarr: skipped ({zarr['error']})")
                else:
                    print(
                        f"zarr: {zarr['seconds']:.1f} s, peak RSS {zarr['peak_rss_mb']:.0f} MB "
                        f"for a {zarr['file_mb']:.0f} MB file ({zarr['peak_over_file']:.2f}x)"
                    )
            path.unlink()
    result = {
        "benchmark": "io_throughput",
        "files": files,
        "machine": machine(),
        "load_average_before": load_before,
        "note": args.note,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
