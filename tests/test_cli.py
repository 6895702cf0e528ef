"""The `promethium` command, run in-process through `main(argv)` and as a subprocess."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import promethium as pm
from promethium.cli import main


@pytest.fixture
def survey(tmp_path):
    """A SEG-Y shot gather with 25% of its traces dead."""
    da = pm.synthetic_gather(n_traces=32, n_samples=96, seed=5)
    holed = pm.apply_trace_mask(da, pm.random_mask(da, 0.25, seed=1))
    path = tmp_path / "line.sgy"
    pm.to_segy(holed, path)
    return path


def test_help_on_every_command():
    for command in ([], ["info"], ["headers"], ["convert"], ["reconstruct"], ["plot"], ["plugins"]):
        out = subprocess.run(
            [sys.executable, "-m", "promethium.cli", *command, "--help"],
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr
        assert "Usage" in out.stdout


def test_info_summarizes_geometry(survey, capsys):
    assert main(["info", str(survey), "--dead-traces"]) == 0
    text = capsys.readouterr().out
    assert "32" in text and "96" in text
    assert "4 ms" in text or "4.0 ms" in text or "4000 us" in text
    assert "dead" in text.lower()


def test_convert_round_trip_segy_zarr_segy(survey, tmp_path, capsys):
    store = tmp_path / "line.zarr"
    back = tmp_path / "back.sgy"
    assert main(["convert", str(survey), str(store), "--no-progress"]) == 0
    assert main(["convert", str(store), str(back), "--like", str(survey), "--no-progress"]) == 0
    assert back.read_bytes() == survey.read_bytes()  # headers and samples byte-identical


def test_reconstruct_fills_dead_traces_and_keeps_headers(survey, tmp_path, capsys):
    out = tmp_path / "filled.sgy"
    argv = ["reconstruct", str(survey), str(out), "--model", "pocs", "--patch-size", "32"]
    assert main([*argv, "--no-progress"]) == 0
    before, after = pm.open_segy(survey).load(), pm.open_segy(out).load()
    dead = ~pm.infer_trace_mask(before).values
    assert dead.any() and (np.abs(after.values[dead]).sum(axis=-1) > 0).all()
    np.testing.assert_array_equal(after.values[~dead], before.values[~dead])
    # Trace headers are untouched: every byte before the first sample is the same.
    assert out.read_bytes()[:3840] == survey.read_bytes()[:3840]


def test_user_mistakes_print_one_line_and_exit_1(tmp_path, capsys):
    assert main(["info", str(tmp_path / "nope.sgy")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "nope.sgy" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_model_names_the_closest_match(survey, tmp_path, capsys):
    assert main(["reconstruct", str(survey), str(tmp_path / "o.sgy"), "-m", "poc"]) == 1
    assert "pocs" in capsys.readouterr().err


def test_existing_output_needs_overwrite(survey, tmp_path, capsys):
    target = tmp_path / "o.zarr"
    assert main(["convert", str(survey), str(target), "--no-progress"]) == 0
    assert main(["convert", str(survey), str(target), "--no-progress"]) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert main(["convert", str(survey), str(target), "--overwrite", "--no-progress"]) == 0


def test_debug_shows_the_traceback(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "promethium.cli", "--debug", "info", str(tmp_path / "x.sgy")],
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0 and "Traceback" in out.stderr


def test_plugins_lists_models(capsys):
    assert main(["plugins"]) == 0
    text = capsys.readouterr().out
    assert "pocs" in text and "linear" in text and "classical" in text


def test_reconstruct_appends_traces_absent_from_the_file(tmp_path, capsys):
    """A cube missing traces: --absent insert writes the filled positions, in sort order."""
    import segyio

    ilines, xlines = np.arange(1, 5), np.arange(10, 18)
    grid = [(i, x) for i in ilines for x in xlines if (i, x) not in {(2, 12), (3, 15)}]
    t = np.arange(40) * 0.004
    path = tmp_path / "cube.sgy"
    spec = segyio.spec()
    spec.iline, spec.xline, spec.format, spec.samples, spec.tracecount = (
        189,
        193,
        5,
        range(40),
        len(grid),
    )
    with segyio.create(str(path), spec) as f:
        for k, (il, xl) in enumerate(grid):
            f.header[k] = {189: int(il), 193: int(xl), 117: 4000, 115: 40}
            f.trace[k] = np.sin(2 * np.pi * 20 * (t - 0.002 * xl)).astype(np.float32)
        f.bin.update(hdt=4000, hns=40)
    out = tmp_path / "filled.sgy"
    argv = ["reconstruct", str(path), str(out), "-m", "linear"]  # --absent insert is the default
    assert main([*argv, "--no-progress"]) == 0
    filled = pm.open_segy(out).load()
    assert filled.sizes == {"iline": 4, "xline": 8, "time": 40}
    assert bool(filled.trace_mask.all())
    assert np.abs(filled.sel(iline=2, xline=12).values).sum() > 0
    with segyio.open(str(path), ignore_geometry=True) as src, segyio.open(str(out)) as dst:
        assert dst.tracecount == 32 and list(dst.ilines) == list(ilines)
        np.testing.assert_array_equal(segyio.tools.cube(dst), filled.values)
        originals = {tuple(src.header[k].values()) for k in range(src.tracecount)}
        assert originals <= {tuple(dst.header[k].values()) for k in range(dst.tracecount)}


@pytest.mark.parametrize("name", ["out.txt", "out", "out.zar"])
def test_convert_refuses_an_unknown_output_suffix(survey, tmp_path, capsys, name):
    assert main(["convert", str(survey), str(tmp_path / name)]) == 1
    err = capsys.readouterr().err
    assert name in err and ".zarr" in err and ".sgy" in err and ".segy" in err
    assert not (tmp_path / name).exists()


def test_convert_accepts_segy_suffixes_in_any_case(survey, tmp_path):
    assert main(["convert", str(survey), str(tmp_path / "OUT.SEGY")]) == 0
    np.testing.assert_array_equal(
        pm.open_segy(tmp_path / "OUT.SEGY").values, pm.open_segy(survey).values
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["info", "x.sgy", "--iline-typo", "3"], "No such option"),
        (["recontruct", "a", "b"], "No such command"),
        (["info"], "Missing argument"),
        (["reconstruct", "a.sgy", "b.sgy", "--batch-size", "abc"], "Invalid value"),
    ],
)
def test_usage_mistakes_print_usage_not_a_traceback(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("promethium ")


def test_byte_locations_and_model_options_on_the_command_line(tmp_path, capsys):
    """A cube with inline/crossline at 221/225: flags make it a cube again."""
    import xarray as xr

    cube = xr.DataArray(
        np.random.default_rng(0).standard_normal((4, 6, 32)).astype(np.float32),
        dims=("iline", "xline", "time"),
        coords={"iline": np.arange(1, 5), "xline": np.arange(10, 16),
                "time": ("time", np.arange(32) * 4.0, {"units": "ms"})},
    )  # fmt: skip
    std = tmp_path / "std.sgy"
    pm.to_segy(cube, std)
    raw = bytearray(std.read_bytes())
    trace_len = 240 + 32 * 4
    for k in range(24):  # move the line numbers from 189/193 to 221/225
        o = 3600 + k * trace_len
        raw[o + 220 : o + 228] = raw[o + 188 : o + 196]
        raw[o + 188 : o + 196] = bytes(8)
    odd = tmp_path / "odd.sgy"
    odd.write_bytes(bytes(raw))

    assert main(["info", str(odd)]) == 0
    assert "--iline 221 --xline 225" in capsys.readouterr().out

    out = tmp_path / "filled.sgy"
    argv = ["reconstruct", str(odd), str(out), "-m", "pocs", "--iline", "221", "--xline", "225"]
    assert main([*argv, "-o", "n_iter=3", "-o", "patch_size=16", "--no-progress"]) == 0
    filled = pm.open_segy(out, iline=221, xline=225)
    assert filled.dims == ("iline", "xline", "time")


def test_warnings_print_as_one_line(tmp_path, capsys):
    store = tmp_path / "full.zarr"
    da = pm.synthetic_gather(n_traces=8, n_samples=16)
    pm.to_zarr(pm.with_trace_mask(da, np.ones(8, dtype=bool)), store)  # nothing missing
    assert main(["reconstruct", str(store), str(tmp_path / "o.zarr"), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: ") and len(err.strip().splitlines()) == 1
    assert "missing" in err and "Traceback" not in err


def test_absent_needs_like(survey, tmp_path, capsys):
    store = tmp_path / "s.zarr"
    assert main(["convert", str(survey), str(store), "--no-progress"]) == 0
    assert main(["convert", str(store), str(tmp_path / "o.sgy"), "--absent", "append"]) == 1
    assert "--absent applies when writing SEG-Y with --like" in capsys.readouterr().err


def test_bad_option_pair(survey, tmp_path, capsys):
    assert main(["reconstruct", str(survey), str(tmp_path / "o.sgy"), "-o", "n_iter"]) == 1
    assert "is not KEY=VALUE" in capsys.readouterr().err


def test_like_absent_and_uncertainty_are_checked_before_any_work(survey, tmp_path, capsys):
    store = tmp_path / "s.zarr"
    assert main(["convert", str(survey), str(store), "--no-progress"]) == 0
    capsys.readouterr()
    cases = [
        (["reconstruct", str(store), str(tmp_path / "a.sgy"), "--like", str(store)],
         "--like must be a SEG-Y file"),
        (["reconstruct", str(survey), str(tmp_path / "b.sgy"), "--absent", "foo"],
         "--absent must be 'skip' or 'insert'"),
        (["convert", str(survey), str(tmp_path / "c.zarr"), "--absent", "append"],
         "--absent applies when writing SEG-Y"),
        (["reconstruct", str(survey), str(tmp_path / "d.sgy"), "-o", "return_uncertainty=true"],
         "--uncertainty STORE.zarr"),
    ]  # fmt: skip
    for argv, message in cases:
        assert main([*argv, "--no-progress"]) == 1, argv
        assert message in capsys.readouterr().err
    assert not any(tmp_path.glob("[abcd].*"))


def test_reconstruct_reports_how_many_traces_it_filled(survey, tmp_path, capsys):
    out = tmp_path / "filled.zarr"
    argv = ["reconstruct", str(survey), str(out), "-m", "pocs", "-o", "patch_size=16"]
    assert main([*argv, "--no-progress"]) == 0
    assert "pocs filled 8 of 32 traces" in capsys.readouterr().out


def test_reconstruct_warns_when_a_segy_survey_had_nothing_missing(tmp_path, capsys):
    full = tmp_path / "full.sgy"
    pm.to_segy(pm.synthetic_gather(n_traces=8, n_samples=16), full)  # lazy mask on reading
    assert main(["reconstruct", str(full), str(tmp_path / "o.sgy"), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert "filled 0 of 8 traces" in captured.out
    assert "warning: no trace was missing" in captured.err
