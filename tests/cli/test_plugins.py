"""``promethium plugins``: models with their options, plugins with their status."""

from __future__ import annotations

import pytest
from rich.console import Console
from typer.testing import CliRunner

from promethium.cli.app import app
from promethium.cli.plugins import render_plugins
from promethium.errors import PromethiumWarning
from promethium.plugins import clear_plugin_cache

GOOD = """
from pydantic import Field

import promethium as pm


class Options(pm.ModelOptions):
    width: int = Field(5, ge=1, le=99, description="Smoothing width [in traces].",
                       json_schema_extra={{"unit": "traces"}})


class Zero:
    def reconstruct(self, da, options):
        return da * 0


@pm.hookimpl
def promethium_register_models(registry):
    registry.add(pm.ModelSpec(name={model!r}, family="demo", factory=Zero, options=Options,
                              description="Zeros [everywhere]"))
"""


def _text(renderable, width=80):
    console = Console(record=True, width=width)
    console.print(renderable)
    return console.export_text()


@pytest.fixture
def fresh():
    clear_plugin_cache()
    yield
    clear_plugin_cache()


def test_lists_models_options_and_errors(make_plugin, fresh):
    make_plugin("good-one", GOOD.format(model="zero-good"))
    make_plugin("broken-one", "raise ImportError('gone: [/tmp/w] [data]')\n")
    with pytest.warns(PromethiumWarning):
        text = _text(render_plugins(), width=120)
    assert "zero-good" in text and "broken-one" in text
    assert "zero-good: Zeros [everywhere]" in text  # plugin text is not read as markup
    assert "ImportError: gone: [/tmp/w] [data]" in text
    row = next(line for line in text.splitlines() if line.strip().startswith("width"))
    assert "5" in row and "an integer in [1, 99] (traces)" in row
    assert "Smoothing width [in traces]." in row


def test_pattern_selects_models(fresh):
    text = _text(render_plugins("poc*"), width=120)
    assert "pocs" in text and "n_iter" in text and "POCS iterations per window." in text
    assert "linear:" not in text


def test_never_truncates_names_at_80_columns(make_plugin, fresh):
    long_model = "builtin-classical-reconstruction-long-name"
    make_plugin("a-rather-long-plugin-distribution-name", GOOD.format(model=long_model))
    text = _text(render_plugins())
    assert "…" not in text
    assert long_model in text and "a-rather-long-plugin-distribution-name" in text
    assert "pocs" in text and "patch_size" in text


def test_command_prints_the_options(fresh):
    result = CliRunner().invoke(app, ["plugins", "linear"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "edges" in result.output and "nearest" in result.output
    assert "one of 'nearest', 'zero'" in result.output
