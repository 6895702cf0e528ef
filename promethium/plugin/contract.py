"""The part of the contract suite that needs no data: an option schema is complete."""

from __future__ import annotations

import json
from typing import Any

import pydantic

from promethium.plugin.options import Options

__all__ = ["assert_options_schema"]


def assert_options_schema(schema: Any, *, owner: str = "") -> None:
    """Assert that `schema` declares its options completely and its defaults are valid.

    The checks: `schema` is a subclass of :class:`~promethium.plugin.options.Options`;
    every field has a default and a one-line description; the defaults validate
    (``schema()`` succeeds and equals ``schema.parse(defaults)``) and are
    JSON-serializable (they go into the provenance of every result); an unknown name is
    refused.

    Parameters
    ----------
    schema : type
        The option schema to check, e.g. ``spec.options``.
    owner : str, optional
        What it belongs to, in messages (e.g. ``"model 'pocs'"``).

    Raises
    ------
    AssertionError
        Naming the first incomplete or invalid field.

    Examples
    --------
    >>> from pydantic import Field
    >>> from promethium.plugin.options import ModelOptions
    >>> class Good(ModelOptions):
    ...     width: int = Field(5, ge=1, description="Smoothing width in traces.")
    >>> assert_options_schema(Good)
    """
    name = owner or getattr(schema, "__name__", repr(schema))
    assert isinstance(schema, type) and issubclass(schema, Options), (
        f"{name}: the option schema must be a subclass of promethium.ModelOptions; got {schema!r}"
    )
    for field_name, field in schema.model_fields.items():
        assert not field.is_required(), (
            f"{name}: option {field_name!r} has no default; every option needs one"
        )
        text = (field.description or "").strip()
        assert text and "\n" not in text, (
            f"{name}: option {field_name!r} needs a one-line description "
            f"(Field(..., description=...)); got {field.description!r}"
        )
    try:
        defaults = schema()
    except pydantic.ValidationError as exc:
        raise AssertionError(f"{name}: the default options are invalid: {exc}") from None
    values = defaults.model_dump()
    assert schema.parse(values, owner=name) == defaults, (
        f"{name}: the defaults do not validate back to themselves: {values!r}"
    )
    try:
        json.dumps(defaults.model_dump(mode="json"))
    except (TypeError, ValueError) as exc:
        raise AssertionError(f"{name}: the defaults are not JSON-serializable: {exc}") from None
    try:
        schema.model_validate({**values, "__not_an_option__": 1})
    except pydantic.ValidationError:
        return
    raise AssertionError(f"{name}: unknown option names must be refused (extra='forbid')")
