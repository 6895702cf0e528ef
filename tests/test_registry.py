"""The Registry: explicit instances, loud duplicates, helpful misses, cached builds."""

from __future__ import annotations

import pytest

from promethium.catalog import list_models
from promethium.errors import ConfigError, ModelNotFoundError, PluginError
from promethium.plugin import ModelSpec
from promethium.registry import ModelInfo, Registry


class Zero:
    def __init__(self, depth: int = 2) -> None:
        self.depth = depth

    def reconstruct(self, da, options):
        return da * 0


def _spec(name="zero", **kw):
    return ModelSpec(name=name, family="demo", factory=Zero, **kw)


@pytest.fixture
def registry():
    registry = Registry()
    for name in ("unet", "unet-attention", "pocs"):
        registry.add(_spec(name))
    return registry


def test_add_get_contains_iter_list(registry):
    assert "unet" in registry and "nope" not in registry and 3 not in registry
    assert list(registry) == ["pocs", "unet", "unet-attention"]
    assert len(registry) == 3
    assert registry.list("unet*") == ["unet", "unet-attention"]
    assert registry.get("pocs").name == "pocs"
    assert Registry().list() == []  # instances are independent


def test_duplicate_name_names_both_plugins():
    registry = Registry()
    with registry._registering("first-plugin", "1.0"):
        registry.add(_spec("twin"))
    with pytest.raises(
        PluginError, match=r"'twin' from plugin 'second' 2\.0.*plugin 'first-plugin' 1\.0"
    ):
        with registry._registering("second", "2.0"):
            registry.add(_spec("twin"))
    assert registry.get("twin").plugin == "first-plugin"


def test_failed_registration_scope_rolls_back():
    registry = Registry()
    with pytest.raises(RuntimeError), registry._registering("p", "1"):
        registry.add(_spec("a"))
        raise RuntimeError("boom")
    assert "a" not in registry


@pytest.mark.parametrize("bad", ["", "a:b"])
def test_invalid_names_are_rejected(bad):
    with pytest.raises(PluginError, match="invalid"):
        Registry().add(_spec(bad))


def test_add_rejects_non_specs():
    with pytest.raises(PluginError, match="expects a promethium ModelSpec, got dict"):
        Registry().add({"name": "x"})


def test_unknown_name_lists_models_and_closest_match(registry):
    with pytest.raises(ModelNotFoundError, match=r"'unte'.*pocs, unet, unet-attention.*'unet'\?"):
        registry.get("unte")
    with pytest.raises(KeyError):  # still a KeyError for generic callers
        registry.get("unte")


def test_pinned_plugin_lookup():
    registry = Registry()
    with registry._registering("mine", "1"):
        registry.add(_spec("m"))
    assert registry.get("mine:m").plugin == "mine"
    with pytest.raises(ModelNotFoundError, match="from plugin 'other'"):
        registry.get("other:m")


def test_build_is_cached_per_config(registry):
    a = registry.build("unet")
    assert registry.build("unet") is a
    b = registry.build("unet", {"depth": 5})
    assert b is not a and b.depth == 5
    assert registry.build("unet", {"depth": 5}) is b


def test_build_rejects_unknown_config_key(registry):
    with pytest.raises(ConfigError, match=r"no config key 'dpeth'.*depth.*'depth'\?"):
        registry.build("unet", {"dpeth": 3})


def test_build_accepts_keys_of_default_config_for_kwargs_factories():
    def factory(**config):
        return Zero()

    registry = Registry()
    registry.add(ModelSpec(name="kw", family="demo", factory=factory, config={"alpha": 1}))
    registry.build("kw", {"alpha": 2})
    with pytest.raises(ConfigError, match="accepted keys: alpha"):
        registry.build("kw", {"beta": 2})


def test_factory_must_return_a_reconstructor():
    registry = Registry()
    registry.add(ModelSpec(name="bad", family="demo", factory=dict))
    with pytest.raises(PluginError, match="returned dict"):
        registry.build("bad")


def test_list_models_rows(tmp_path):
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(b"x")
    registry = Registry()
    with registry._registering("plug", "3.1"):
        registry.add(_spec("with-weights", weights=weights, version="2.0", description="d"))
    registry.add(_spec("gone-weights", weights=tmp_path / "missing.safetensors"))
    rows = list_models(registry=registry)
    assert [r.name for r in rows] == ["gone-weights", "with-weights"]
    assert rows[1] == ModelInfo(
        name="with-weights",
        family="demo",
        plugin="plug",
        plugin_version="3.1",
        version="2.0",
        weights=True,
        description="d",
    )
    assert rows[0].weights is False
    assert list_models("with*", registry=registry) == [rows[1]]


def test_closest_match_ignores_case_but_lookups_stay_exact(registry):
    from promethium.errors import closest_match

    assert closest_match("POCS", ["pocs", "linear"]) == " Did you mean 'pocs'?"
    assert closest_match("Linera", ["pocs", "linear"]) == " Did you mean 'linear'?"
    assert closest_match("zzz", ["pocs"]) == ""
    with pytest.raises(ModelNotFoundError, match=r"'POCS'.*Did you mean 'pocs'\?"):
        registry.get("POCS")
