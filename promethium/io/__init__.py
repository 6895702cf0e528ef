"""Reading and writing seismic data: SEG-Y and Zarr, lazily, chunk by chunk."""

from __future__ import annotations

from promethium.io.segy import header_words, open_segy, scan_headers, segy_info, to_segy
from promethium.io.summary import SurveyInfo
from promethium.io.zarr import open_zarr, to_zarr
from promethium.io.zarr_info import zarr_info

__all__ = [
    "SurveyInfo",
    "header_words",
    "open_segy",
    "open_zarr",
    "scan_headers",
    "segy_info",
    "to_segy",
    "to_zarr",
    "zarr_info",
]
