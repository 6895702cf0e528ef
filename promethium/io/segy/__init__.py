"""SEG-Y input and output: lazy reading, header-preserving writing, header scans.

Only numpy is imported here; segyio is not needed to read or write (it is used by the
tests as an independent reference).
"""

from __future__ import annotations

from promethium.io.segy.geometry import Geometry
from promethium.io.segy.headers import PROFILES, SegyLayout
from promethium.io.segy.read import open_segy
from promethium.io.segy.scan import HeaderScan, SegyInfo, scan_headers, segy_info
from promethium.io.segy.write import to_segy

__all__ = [
    "PROFILES",
    "Geometry",
    "HeaderScan",
    "SegyInfo",
    "SegyLayout",
    "open_segy",
    "scan_headers",
    "segy_info",
    "to_segy",
]
