"""Operator parameters declared once, as a typed pydantic schema.

Each operator class names a :class:`OperatorParams` subclass as its ``Params``: one
field per parameter, with its type, default, range (``Field(ge=..., le=...)``), unit
and a one-line description. The operator's ``__init__`` takes the same parameters and
hands them to the :class:`~promethium.ops.base.Operator` base, which validates them once
against the schema and turns every failure
into a :class:`~promethium.errors.ConfigError` naming the operator, the parameter, the
value and what is allowed (:func:`validate_params`). The operator tests check that each
``__init__`` and the parameter tables of ``docs/operators.md`` match the schema.

Quantities keep the user's spelling in the history (``Bandpass(low='5 Hz')``) and are
converted for the operator: :data:`Frequency` to Hz, :data:`Velocity` to m/s,
:data:`Duration` to s; a :data:`VerticalQuantity` becomes a :class:`VerticalLength`
(time on a time axis, length on a depth axis) that keeps its dimension until the data
are known.

>>> from pydantic import Field
>>> class Params(OperatorParams):
...     cutoff: Frequency = Field(gt=0, description="Cut-off frequency.")
...     order: Integer = Field(4, ge=1, le=8, description="Filter order.")
>>> Params(cutoff="0.1 kHz").cutoff
100.0
>>> validate_params("MyFilter", Params, {"cutoff": 30, "order": 9})
Traceback (most recent call last):
...
promethium.errors.ConfigError: MyFilter order must be an integer in [1, 8]; got 9.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args, get_origin

import annotated_types
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from promethium.errors import ConfigError, UnitError

__all__ = [
    "Duration",
    "Frequency",
    "Integer",
    "Kind",
    "OperatorParams",
    "Real",
    "Unit",
    "Velocity",
    "VerticalLength",
    "VerticalQuantity",
]


class OperatorParams(BaseModel):
    """Base of every operator's parameter schema.

    Unknown parameters are refused; values are validated once and frozen.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


@dataclass(frozen=True)
class Unit:
    """Marks a schema field with the unit its value is converted to (for the docs)."""

    symbol: str


@dataclass(frozen=True)
class Kind:
    """Describes, for messages and docs, what a field of a free-form type accepts."""

    text: str


def _real(value: Any) -> float:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number):
            return number
        raise ValueError("not finite")
    raise ValueError(f"not a number but {type(value).__name__}")


def _integer(value: Any) -> int:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number) and number.is_integer():
            return int(number)
    raise ValueError("not an integer")


#: A finite real number (bools and strings refused).
Real = Annotated[float, BeforeValidator(_real)]
#: An integer; an integral float such as ``4.0`` is accepted, bools and strings are not.
Integer = Annotated[int, BeforeValidator(_integer)]


def _parse(value: Any, default_unit: str) -> tuple[float, str]:
    from promethium.core.units import parse_quantity

    try:
        magnitude, unit = parse_quantity(value, default_unit, what="it")
    except UnitError as err:
        raise ValueError(str(err).split("; got ")[0].rstrip(".")) from None
    except Exception as err:  # pint's parser raises many kinds on malformed strings
        raise ValueError(f"it cannot be read as a quantity: {err}") from None
    if not math.isfinite(magnitude):
        raise ValueError("not finite")
    return magnitude, unit


def _converter(target: str) -> BeforeValidator:
    def convert_to(value: Any) -> float:
        from promethium.core.units import convert

        magnitude, unit = _parse(value, target)
        try:
            return float(convert(magnitude, unit, target, what="the value"))
        except UnitError:
            raise ValueError(f"{unit!r} is not a unit of the same kind as {target!r}") from None

    return BeforeValidator(convert_to)


#: A frequency: Hz as a plain number, or with a unit (``"5 Hz"``, ``"0.1 kHz"``).
Frequency = Annotated[float, _converter("Hz"), Unit("Hz"), Kind("a frequency")]
#: A velocity: m/s as a plain number, or with a unit (``"5000 ft/s"``).
Velocity = Annotated[float, _converter("m/s"), Unit("m/s"), Kind("a velocity")]
#: A duration: seconds as a plain number, or with a unit (``"40 ms"``).
Duration = Annotated[float, _converter("s"), Unit("s"), Kind("a duration")]


@dataclass(frozen=True)
class VerticalLength:
    """A length along the vertical axis: a time (in s) or a depth length (in m).

    Built from a plain number (seconds), a string with a unit (``"500 ms"``,
    ``"200 m"``) or a pint Quantity; compared with plain numbers by magnitude, so a
    schema can bound it with ``Field(gt=0)``.

    Attributes
    ----------
    magnitude : float
        The length in `unit`.
    unit : {"s", "m"}
        Seconds for a time, metres for a depth length.
    """

    magnitude: float
    unit: str

    @classmethod
    def parse(cls, value: Any) -> VerticalLength:
        """Read a user's value; raise ValueError if it is neither a time nor a length."""
        from promethium.core.units import convert, is_time_unit

        if isinstance(value, VerticalLength):
            return value
        magnitude, unit = _parse(value, "s")
        target = "s" if is_time_unit(unit) else "m"
        try:
            return cls(float(convert(magnitude, unit, target, what="the value")), target)
        except UnitError:
            raise ValueError(f"{unit!r} is neither a time nor a length unit") from None

    def to(self, unit: str, *, what: str) -> float:
        """The magnitude in `unit` (``"s"`` or ``"m"``), the vertical axis's unit.

        Raises
        ------
        ConfigError
            If the length is a time and the axis is depth, or the other way round.
        """
        if unit != self.unit:
            kinds = {"s": "a time (e.g. '40 ms')", "m": "a length (e.g. '20 m')"}
            raise ConfigError(
                f"{what} is {kinds[self.unit].split(' (')[0]} ({self.magnitude:g} "
                f"{self.unit}) but the data's vertical axis is in {unit!r}; give it as "
                f"{kinds[unit]}."
            )
        return self.magnitude

    def __gt__(self, other: float) -> bool:
        return self.magnitude > other

    def __ge__(self, other: float) -> bool:
        return self.magnitude >= other


