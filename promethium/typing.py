"""Type aliases shared across Promethium."""

from __future__ import annotations

from os import PathLike
from typing import Union

import numpy as np
import numpy.typing as npt

__all__ = ["BoolArray", "FloatArray", "PathType"]

PathType = Union[str, "PathLike[str]"]
FloatArray = npt.NDArray[np.floating]
BoolArray = npt.NDArray[np.bool_]
