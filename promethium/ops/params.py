"""Operator parameters declared once, as a typed pydantic schema.

Each operator class names a :class:`OperatorParams` subclass as its ``Params``: one
field per parameter, with its type, default, range (``Field(ge=..., le=...)``), unit
(``json_schema_extra={"unit": "Hz"}``) and a one-line description. It is an option
schema like a model's (:class:`promethium.plugin.Options`): one concept, validated and
described the same way. The operator's ``__init__`` takes the same parameters and
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
...     cutoff: Frequency = Field(gt=0, description="Cut-off frequency.",
...                               json_schema_extra={"unit": "Hz"})
...     order: Integer = Field(4, ge=1, le=8, description="Filter order.")
>>> Params(cutoff="0.1 kHz").cutoff
100.0
>>> validate_params("MyFilter", Params, {"cutoff": 30, "order": 9})
Traceback (most recent call last):
...
promethium.errors.ConfigError: MyFilter: got order=9: input should be less than or equal to 8; order must be an integer in [1, 8].
"""  # noqa: E501

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict

from promethium.errors import ConfigError, UnitError
from promethium.plugin.options import Options

__all__ = [
    "Duration",
    "Frequency",
    "Integer",
    "OperatorParams",
    "Real",
    "Velocity",
    "VerticalLength",
    "VerticalQuantity",
]


class OperatorParams(Options):
    """Base of every operator's parameter schema (an option schema, see :class:`Options`).

    Unknown parameters are refused; values are validated once and frozen. Fields of a
    type the description cannot word from the type (a quantity, a mask) say what they
    accept with ``json_schema_extra={"allowed": ...}``.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)


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
Frequency = Annotated[float, _converter("Hz")]
#: A velocity: m/s as a plain number, or with a unit (``"5000 ft/s"``).
Velocity = Annotated[float, _converter("m/s")]
#: A duration: seconds as a plain number, or with a unit (``"40 ms"``).
Duration = Annotated[float, _converter("s")]


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
VerticalQuantity = Annotated[VerticalLength, BeforeValidator(VerticalLength.parse)]


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
    return schema.parse(params, owner=operator)


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
