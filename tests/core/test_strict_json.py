"""Strict JSON: no NaN or Infinity in what Promethium writes; tagged floats come back."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from promethium.core.strict_json import dumps, finite_or_none, loads, number_text

leaves = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.text(max_size=5),
    st.booleans(),
    st.none(),
)
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=20,
)


def _strict(text):
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def _same(a, b):
    """Equal, with NaN equal to NaN."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@given(values)
def test_null_mapping_is_strict_and_keeps_every_finite_value(value):
    read = _strict(dumps(value))
    assert _same(read, finite_or_none(value))
    assert _same(read, json.loads(json.dumps(finite_or_none(value))))


@given(values)
def test_tagged_mapping_is_strict_and_reads_back_exactly(value):
    text = dumps(value, nonfinite="tagged")
    _strict(text)
    assert _same(loads(text), json.loads(json.dumps(value)))


def test_numpy_floats_and_tuples_are_plain_json():
    record = {"snr": np.float32(np.inf), "gain": np.float64(1.5), "pair": (np.nan, 2.0)}
    assert dumps(record, sort_keys=True) == '{"gain": 1.5, "pair": [null, 2.0], "snr": null}'


def test_a_non_finite_float_from_default_is_refused():
    class Odd:
        pass

    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        dumps({"x": Odd()}, default=lambda o: float("nan"))


def test_number_text_names_what_null_means():
    assert number_text(None, ".2f", " dB") == "not finite"
    assert number_text(3.14159, "+.2f", " dB") == "+3.14 dB"
