"""The options the commands share: promethium.cli.options.shared_options."""

from __future__ import annotations

from typing import Any

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from promethium.cli.app import app
from promethium.cli.logs import CliSettings
from promethium.cli.options import Progress, shared_options

SEGY_OPTIONS = ["iline", "xline", "offset", "cdp", "shot", "channel", "profile", "geometry"]


def _app(command: Any) -> typer.Typer:
    one = typer.Typer()
    one.command()(command)
    one.command("other")(lambda: None)  # two commands: the command keeps its name
    return one


def test_a_command_gets_settings_and_the_segy_options_given():
    seen: dict[str, Any] = {}

    @shared_options()
    def show(name: str, progress: Progress = True, *, settings: CliSettings, segy: dict) -> None:
        """Show what the command was given."""
        seen.update(name=name, progress=progress, settings=settings, segy=segy)

    runner = CliRunner()
    result = runner.invoke(_app(show), ["show", "x", "--iline", "9", "--geometry", "3d", "-q"])
    assert result.exit_code == 0, result.output
    assert seen == {"name": "x", "progress": True, "settings": CliSettings(verbosity=-1),
                    "segy": {"iline": 9, "geometry": "3d"}}  # fmt: skip
    result = runner.invoke(_app(show), ["show", "y", "-vv", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert seen["settings"] == CliSettings(verbosity=2) and seen["segy"] == {}
    assert seen["progress"] is False
    assert (
        "Show what the command was given." in runner.invoke(_app(show), ["show", "--help"]).output
    )


def test_without_segy_only_verbose_and_quiet_are_added():
    seen: list[CliSettings] = []

    @shared_options(segy=False)
    def train(*, settings: CliSettings) -> None:
        seen.append(settings)

    runner = CliRunner()
    assert runner.invoke(_app(train), ["train", "-v"]).exit_code == 0
    assert seen == [CliSettings(verbosity=1)]
    result = runner.invoke(_app(train), ["train", "--iline", "9"])
    assert result.exit_code == 2 and "No such option: --iline" in result.output


def test_a_command_that_reads_segy_must_take_segy():
    def forgets(path: str) -> None: ...

    with pytest.raises(TypeError, match="forgets reads SEG-Y: it must take `segy` by keyword"):
        shared_options()(forgets)


@pytest.mark.parametrize(
    ("command", "segy"),
    [("info", SEGY_OPTIONS), ("convert", SEGY_OPTIONS), ("reconstruct", SEGY_OPTIONS),
     ("plot", SEGY_OPTIONS), ("qc", SEGY_OPTIONS), ("finetune", SEGY_OPTIONS),
     ("headers", SEGY_OPTIONS[:-1]), ("train", [])],
)  # fmt: skip
def test_every_command_ends_with_the_shared_options(command, segy):
    params = typer.main.get_command(app).commands[command].params  # type: ignore[attr-defined]
    names = [p.name for p in params]
    assert names[-len(segy) - 2 :] == ["verbose", "quiet", *segy]
    assert "settings" not in names and "ctx" not in names
