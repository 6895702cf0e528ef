"""pm.create_model and pm.list_models: the installed models, with their options."""

from __future__ import annotations

import pytest
from pydantic import Field

import promethium as pm
from promethium.errors import ConfigError, ModelNotFoundError


class _Options(pm.ModelOptions):
    width: int = Field(3, ge=1, description="Width.", json_schema_extra={"unit": "traces"})


class _Model:
    def __init__(self, depth: int = 2) -> None:
        self.depth = depth

    def reconstruct(self, da, options):
        return da


@pytest.fixture
def registry():
    registry = pm.Registry()
    registry.add(
        pm.ModelSpec(name="m", family="demo", factory=_Model, options=_Options, config={"depth": 2})
    )
    return registry


def test_create_model_builds_with_config_once(registry):
    model = pm.create_model("m", registry=registry, depth=5)
    assert isinstance(model, pm.Reconstructor) and model.depth == 5
    assert pm.create_model("m", registry=registry, depth=5) is model
    assert pm.create_model("m", registry=registry).depth == 2


def test_create_model_errors(registry):
    with pytest.raises(ConfigError, match=r"no config key 'dpth'.*Did you mean 'depth'"):
        pm.create_model("m", registry=registry, dpth=3)
    with pytest.raises(ModelNotFoundError, match="no model named 'n'"):
        pm.create_model("n", registry=registry)


def test_create_model_from_the_installed_plugins():
    assert isinstance(pm.create_model("pocs"), pm.Reconstructor)


def test_list_models_shows_options(registry):
    (row,) = pm.list_models("m*", registry=registry)
    (option,) = row.options
    assert (option.name, option.default, option.allowed, option.unit, option.help) == (
        "width",
        3,
        "an integer >= 1",
        "traces",
        "Width.",
    )
    assert pm.list_models("zzz*", registry=registry) == []
