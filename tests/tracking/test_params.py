from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promethium.errors import PromethiumWarning
from promethium.tracking.params import MAX_PARAM_LENGTH, flatten_params

keys = st.text("abcdefgh_", min_size=1, max_size=6)
leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.lists(st.integers(), max_size=3)
)
trees = st.recursive(leaves, lambda sub: st.dictionaries(keys, sub, min_size=1), max_leaves=12)


def _leaves(tree, prefix=""):
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _leaves(v, f"{prefix}{k}.")
    else:
        yield prefix[:-1], tree


@given(st.dictionaries(keys, trees, min_size=1))
def test_every_leaf_is_a_dotted_param_that_reads_back(config):
    flat = flatten_params(config)
    expected = dict(_leaves(config))
    assert set(flat) == set(expected)
    for key, value in expected.items():
        assert json.loads(flat[key]) == value


def test_strings_stay_as_they_are_and_pydantic_models_are_dumped():
    from promethium.tracking import TrackingConfig

    assert flatten_params({"a": {"b": "unet"}}) == {"a.b": "unet"}
    assert flatten_params(TrackingConfig())["experiment"] == "promethium"
    assert flatten_params({}) == {}


def test_overlong_values_are_cut_with_a_warning():
    with pytest.warns(PromethiumWarning, match="'data.paths' is"):
        flat = flatten_params({"data": {"paths": ["x" * 100] * 100}})
    assert len(flat["data.paths"]) == MAX_PARAM_LENGTH


def test_non_configs_are_refused():
    with pytest.raises(TypeError, match="mapping or a pydantic model"):
        flatten_params([1, 2])
