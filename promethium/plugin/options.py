"""Options declared once, as data: the base of every option schema.

A model declares the options of its ``reconstruct`` as a subclass of
:class:`ModelOptions` (an operator its parameters as a subclass of :class:`Options`):
one typed field per option, with its default, its range (``Field(ge=..., le=...)``),
its choices (``Literal``), its unit (``json_schema_extra={"unit": "ms"}``) and a
one-line description (``json_schema_extra={"allowed": "..."}`` words the allowed
values where the type alone cannot, e.g. a validated string). Promethium validates what a user gives against that schema once,
at the front door (:meth:`Options.parse`); the model receives a validated, frozen
instance and never checks its options again.

>>> from typing import Literal
>>> from pydantic import Field
>>> class SmoothOptions(ModelOptions):
...     width: int = Field(5, ge=1, le=99, description="Smoothing width in traces.",
...                        json_schema_extra={"unit": "traces"})
...     kind: Literal["box", "hann"] = Field("hann", description="Smoothing window.")
>>> SmoothOptions.parse({"width": "7"}, owner="model 'smooth'").width
7
>>> SmoothOptions.parse({"widht": 7}, owner="model 'smooth'")
Traceback (most recent call last):
...
promethium.errors.ConfigError: model 'smooth' does not accept the option 'widht'; accepted options: kind, width. Did you mean 'width'?
"""  # noqa: E501

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Union

import annotated_types as at
import pydantic
from typing_extensions import Self

from promethium.errors import ConfigError, closest_match

__all__ = ["ModelOptions", "OptionInfo", "Options"]


@dataclass(frozen=True)
class OptionInfo:
    """One option of a schema, as shown by ``pm.list_models`` and ``promethium plugins``.

    Attributes
    ----------
    name : str
        The option's name.
    default : Any
        Its default value.
    allowed : str
        The values it accepts, in words (e.g. ``"an integer >= 1"``).
    unit : str
        Its unit, or ``""``.
    help : str
        Its one-line description.
    """

    name: str
    default: Any
    allowed: str
    unit: str
    help: str


class Options(pydantic.BaseModel):
    """Base of every option schema: unknown names refused, values frozen once valid.

    Subclasses declare fields with defaults and a ``description``; defaults are
    validated like user values, NaN and infinity are refused, and instances are
    immutable (``dataclasses.replace``-style changes go through
    :meth:`pydantic.BaseModel.model_copy` with ``update=``, followed by a new
    :meth:`parse`).
    """

    model_config = pydantic.ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False
    )

    @classmethod
    def parse(cls, values: Mapping[str, Any] | None = None, *, owner: str) -> Self:
        """Validate `values` (the user's; defaults fill the rest) against this schema.

        Types are coerced where unambiguous (``"10"`` to ``10`` for an integer option,
        ``"true"`` to ``True``), so strings from a command line validate too.

        Parameters
        ----------
        values : mapping of str to Any, optional
            Option names and values given by the user.
        owner : str
            What the options are for, in messages, e.g. ``"model 'pocs'"``.

        Returns
        -------
        Options
            A validated, frozen instance of this schema.

        Raises
        ------
        ConfigError
            For an unknown option (naming the accepted ones and the closest match), a
            value of the wrong type or out of range (naming the option, the value and
            what is allowed), or values that contradict each other.
        """
        given = dict(values or {})
        try:
            return cls.model_validate(given)
        except pydantic.ValidationError as exc:
            problems = [_problem(cls, e, given, owner) for e in exc.errors(include_url=False)]
            raise ConfigError(" ".join(dict.fromkeys(problems))) from None

    @classmethod
    def describe(cls) -> tuple[OptionInfo, ...]:
        """Return each option's name, default, allowed values, unit and help, in order.

        Returns
        -------
        tuple of OptionInfo
            One per field, in declaration order.
        """
        rows = []
        for name, field in cls.model_fields.items():
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            rows.append(
                OptionInfo(
                    name=name,
                    default=field.get_default(call_default_factory=True),
                    allowed=_field_allowed(field),
                    unit=str(extra.get("unit", "")),
                    help=field.description or "",
                )
            )
        return tuple(rows)


class ModelOptions(Options):
    """Base of a model's option schema: subclass it with one field per option.

    A model with no options uses this class itself. See :class:`Options`.
    """


def _problem(
    schema: type[Options], error: Mapping[str, Any], given: Mapping[str, Any], owner: str
) -> str:
    """One sentence about one pydantic error, in the user's terms."""
    loc = error.get("loc", ())
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if not loc or loc[0] not in schema.model_fields:
        if error.get("type") == "extra_forbidden" and loc:
            names = sorted(schema.model_fields)
            return (
                f"{owner} does not accept the option {loc[0]!r}; accepted options: "
                f"{', '.join(names) or 'none'}.{closest_match(str(loc[0]), names)}"
            )
        return f"{owner}: {message}."
    name = str(loc[0])
    field = schema.model_fields[name]
    value = given.get(name, field.get_default(call_default_factory=True))
    allowed = _field_allowed(field)
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    unit = extra.get("unit", "")
    hint = ""
    if isinstance(value, str) and typing.get_origin(field.annotation) is Literal:
        hint = closest_match(value, [str(a) for a in typing.get_args(field.annotation)])
    return (
        f"{owner}: got {name}={value!r}: {message[:1].lower()}{message[1:]}; {name} must be "
        f"{allowed}{f' ({unit})' if unit else ''}.{hint}"
    )


def _field_allowed(field: Any) -> str:
    """What a field accepts: its ``json_schema_extra["allowed"]``, else from its type."""
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    return str(extra.get("allowed") or _allowed(field.annotation, field.metadata))


def _allowed(annotation: Any, metadata: list[Any] | tuple[Any, ...] = ()) -> str:
    """The values `annotation` with `metadata` constraints accepts, in words."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _allowed(args[0], (*metadata, *annotation.__metadata__))
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (Union, types.UnionType):
        return " or ".join(_allowed(a, () if a is type(None) else metadata) for a in args)
    if origin is tuple and args and args[-1] is not Ellipsis:
        items = [_allowed(a) for a in args]
        if len(set(items)) == 1:
            return f"{len(items)} values, each {items[0]}"
        return f"{len(items)} values ({', '.join(items)})"
    bounds = _bounds(metadata)
    words = {
        bool: "True or False",
        int: "an integer",
        float: "a number",
        str: "a string",
        type(None): "None",
    }
    text = words.get(annotation, getattr(annotation, "__name__", str(annotation)))
    return f"{text} {bounds}" if bounds else text


def _bounds(metadata: list[Any] | tuple[Any, ...]) -> str:
    low = high = None
    flat: list[Any] = []
    for item in metadata:  # a Field(...) inside Annotated carries its own constraints
        flat.extend(item.metadata if isinstance(item, pydantic.fields.FieldInfo) else [item])
    for item in flat:
        if isinstance(item, (at.Ge, at.Gt)):
            low = ("[", item.ge) if isinstance(item, at.Ge) else ("(", item.gt)
        elif isinstance(item, (at.Le, at.Lt)):
            high = ("]", item.le) if isinstance(item, at.Le) else (")", item.lt)
    if low and high:
        return f"in {low[0]}{low[1]}, {high[1]}{high[0]}"
    if low:
        return f"{'>=' if low[0] == '[' else '>'} {low[1]}"
    if high:
        return f"{'<=' if high[0] == ']' else '<'} {high[1]}"
    return ""
