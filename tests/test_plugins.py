"""Plugin discovery, with real entry points of throwaway distributions."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

from promethium.errors import ConfigError, PluginError, PromethiumWarning
from promethium.plugin import PROMETHIUM_PLUGIN_API, hookimpl
from promethium.plugins import clear_plugin_cache, load_plugins, loaded_plugins

GOOD = """
from promethium.plugin import hookimpl
from promethium.plugin import ModelSpec

class Zero:
    def reconstruct(self, da, options):
        return da * 0

@hookimpl
def promethium_register_models(registry):
    registry.add(ModelSpec(name={model!r}, family="demo", factory=Zero))
"""


def _by_name(loaded, name):
    return next(p for p in loaded.plugins if p.name == name)


def test_markers_and_api_version():
    assert PROMETHIUM_PLUGIN_API == 2

    @hookimpl
    def promethium_register_models(registry):
        """A hook implementation."""

    assert hasattr(promethium_register_models, "promethium_impl")


def test_good_plugin_is_discovered_and_attributed(make_plugin):
    module = make_plugin("good-one", GOOD.format(model="zero-good"))
    loaded = load_plugins(disabled=())
    spec = loaded.registry.get("zero-good")
    assert (spec.plugin, spec.plugin_version) == ("good-one", "1.2.3")
    info = _by_name(loaded, "good-one")
    assert info.status == "loaded" and info.models == ("zero-good",)
    assert info.distribution == module.replace("_", "-")
    assert loaded.registry.get("good-one:zero-good") is spec
    assert loaded.manager.get_plugin("good-one") is sys.modules[module]


def test_broken_plugin_is_isolated(make_plugin):
    make_plugin("good-one", GOOD.format(model="zero-good"))
    make_plugin("broken-one", "raise ImportError('no module named missing_dep')\n", version="0.4")
    with pytest.warns(PromethiumWarning, match=r"'broken-one' \(fake-promethium-plugin-\d+ 0.4\)"):
        loaded = load_plugins(disabled=())
    assert "zero-good" in loaded.registry
    broken = _by_name(loaded, "broken-one")
    assert broken.status == "broken"
    assert broken.error == "ImportError: no module named missing_dep"
    assert broken in loaded.errors


def test_plugin_failing_midway_leaves_no_models(make_plugin):
    source = """
    from promethium.plugin import hookimpl
    from promethium.plugin import ModelSpec

    @hookimpl
    def promethium_register_models(registry):
        registry.add(ModelSpec(name="half-added", family="demo", factory=dict))
        raise RuntimeError("weights missing")
    """
    make_plugin("half", source)
    with pytest.warns(PromethiumWarning, match="RuntimeError: weights missing"):
        loaded = load_plugins(disabled=())
    assert "half-added" not in loaded.registry
    assert not any(n == "half" for n, _ in loaded.manager.list_name_plugin())


def test_strict_mode_raises(make_plugin, monkeypatch):
    make_plugin("broken-strict", "1 / 0\n")
    monkeypatch.setenv("PROMETHIUM_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match=r"'broken-strict'.*ZeroDivisionError.*STRICT"):
        load_plugins(disabled=())


def test_strict_setting_must_be_understood(monkeypatch):
    monkeypatch.setenv("PROMETHIUM_STRICT_PLUGINS", "maybe")
    with pytest.raises(ConfigError, match="PROMETHIUM_STRICT_PLUGINS='maybe'"):
        load_plugins(disabled=())


def test_disable_env_var_blocks_plugin(make_plugin, monkeypatch):
    make_plugin("blocked", "raise SystemError('must not be imported')\n")
    make_plugin("good-one", GOOD.format(model="zero-good"))
    monkeypatch.setenv("PROMETHIUM_DISABLE_PLUGINS", " blocked , ")
    with warnings.catch_warnings():
        warnings.simplefilter("error", PromethiumWarning)
        loaded = load_plugins()
    assert _by_name(loaded, "blocked").status == "disabled"
    assert "zero-good" in loaded.registry


def test_disabling_an_unknown_plugin_warns(make_plugin, monkeypatch):
    make_plugin("good-one", GOOD.format(model="zero-good"))
    monkeypatch.setenv("PROMETHIUM_DISABLE_PLUGINS", "good-onee")
    with pytest.warns(PromethiumWarning, match="'good-onee'.*match no installed.*'good-one'"):
        loaded = load_plugins()
    assert "zero-good" in loaded.registry


def test_duplicate_model_across_plugins_names_both(make_plugin):
    make_plugin("first", GOOD.format(model="twin"))
    make_plugin("second", GOOD.format(model="twin"), version="2.0")
    with pytest.warns(PromethiumWarning, match="'second'") as record:
        loaded = load_plugins(disabled=())
    message = str(record[-1].message)
    assert "plugin 'second' 2.0" in message and "plugin 'first' 1.2.3" in message
    assert loaded.registry.get("twin").plugin == "first"


@pytest.mark.parametrize(
    "source",
    [
        "raise SystemExit(3)\n",
        "import sys\nsys.exit('bye')\n",
        "raise GeneratorExit\n",
    ],
    ids=["SystemExit", "sys.exit", "GeneratorExit"],
)
def test_plugin_exiting_at_import_is_isolated(make_plugin, source):
    make_plugin("good-one", GOOD.format(model="zero-good"))
    make_plugin("exits", source)
    with pytest.warns(PromethiumWarning, match=r"'exits'.*(SystemExit|GeneratorExit)"):
        loaded = load_plugins(disabled=())
    assert "zero-good" in loaded.registry
    assert _by_name(loaded, "exits").status == "broken"


def test_keyboard_interrupt_at_import_stops_discovery(make_plugin):
    make_plugin("interrupted", "raise KeyboardInterrupt\n")
    with pytest.raises(KeyboardInterrupt):
        load_plugins(disabled=())


def test_plugin_written_for_an_older_api_is_reported_broken(make_plugin):
    make_plugin("old", "PROMETHIUM_PLUGIN_API = 1\n" + GOOD.format(model="old-model"))
    with pytest.warns(PromethiumWarning, match=r"written for Promethium plugin API 1.*upgrade"):
        loaded = load_plugins(disabled=())
    assert "old-model" not in loaded.registry


def test_plugin_needing_newer_api_is_reported_broken(make_plugin):
    make_plugin("future", "PROMETHIUM_PLUGIN_API = 99\n" + GOOD.format(model="future-model"))
    with pytest.warns(PromethiumWarning, match="needs Promethium plugin API 99"):
        loaded = load_plugins(disabled=())
    assert "future-model" not in loaded.registry
    assert _by_name(loaded, "future").status == "broken"


def test_declared_current_api_is_recorded(make_plugin):
    make_plugin(
        "current", f"PROMETHIUM_PLUGIN_API = {PROMETHIUM_PLUGIN_API}\n" + GOOD.format(model="m1")
    )
    assert _by_name(load_plugins(disabled=()), "current").api == PROMETHIUM_PLUGIN_API


def test_hookimpl_naming_no_argument_still_called(make_plugin, tmp_path):
    # pluggy passes only the arguments an implementation names: a hook that gains
    # arguments later keeps calling old plugins.
    flag = tmp_path / "called"
    source = f"""
    from promethium.plugin import hookimpl

    @hookimpl
    def promethium_register_models():
        open({str(flag)!r}, "w").close()
    """
    make_plugin("no-args", source)
    load_plugins(disabled=())
    assert flag.exists()


@pytest.mark.parametrize(
    ("source", "match"),
    [
        (
            "from promethium.plugin import hookimpl\n"
            "@hookimpl\ndef promethium_register_models(registry, nonsense):\n    pass\n",
            "nonsense",
        ),
        (
            "from promethium.plugin import hookimpl\n"
            "@hookimpl\ndef promethium_register_model(registry):\n    pass\n",
            "promethium_register_model",
        ),
        (
            "from promethium.plugin import hookimpl\n"
            "@hookimpl\ndef promethium_register_models(registry):\n    registry.add('x')\n",
            "expects a promethium ModelSpec",
        ),
    ],
    ids=["unknown-argument", "misspelt-hook", "not-a-spec"],
)
def test_invalid_hooks_are_reported(make_plugin, source, match):
    make_plugin("invalid", source)
    with pytest.warns(PromethiumWarning, match=match):
        loaded = load_plugins(disabled=())
    assert _by_name(loaded, "invalid").status == "broken"


def test_cached_discovery_and_clear(make_plugin):
    clear_plugin_cache()
    try:
        first = loaded_plugins()
        assert loaded_plugins() is first
        make_plugin("late", GOOD.format(model="late-model"))
        assert "late-model" not in loaded_plugins().registry
        clear_plugin_cache()
        assert "late-model" in loaded_plugins().registry
    finally:
        clear_plugin_cache()


def test_import_promethium_discovers_no_plugins():
    # What import loads is checked in tests/test_lazy_import.py.
    code = (
        "import promethium, promethium.registry, promethium.plugins, "
        "promethium.reconstruct, promethium.plugin, promethium.catalog\n"
        "assert promethium.plugins.loaded_plugins.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
