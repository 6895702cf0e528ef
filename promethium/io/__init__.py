"""Reading and writing seismic data: SEG-Y and Zarr, lazily, chunk by chunk."""

from __future__ import annotations

from promethium.io.segy import open_segy, scan_headers, segy_info, to_segy
from promethium.io.zarr import open_zarr, to_zarr

__all__ = ["open_segy", "open_zarr", "scan_headers", "segy_info", "to_segy", "to_zarr"]
