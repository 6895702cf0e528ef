from __future__ import annotations

import logging

import pytest

from promethium.cli import main


def _handlers():
    return [h for h in logging.getLogger("promethium").handlers
            if not isinstance(h, logging.NullHandler)]  # fmt: skip


def test_verbose_logs_under_the_promethium_logger_only(survey, capsys):
    root_handlers = list(logging.getLogger().handlers)
    assert main(["-v", "info", str(survey)]) == 0
    err = capsys.readouterr().err
    assert "INFO promethium.io.segy.info: " in err and "32 traces" in err
    assert "DEBUG" not in err
    # The handler is removed after the run, and the root logger was never touched.
    assert _handlers() == [] and logging.getLogger().handlers == root_handlers
    assert logging.getLogger("promethium").level == logging.NOTSET


def test_default_is_silent_on_stderr(survey, capsys):
    assert main(["info", str(survey)]) == 0
    assert capsys.readouterr().err == ""


def test_quiet_hides_the_progress_bar(survey, capsys):
    assert main(["-q", "info", str(survey), "--dead-traces"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "8 dead" in captured.out
    assert main(["info", str(survey), "--dead-traces"]) == 0
    assert "dead traces of line.sgy" in capsys.readouterr().err  # the bar, when not quiet


def test_quiet_and_verbose_contradict(survey, capsys):
    assert main(["-q", "-v", "info", str(survey)]) == 1
    assert "--quiet and --verbose contradict" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "level"), [(["-v"], "INFO"), (["-vv"], "DEBUG"), ([], "WARNING")])
def test_verbosity_sets_the_level(argv, level):
    from promethium.cli.logs import log_level

    assert logging.getLevelName(log_level(len(argv[0]) - 1 if argv else 0)) == level


def test_verbose_convert_logs_what_it_opens_and_writes(survey, tmp_path, capsys):
    target = tmp_path / "o.zarr"
    assert main(["-v", "convert", str(survey), str(target), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert f"opened {survey}: dims {{'offset': 32, 'time': 96}}" in err
    assert f"writing {target} as Zarr" in err


def test_verbose_and_quiet_after_the_command(survey, capsys):
    assert main(["info", str(survey), "-v"]) == 0
    err = capsys.readouterr().err
    assert err.count("INFO promethium.io.segy.info: ") == 1  # one handler, not two
    assert main(["info", str(survey), "--dead-traces", "-q"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["-v", "info", str(survey), "-q"]) == 0  # the command's flag wins
    assert capsys.readouterr().err == ""
    assert _handlers() == []


def test_command_quiet_and_verbose_contradict(survey, capsys):
    assert main(["info", str(survey), "-q", "-v"]) == 1
    assert "--quiet and --verbose contradict" in capsys.readouterr().err
