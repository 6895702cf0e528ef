"""Checks of operator parameters, shared by the operators: each raises ConfigError."""

from __future__ import annotations

import math
import numbers
from typing import Any

from promethium.errors import ConfigError, UnitError

__all__ = ["check_choice", "check_number", "in_unit", "longer_than_trace", "quantity"]


def quantity(value: Any, default_unit: str, *, what: str) -> tuple[float, str]:
    """Parse a user quantity (number, ``"500 ms"``, pint Quantity) into (magnitude, unit).

    Raises
    ------
    ConfigError
        If `value` cannot be read as a quantity, or its magnitude is not finite.
    """
    from promethium.core.units import parse_quantity

    try:
        magnitude, unit = parse_quantity(value, default_unit, what=what)
    except UnitError as err:
        raise ConfigError(str(err)) from err
    if not math.isfinite(magnitude):
        raise ConfigError(f"{what} must be finite; got {value!r}.")
    return magnitude, unit


def in_unit(value: tuple[float, str], unit: str, *, what: str) -> float:
    """Convert a parsed quantity to `unit`, raising ConfigError on a unit mismatch."""
    from promethium.core.units import convert

    try:
        return float(convert(value[0], value[1], unit, what=what))
    except UnitError as err:
        raise ConfigError(f"{err} Give {what} in units of {unit!r}.") from err


def check_number(
    value: Any,
    *,
    what: str,
    minimum: float | None = None,
    strict: bool = False,
    integer: bool = False,
) -> float:
    """Return `value` as a float if it is a finite number above `minimum`.

    Raises
    ------
    ConfigError
        Naming `what`, the value and the allowed range.
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok and integer:
        ok = float(value).is_integer()
    ok = ok and math.isfinite(value)
    if ok and minimum is not None:
        ok = value > minimum if strict else value >= minimum
    if not ok:
        kind = "an integer" if integer else "a finite number"
        bound = "" if minimum is None else f" {'>' if strict else '>='} {minimum:g}"
        raise ConfigError(f"{what} must be {kind}{bound}; got {value!r}.")
    return float(value)


def check_choice(value: Any, choices: tuple[str, ...], *, what: str) -> str:
    """Return `value` if it is one of `choices`, else raise ConfigError listing them."""
    if value not in choices:
        raise ConfigError(f"{what} must be one of {choices}; got {value!r}.")
    return str(value)


def longer_than_trace(
    what: str,
    value: Any,
    length: float,
    n_samples: int,
    unit: str,
    example: str,
    *,
    min_samples: int = 1,
) -> ConfigError:
    """The ConfigError for a vertical length (`what` = `value`) beyond the trace.

    Names the value, the trace length (`length` in `unit`, ``"s"`` or ``"m"``, over
    `n_samples` samples) and, for a bare number (read as seconds or metres), the
    likely intended unit when it would fit (at least `min_samples` samples, shorter
    than the trace); `example` is a string with units to suggest otherwise.
    """
    axis = "seconds on a time axis" if unit == "s" else "metres on a depth axis"
    bare = isinstance(value, numbers.Real) and not isinstance(value, bool)
    hint = f"a bare number is read as {axis}; " if bare else ""
    interval = length / max(n_samples, 1)
    if bare and unit == "s" and min_samples * interval <= value * 1e-3 < length:
        example = f"{value:g} ms"
    return ConfigError(
        f"{what} {value!r} is longer than the trace ({length:g} {unit}, {n_samples} "
        f"samples); {hint}give it with units, e.g. {example!r}."
    )