#: A length along the vertical axis (see :class:`VerticalLength`), seconds by default.
VerticalQuantity = Annotated[
    VerticalLength,
    BeforeValidator(VerticalLength.parse),
    Unit("s or m"),
    Kind("a time or depth length"),
]


# -- describing the schema -------------------------------------------------------------
def _range(metadata: list[Any]) -> str:
    """``"in [1, 20]"``, ``"> 0"`` and the like, from a field's annotated-types bounds."""
    low = high = None
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            low = f"[{item.ge:g}"
        elif isinstance(item, annotated_types.Gt):
            low = f"({item.gt:g}"
        elif isinstance(item, annotated_types.Le):
            high = f"{item.le:g}]"
        elif isinstance(item, annotated_types.Lt):
            high = f"{item.lt:g})"
    if low and high:
        return f"in {low}, {high}"
    if low:
        return (">= " if low[0] == "[" else "> ") + low[1:]
    if high:
        return ("<= " if high[-1] == "]" else "< ") + high[:-1]
    return ""


_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "True or False"}


def _kind(annotation: Any) -> str:
    """What an annotation accepts, with its article: ``an integer``, ``one of 'a', 'b'``."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        kinds = [m.text for m in extra if isinstance(m, Kind)]
        return kinds[0] if kinds else _kind(base)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(annotation))
    if origin in (dict, Mapping):
        return "a mapping"
    args = [a for a in get_args(annotation) if a is not type(None)]
    if args:
        return " or ".join(_kind(a) for a in args)
    return _NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _unit(annotation: Any) -> str:
    if get_origin(annotation) is Annotated:
        for item in get_args(annotation)[1:]:
            if isinstance(item, Unit):
                return item.symbol
        return _unit(get_args(annotation)[0])
    for arg in get_args(annotation):
        unit = _unit(arg)
        if unit:
            return unit
    return ""


def allowed(schema: type[OperatorParams], name: str) -> str:
    """What parameter `name` of `schema` accepts, e.g. ``an integer in [1, 20]``.

    Parameters
    ----------
    schema : type of OperatorParams
        An operator's ``Params``.
    name : str
        One of its fields.

    Returns
    -------
    str
        The kind of value, its range (in the field's unit) and ``or None`` if allowed.
    """
    field = schema.model_fields[name]
    annotation = field.rebuild_annotation()
    text = _kind(annotation)
    bounds = _range(field.metadata)
    unit = _unit(annotation)
    if bounds:
        text += f" {bounds}" + (f" {unit}" if unit and " or " not in unit else "")
    elif unit and " or " not in unit:
        text += f" in {unit}"
    if type(None) in get_args(field.annotation):
        text += ", or None"
    return text


# -- validating ----------------------------------------------------------------------
def validate_params(
    operator: str, schema: type[OperatorParams], params: dict[str, Any]
) -> OperatorParams:
    """Validate an operator's parameters, given by name, against its schema.

    Parameters
    ----------
    operator : str
        The operator's name, for messages.
    schema : type of OperatorParams
        Its parameter schema.
    params : dict
        The parameters as the user gave them.

    Returns
    -------
    OperatorParams
        The validated parameters, converted to the schema's units.

    Raises
    ------
    ConfigError
        For an unknown parameter, a missing one, a wrong type or an out-of-range value:
        naming the operator, the parameter, the value and what is allowed.
    """
    try:
        return schema(**params)
    except ValidationError as err:
        raise _config_error(operator, schema, err, params) from None


def _unknown(operator: str, names: list[str], name: str) -> ConfigError:
    close = difflib.get_close_matches(name, names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ConfigError(
        f"{operator} has no parameter {name!r}; its parameters are {', '.join(names)}.{hint}"
    )


def _config_error(
    operator: str, schema: type[OperatorParams], err: ValidationError, given: dict[str, Any]
) -> ConfigError:
    first = err.errors(include_url=False)[0]
    loc = first.get("loc", ())
    name = str(loc[0]) if loc else ""
    detail = ""
    if first["type"] == "value_error":
        detail = str(first.get("ctx", {}).get("error", first["msg"]))
    if not name or name not in schema.model_fields:
        if first["type"] == "extra_forbidden" and name:
            return _unknown(operator, list(schema.model_fields), name)
        return ConfigError(f"{operator}: {(detail or first['msg']).rstrip('.')}.")
    if first["type"] == "missing":
        return ConfigError(f"{operator} needs the parameter {name!r} ({allowed(schema, name)}).")
    message = f"{operator} {name} must be {allowed(schema, name)}; got {_shown(given.get(name))}"
    return ConfigError(message + (f" ({detail})." if detail else "."))


def _shown(value: Any) -> str:
    """A short repr of a user's value: arrays by dtype and shape, others truncated."""
    import reprlib

    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"<{type(value).__name__} of dtype {value.dtype}, shape {tuple(value.shape)}>"
    short = reprlib.Repr()
    short.maxstring = short.maxother = 60
    return short.repr(value)


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
