"""The plugin layer depends on nothing in Promethium above ``promethium.errors``."""

from __future__ import annotations

import ast
from pathlib import Path

import promethium as pm
import promethium.plugin

LAYER = Path(promethium.plugin.__file__).parent
ALLOWED = {"promethium.errors"}


def _promethium_imports(path: Path) -> set[str]:
    """Every ``promethium.*`` module `path` imports, anywhere (type-only imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.ImportFrom):  # relative imports stay in the layer
            assert node.level == 1, f"{path.name} imports from above the plugin layer"
    return {m for m in found if m == "promethium" or m.startswith("promethium.")}


def test_plugin_layer_imports_only_itself_and_errors():
    modules = sorted(LAYER.glob("*.py"))
    assert {m.name for m in modules} >= {"__init__.py", "hooks.py", "options.py", "spec.py"}
    for module in modules:
        outside = {
            m
            for m in _promethium_imports(module)
            if m not in ALLOWED and not m.startswith("promethium.plugin")
        }
        assert not outside, f"promethium/plugin/{module.name} imports {sorted(outside)}"


def test_everything_a_plugin_author_needs_is_top_level():
    for name in ("hookimpl", "ModelSpec", "ModelOptions", "Reconstructor", "PROMETHIUM_PLUGIN_API"):
        assert getattr(pm, name) is getattr(promethium.plugin, name), name
    assert pm.testing.assert_reconstruction_contract is not None
    assert pm.testing.assert_options_schema is promethium.plugin.assert_options_schema
