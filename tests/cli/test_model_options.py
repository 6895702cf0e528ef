"""Model options on the command line: parsed by the model's schema, choices offered."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import promethium as pm
from promethium.cli.app import app
from promethium.cli.choices import complete_from, complete_models, one_of
from promethium.cli.main import main
from promethium.reconstruct import PROVENANCE_ATTR


def test_patch_size_takes_a_pair_and_options_are_coerced_by_the_schema(survey, tmp_path):
    out = tmp_path / "o.zarr"
    argv = ["reconstruct", str(survey), str(out), "-m", "pocs", "--patch-size", "16,24"]
    assert main([*argv, "-o", "n_iter=3", "-o", "thresholding=soft", "--no-progress"]) == 0
    record = json.loads(pm.open_zarr(out).attrs[PROVENANCE_ATTR])
    assert record["options"]["patch_size"] == [16, 24]
    assert (record["options"]["n_iter"], record["options"]["thresholding"]) == (3, "soft")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-o", "n_iter=abc"], "model 'pocs': got n_iter='abc': input should be a valid integer"),
        (["-o", "n_iter=0"], "n_iter must be an integer >= 1"),
        (["--patch-size", "2,64"], "patch_size must be 2 values, each an integer >= 4"),
        (["--patch-size", "64,x"], "got patch_size='64,x'"),
        (["-o", "schedule=cosin"], "one of 'exponential', 'linear'"),
        (["-o", "niter=3"], "Did you mean 'n_iter'?"),
        (["--precision", "half"], "does not accept the option 'precision'"),
        (["-m", "pocz"], "Did you mean 'pocs'?"),
    ],
)
def test_bad_options_fail_before_any_data_is_read(tmp_path, capsys, extra, message):
    missing = tmp_path / "not-there.sgy"  # never opened: the options fail first
    argv = ["reconstruct", str(missing), str(tmp_path / "o.zarr"), "-m", "pocs", *extra]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and "not-there" not in err


def test_help_offers_the_choices():
    result = CliRunner().invoke(app, ["reconstruct", "--help"], env={"COLUMNS": "200"})
    text = " ".join(result.output.split())
    assert "auto, float32, float16 or bfloat16" in text
    assert "auto, cpu or cuda" in text
    assert "auto, 3d, 2d, prestack or traces" in text
    assert "TRACES,SAMPLES" in text and "promethium plugins" in text


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("--precision float", ["float32", "float16"]),
        ("--model po", ["pocs"]),
        ("--geometry p", ["prestack"]),
        ("--absent i", ["insert"]),
        ("--device c", ["cpu", "cuda"]),
    ],
)
def test_the_shell_completes_the_choices(words, expected):
    line = f"promethium reconstruct in.sgy out.sgy {words}"
    env = {
        "_PROMETHIUM_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(line.split()) - 1),
    }
    result = CliRunner().invoke(app, [], prog_name="promethium", env=env)
    assert result.exit_code == 0 and result.output.split() == expected


def test_completion_offers_the_choices():
    assert complete_models("po") == ["pocs"]
    assert "auto" in complete_models("")
    assert complete_from(("skip", "insert"))("i") == ["insert"]
    assert one_of(("a",)) == "a"
