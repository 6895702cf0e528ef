"""SEG-Y input and output: lazy reading, header-preserving writing, header scans."""

from __future__ import annotations

from promethium.io.segy.geometry import Geometry
from promethium.io.segy.headers import PROFILES, SegyLayout
from promethium.io.segy.read import open_segy

__all__ = ["PROFILES", "Geometry", "SegyLayout", "open_segy"]
