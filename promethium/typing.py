"""Type aliases shared across Promethium."""

from __future__ import annotations

from os import PathLike
from typing import Union

__all__ = ["PathType"]

#: A filesystem path: a string or an os.PathLike.
PathType = Union[str, "PathLike[str]"]
