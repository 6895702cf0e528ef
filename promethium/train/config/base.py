"""What every section of the training configuration shares: the base and number types."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, StrictInt

from promethium.plugin.options import Options

__all__ = ["Fraction", "NonNegative", "Positive", "PositiveInt", "PositiveRange", "Section", "pair"]

PositiveInt = Annotated[StrictInt, Field(ge=1)]
Fraction = Annotated[float, Field(ge=0.0, lt=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]


class Section(Options):
    """A section of the file: the option-schema base (unknown keys refused, frozen)."""


def pair(value: Any) -> Any:
    """An int ``n`` means ``(n, n)``; a pair stays a pair."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError("give an int or a pair [traces, samples] of ints")
    return value


def _ordered(value: tuple[float, float]) -> tuple[float, float]:
    if value[0] > value[1]:
        raise ValueError(f"the range must be (low, high) with low <= high; got {value}")
    return value


#: A range ``(low, high)`` of positive numbers, ``low <= high``.
PositiveRange = Annotated[tuple[Positive, Positive], AfterValidator(_ordered)]
