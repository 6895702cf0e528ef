"""Reading and writing seismic data: SEG-Y and Zarr, lazily, chunk by chunk."""

from __future__ import annotations

from promethium.io.segy import header_words, open_segy, scan_headers, segy_info, to_segy
from promethium.io.summary import SurveyInfo, zarr_info
from promethium.io.zarr import open_zarr, to_zarr

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
