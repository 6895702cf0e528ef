"""SEG-Y input and output: lazy reading, header-preserving writing, header scans.

segyio is the reading engine (opening and validating files, header words, samples);
it is imported inside the functions that use it, so importing this package does not
import segyio.
"""

from __future__ import annotations

from promethium.io.segy.geometry import Geometry
from promethium.io.segy.headers import PROFILES
from promethium.io.segy.info import segy_info
from promethium.io.segy.layout import SegyLayout
from promethium.io.segy.read import open_segy
from promethium.io.segy.scan import HeaderScan, HeaderTable, header_words, scan_headers
from promethium.io.segy.write import SegyWrite, to_segy

__all__ = [
    "PROFILES",
    "Geometry",
    "HeaderScan",
    "HeaderTable",
    "SegyLayout",
    "SegyWrite",
    "header_words",
    "open_segy",
    "scan_headers",
    "segy_info",
    "to_segy",
]
