from __future__ import annotations

import json

import pytest

import promethium as pm
from promethium.cli import main
from promethium.cli.headers import parse_traces
from promethium.errors import ConfigError


def test_headers_table_of_the_first_traces(cube, capsys):
    assert main(["headers", str(cube), "--traces", "0:3", "--words", "iline,xline,117:2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["trace", "iline", "xline", "117:2"]
    assert lines[1].split() == ["(byte)", "189", "193", "117"]
    assert [line.split() for line in lines[2:]] == [
        ["0", "1000", "20", "2000"], ["1", "1000", "22", "2000"], ["2", "1000", "24", "2000"],
    ]  # fmt: skip


def test_headers_json_records(cube, capsys):
    assert main(["headers", str(cube), "--traces", "-1", "--words", "iline,xline", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["words"] == {"iline": [189, 4], "xline": [193, 4]}
    assert data["rows"] == [{"trace": 47, "iline": 1005, "xline": 34}]


def test_headers_byte_location_options_rename_the_keys(cube, capsys):
    # --iline 193 reads the crossline word as "iline".
    assert main(["headers", str(cube), "--traces", "1", "--iline", "193", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert row["iline"] == 22


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--words", "nope"], "unknown header word 'nope'"),
        (["--words", "239"], "byte location 239=(239, 4) is invalid"),
        (["--traces", "48"], "trace 48 is outside the file's 48 traces"),
        (["--traces", "a:b"], "--traces 'a:b' is not START:STOP"),
    ],
)
def test_headers_bad_input_is_one_line(cube, capsys, argv, message):
    assert main(["headers", str(cube), *argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err


def test_parse_traces_rejects_four_parts():
    with pytest.raises(ConfigError, match="is not START:STOP"):
        parse_traces("1:2:3:4")


def test_headers_of_a_zarr_store_says_what_to_use(tmp_path, capsys):
    store = tmp_path / "line.zarr"
    pm.to_zarr(pm.synthetic_gather(n_traces=8, n_samples=16), store)
    assert main(["headers", str(store)]) == 1
    assert capsys.readouterr().err == (
        f"error: {store} is a Zarr store, which holds no trace headers: its traces are "
        f"labelled by coordinates. See them with `promethium info {store}`, or read the "
        "headers of the SEG-Y file it came from with `promethium headers FILE.sgy`.\n"
    )
