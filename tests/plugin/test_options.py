"""Option schemas: one validation, errors that name the option, value and allowed range."""

from __future__ import annotations

from typing import Literal

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import Field, model_validator
from typing_extensions import Self

from promethium.errors import ConfigError
from promethium.plugin import ModelOptions, OptionInfo, assert_options_schema


class Smooth(ModelOptions):
    width: int = Field(5, ge=1, le=99, description="Width.", json_schema_extra={"unit": "traces"})
    gain: float = Field(0.5, gt=0.0, lt=1.0, description="Gain.")
    kind: Literal["box", "hann"] = Field("hann", description="Window.")
    limit: int | None = Field(None, ge=2, description="Optional limit.")
    flag: bool = Field(False, description="A flag.")
    label: str = Field("x", description="A label.", json_schema_extra={"allowed": "any text"})

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.limit is not None and self.limit < self.width:
            raise ValueError(f"need limit >= width; got limit={self.limit}, width={self.width}")
        return self


OWNER = "model 'smooth'"


def test_defaults_fill_and_values_are_coerced_once():
    opts = Smooth.parse({"width": "7", "flag": "true", "gain": 1 / 4}, owner=OWNER)
    assert (opts.width, opts.flag, opts.gain, opts.kind) == (7, True, 0.25, "hann")
    assert Smooth.parse(None, owner=OWNER) == Smooth()
    with pytest.raises(pydantic.ValidationError):  # frozen: a model cannot change what it was given
        opts.width = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("values", "match"),
    [
        (
            {"widht": 3},
            r"^model 'smooth' does not accept the option 'widht'; accepted "
            r"options: flag, gain, kind, label, limit, width\. Did you mean 'width'\?$",
        ),
        ({"width": 0}, r"got width=0: .*width must be an integer in \[1, 99\] \(traces\)\.$"),
        ({"width": 2.5}, r"got width=2\.5: .*fractional part; width must be an integer"),
        ({"width": "ten"}, r"got width='ten': .*valid integer"),
        ({"gain": 1.0}, r"got gain=1\.0: .*gain must be a number in \(0\.0, 1\.0\)\."),
        ({"gain": float("nan")}, r"got gain=nan: .*gain must be a number in \(0\.0, 1\.0\)"),
        ({"kind": "han"}, r"got kind='han': .*one of 'box', 'hann'\. Did you mean 'hann'\?"),
        ({"limit": 1}, r"got limit=1: .*limit must be an integer >= 2 or None\."),
        ({"flag": "perhaps"}, r"got flag='perhaps': .*flag must be True or False\."),
        ({"label": 3}, r"got label=3: .*label must be any text\."),
        ({"limit": 3}, r"^model 'smooth': need limit >= width; got limit=3, width=5\.$"),
    ],
)
def test_errors_name_option_value_and_allowed(values, match):
    with pytest.raises(ConfigError, match=match):
        Smooth.parse(values, owner=OWNER)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError, match=r"got width=0.*got gain=2"):
        Smooth.parse({"width": 0, "gain": 2}, owner=OWNER)


def test_describe_lists_each_option_in_order():
    rows = Smooth.describe()
    assert [r.name for r in rows] == ["width", "gain", "kind", "limit", "flag", "label"]
    assert rows[0] == OptionInfo("width", 5, "an integer in [1, 99]", "traces", "Width.")
    assert rows[2].allowed == "one of 'box', 'hann'"


@given(st.integers(-10, 200))
def test_in_range_accepted_and_out_of_range_refused(width):
    if 1 <= width <= 99:
        assert Smooth.parse({"width": width}, owner=OWNER).width == width
    else:
        with pytest.raises(ConfigError, match=f"got width={width}:"):
            Smooth.parse({"width": width}, owner=OWNER)


def test_schema_check_accepts_a_complete_schema():
    assert_options_schema(Smooth)
    assert_options_schema(ModelOptions)


class NoDefault(ModelOptions):
    width: int = Field(description="Width.")


class NoHelp(ModelOptions):
    width: int = 3


class TwoLines(ModelOptions):
    width: int = Field(3, description="Width\nin traces.")


class BadDefault(ModelOptions):
    width: int = Field(0, ge=1, description="Width.")


@pytest.mark.parametrize(
    ("schema", "match"),
    [
        (NoDefault, "'width' has no default"),
        (NoHelp, "'width' needs a one-line description"),
        (TwoLines, "'width' needs a one-line description"),
        (BadDefault, "the default options are invalid"),
        (dict, "must be a subclass of promethium.ModelOptions"),
    ],
)
def test_schema_check_names_what_is_incomplete(schema, match):
    with pytest.raises(AssertionError, match=match):
        assert_options_schema(schema)
