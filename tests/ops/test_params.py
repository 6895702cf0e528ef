"""Operator parameters: one schema per operator, validated once, documented from it."""

import inspect
import pickle
import re
from pathlib import Path

import annotated_types
import pytest
from operator_examples import EXAMPLES

from promethium import ops
from promethium.errors import ConfigError

DOC = Path(__file__).parents[2] / "docs" / "operators.md"
WITH_SCHEMA = sorted(n for n in EXAMPLES if getattr(ops, n).Params is not None)


def _info(cls, name):
    return {info.name: info for info in cls.Params.describe()}[name]


def _bad_values(field):
    """A value just outside each lower bound of a schema field: 0 for > 0, -1 for >= 0."""
    for item in field.metadata:
        if isinstance(item, annotated_types.Gt):
            yield item.gt
        elif isinstance(item, annotated_types.Ge):
            yield item.ge - 1
        elif isinstance(item, annotated_types.Le):
            yield item.le + 1
        elif isinstance(item, annotated_types.Lt):
            yield item.lt


@pytest.mark.parametrize("name", WITH_SCHEMA)
def test_out_of_range_values_name_operator_parameter_value_and_range(name):
    cls = getattr(ops, name)
    example = EXAMPLES[name][0]()
    checked = 0
    for field_name, field in cls.Params.model_fields.items():
        for bad in _bad_values(field):
            kwargs = {**example.params(), field_name: bad}
            info = _info(cls, field_name)
            unit = f" ({info.unit})" if info.unit else ""
            with pytest.raises(ConfigError) as raised:
                cls(**kwargs)
            message = str(raised.value)
            assert message.startswith(f"{name}: got {field_name}={bad!r}: "), message
            assert message.endswith(f"; {field_name} must be {info.allowed}{unit}."), message
            checked += 1
    bounded = {"Decimate", "KillTraces", "Normalize", "Reconstruct"}
    assert checked or name in bounded


@pytest.mark.parametrize("name", [*WITH_SCHEMA, "Denormalize"])
def test_constructor_takes_the_schema_fields_with_their_defaults(name):
    """The schema is the declaration; __init__ mirrors it for IDEs, mypy and the docs."""
    cls = getattr(ops, name)
    fields = cls.Params.model_fields if cls.Params else {}
    params = dict(inspect.signature(cls).parameters)
    extra = params.pop("options", None)
    assert (extra is not None) == (name == "Reconstruct")
    assert list(params) == list(fields)
    for field_name, field in fields.items():
        default = params[field_name].default
        if field.is_required():
            assert default is inspect.Parameter.empty, field_name
        else:
            assert default == field.get_default(), field_name


@pytest.mark.parametrize("name", sorted(set(WITH_SCHEMA) - {"Reconstruct"}))
def test_history_line_rebuilds_the_operator(name):
    op = EXAMPLES[name][0]()
    again = eval(repr(op), vars(ops))  # the history records a call that can be pasted back
    assert again.params() == op.params() and again.parameters == op.parameters
    assert pickle.loads(pickle.dumps(op)).parameters == op.parameters


def test_unknown_parameters_are_refused_by_the_schema():
    class Scale(ops.Operator):
        class Params(ops.OperatorParams):
            factor: float = 1.0

        def __init__(self, **params):  # passes on whatever it is given
            super().__init__(**params)

        def transform(self, data, context):
            return data

    with pytest.raises(
        ConfigError,
        match=re.escape(
            "Scale does not accept the option 'fator'; "
            "accepted options: factor. Did you mean 'factor'?"
        ),
    ):
        Scale(fator=2.0)
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "Scale: got factor='x': input should be a valid number, unable to parse string "
            "as a number; factor must be a number."
        ),
    ):
        Scale(factor="x")
    assert Scale(factor=2).parameters.factor == 2.0


def test_quantities_are_converted_and_kept_as_given():
    op = ops.Mute("5000 ft/s", t0="40 ms", taper=0.02)
    assert op.parameters.velocity == pytest.approx(1524.0)
    assert (op.parameters.t0, op.parameters.taper) == (pytest.approx(0.04), 0.02)
    assert repr(op) == "Mute(velocity='5000 ft/s', t0='40 ms', taper=0.02, offset='offset')"
    assert ops.Bandpass("0.01 kHz", 60).parameters.low == pytest.approx(10.0)
    with pytest.raises(
        ConfigError, match=re.escape("Bandpass: got low='5 ms/0': it has an unknown unit 'ms/0'")
    ):
        ops.Bandpass("5 ms/0")


def _table(cls):
    """The docs table of an operator's parameters, from its schema."""
    lines = ["| parameter | allowed | unit | default | meaning |", "|---|---|---|---|---|"]
    for info in cls.Params.describe():
        required = cls.Params.model_fields[info.name].is_required()
        default = "required" if required else repr(info.default)
        cells = [f"`{info.name}`", info.allowed, info.unit, default, info.help]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


@pytest.mark.parametrize("name", WITH_SCHEMA)
def test_docs_list_every_parameter_from_the_schema(name):
    table = _table(getattr(ops, name))
    section = f"### `{name}`"
    text = DOC.read_text()
    assert section in text, f"docs/operators.md lacks a section {section!r}"
    body = text.split(section, 1)[1].split("\n### ", 1)[0]
    assert table in body, f"the parameter table of {name} in docs/operators.md must be:\n{table}"
