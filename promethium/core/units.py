"""Units: one pint registry, parsing of the unit strings found in seismic data.

Units live in ``attrs["units"]`` of the data and of each coordinate. Arrays stay plain
numbers; pint is used only at function boundaries to convert, never inside dask
graphs. The registry is built on first use by :func:`unit_registry`.
"""

from __future__ import annotations

import functools
import math
import numbers
import re
from typing import TYPE_CHECKING, Any

from promethium.errors import UnitError

if TYPE_CHECKING:
    import pint
    import xarray as xr

__all__ = [
    "convert",
    "unit_registry",
    "is_time_unit",
    "parse_quantity",
    "parse_unit",
    "unit_of",
]

# Spellings met in SEG-Y headers, CF attributes and user input that pint does not
# read as meant (or at all). Keys are lower-cased and stripped.
_ALIASES = {
    "µs": "microsecond",
    "μs": "microsecond",
    "us": "microsecond",
    "usec": "microsecond",
    "microsec": "microsecond",
    "msec": "millisecond",
    "ms": "millisecond",
    "sec": "second",
    "secs": "second",
    "s": "second",
    "metres": "meter",
    "metre": "meter",
    "meters": "meter",
    "m": "meter",
    "km": "kilometer",
    "feet": "foot",
    "ft": "foot",
    "m/s": "meter / second",
    "ft/s": "foot / second",
    "hz": "hertz",
}


@functools.cache
def unit_registry() -> pint.UnitRegistry:
    """Return Promethium's pint unit registry, building it on first use.

    The same registry is installed as pint's application registry, so quantities
    unpickled in dask workers resolve against it.

    Returns
    -------
    pint.UnitRegistry
        The registry shared by every Promethium function.
    """
    import pint

    ureg: pint.UnitRegistry = pint.UnitRegistry()
    pint.set_application_registry(ureg)
    return ureg


def parse_unit(unit: str | None, *, what: str = "value") -> pint.Unit:
    """Parse a unit string as found in seismic data.

    Parameters
    ----------
    unit : str or None
        The unit, e.g. ``"ms"``, ``"s"``, ``"us"``, ``"µs"``, ``"m"``, ``"ft"``,
        ``"m/s"``.
    what : str, optional
        What carries the unit, used in the error message.

    Returns
    -------
    pint.Unit
        The parsed unit.

    Raises
    ------
    UnitError
        If `unit` is missing, empty or unknown.

    Examples
    --------
    >>> str(parse_unit("ms"))
    'millisecond'
    >>> str(parse_unit("us"))
    'microsecond'
    """
    if unit is None or (isinstance(unit, str) and not unit.strip()):
        raise UnitError(f"{what} has no unit; set attrs['units'] (e.g. 's', 'ms', 'm', 'ft').")
    if not isinstance(unit, str):
        raise UnitError(f"{what} has units={unit!r}, which is not a string; use e.g. 'ms'.")
    text = _ALIASES.get(unit.strip().lower(), unit.strip())
    try:
        parsed = unit_registry().Unit(text)
    # pint's parser raises whatever its tokenizer meets (ZeroDivisionError for "ms/0",
    # AssertionError for "{}", TokenError for "("): every failure is a bad unit string.
    except Exception as err:
        raise UnitError(
            f"{what} has an unknown unit {unit!r}; use a unit pint understands, "
            "e.g. 's', 'ms', 'us', 'm', 'ft', 'm/s'."
        ) from err
    powers = [complex(p).real for p in parsed.dimensionality.values()]
    if not all(math.isfinite(p) for p in powers):
        raise UnitError(f"{what} has a unit with a non-finite power: {unit!r}.")
    return parsed


def is_time_unit(unit: str | None, *, what: str = "value") -> bool:
    """Return whether `unit` measures time (``[time]`` dimensionality).

    Parameters
    ----------
    unit : str or None
        A unit as accepted by :func:`parse_unit`.
    what : str, optional
        What carries the unit, used in the error message.

    Returns
    -------
    bool
        True for time units (``s``, ``ms``, ``us``, ...), False otherwise.

    Raises
    ------
    UnitError
        If `unit` is missing, empty or unknown.

    Examples
    --------
    >>> is_time_unit("ms"), is_time_unit("m")
    (True, False)
    """
    return parse_unit(unit, what=what).dimensionality == unit_registry().second.dimensionality


def convert(value: Any, from_unit: str, to_unit: str, *, what: str = "value") -> Any:
    """Convert a number or array from one unit to another.

    Parameters
    ----------
    value : float or numpy.ndarray
        The magnitude to convert.
    from_unit, to_unit : str
        Units as accepted by :func:`parse_unit`.
    what : str, optional
        What is converted, used in error messages.

    Returns
    -------
    float or numpy.ndarray
        The magnitude in `to_unit`.

    Raises
    ------
    UnitError
        If either unit is unknown or the two have different dimensionality.

    Examples
    --------
    >>> convert(4.0, "ms", "s")
    0.004
    """
    import pint

    src = parse_unit(from_unit, what=what)
    dst = parse_unit(to_unit, what=what)
    try:
        return unit_registry().Quantity(value, src).to(dst).magnitude
    except pint.errors.DimensionalityError as err:
        raise UnitError(f"{what} in {from_unit!r} cannot be converted to {to_unit!r}.") from err


def unit_of(obj: xr.DataArray, *, what: str | None = None) -> str:
    """Return the ``units`` attribute of a DataArray or coordinate, checked.

    Parameters
    ----------
    obj : xarray.DataArray
        A DataArray or coordinate carrying ``attrs["units"]``.
    what : str, optional
        What carries the unit, used in the error message; defaults to the
        coordinate's name.

    Returns
    -------
    str
        The ``units`` attribute, unchanged.

    Raises
    ------
    UnitError
        If the attribute is missing or not a unit pint understands.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> time = xr.DataArray(np.arange(3.0), dims="time", attrs={"units": "ms"})
    >>> unit_of(time)
    'ms'
    """
    name = what or f"coordinate {obj.name!r}"
    unit = obj.attrs.get("units")
    parse_unit(unit, what=name)
    return str(unit)


_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


def parse_quantity(value: Any, default_unit: str, *, what: str = "value") -> tuple[float, str]:
    """Split a quantity given by a user into its magnitude and its unit.

    Parameters
    ----------
    value : float, str or pint.Quantity
        A plain number (taken in `default_unit`), a string such as ``"500 ms"`` or
        ``"1500 m/s"``, or a pint Quantity.
    default_unit : str
        Unit of a plain number, or of a string without a unit.
    what : str, optional
        What the quantity is, used in error messages.

    Returns
    -------
    tuple of (float, str)
        The magnitude and its unit (a string :func:`parse_unit` accepts).

    Raises
    ------
    UnitError
        If `value` is not a number, a quantity string, or a Quantity, or its unit is
        unknown.

    Examples
    --------
    >>> parse_quantity("500 ms", "s")
    (500.0, 'ms')
    >>> parse_quantity(0.5, "s")
    (0.5, 's')
    """
    import pint

    if isinstance(value, pint.Quantity):
        return float(value.magnitude), str(value.units)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value), default_unit
    if isinstance(value, str):
        match = _NUMBER.match(value)
        if match:
            unit = match.group(2) or default_unit
            parse_unit(unit, what=what)
            magnitude = float(match.group(1))
            if not math.isfinite(magnitude):
                raise UnitError(f"{what} must be a finite number; got {value!r}.")
            return magnitude, unit
    raise UnitError(
        f"{what} must be a number (in {default_unit}), a string such as "
        f"'500 ms', or a pint Quantity; got {value!r}."
    )
