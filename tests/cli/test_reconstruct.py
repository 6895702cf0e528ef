from __future__ import annotations

import numpy as np
import pytest

import promethium as pm
from promethium.cli import main


@pytest.fixture
def small(tmp_path):
    """A 16-trace gather with 4 dead traces."""
    da = pm.synthetic_gather(n_traces=16, n_samples=64, seed=2)
    holed = pm.apply_trace_mask(da, pm.random_mask(da, 0.25, seed=3))
    path = tmp_path / "small.sgy"
    pm.to_segy(holed, path)
    return path


def test_uncertainty_writes_mean_and_std_in_one_pass(small, tmp_path, capsys):
    out, store = tmp_path / "filled.sgy", tmp_path / "unc.zarr"
    argv = ["reconstruct", str(small), str(out), "-m", "example-cnn", "--uncertainty", str(store)]
    assert main([*argv, "-q"]) == 0
    assert "std is 0 everywhere" in capsys.readouterr().err  # one member: the model says so
    ds = pm.open_zarr(store, dataset=True)
    assert set(ds.data_vars) == {"mean", "std"}
    # The SEG-Y output holds the mean: the same samples as the store's mean.
    np.testing.assert_allclose(pm.open_segy(out).values, ds["mean"].values, rtol=1e-6)
    assert ds["std"].shape == ds["mean"].shape and float(ds["std"].min()) >= 0.0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--uncertainty", "u.txt"], "name it *.zarr"),
        (["--uncertainty", "o.zarr"], "is the output itself"),
        (["-o", "return_uncertainty=true"], "--uncertainty STORE.zarr"),
    ],
)
def test_uncertainty_bad_targets(small, tmp_path, capsys, extra, message):
    extra = [str(tmp_path / e) if e.startswith(("u.", "o.")) else e for e in extra]
    argv = ["reconstruct", str(small), str(tmp_path / "o.zarr"), "-m", "example-cnn", *extra]
    assert main(argv) == 1
    assert message in capsys.readouterr().err
    assert not list(tmp_path.glob("*.zarr"))


def test_uncertainty_store_must_not_exist(small, tmp_path, capsys):
    store = tmp_path / "u.zarr"
    store.mkdir()
    argv = ["reconstruct", str(small), str(tmp_path / "o.zarr"), "--uncertainty", str(store)]
    assert main(argv) == 1
    assert f"{store} exists; pass --overwrite" in capsys.readouterr().err


@pytest.fixture
def corner(tmp_path):
    """A 4 x 8 cube whose first inline lacks its first two crosslines (never shot)."""
    import segyio

    grid = [(i, x) for i in range(1, 5) for x in range(10, 18) if (i, x) not in {(1, 10), (1, 11)}]
    t = np.arange(32) * 0.004
    spec = segyio.spec()
    spec.iline, spec.xline, spec.format, spec.samples, spec.tracecount = (
        189, 193, 5, range(32), len(grid)
    )  # fmt: skip
    path = tmp_path / "corner.sgy"
    with segyio.create(str(path), spec) as f:
        for k, (il, xl) in enumerate(grid):
            f.header[k] = {189: il, 193: xl, 117: 4000, 115: 32}
            f.trace[k] = np.sin(2 * np.pi * 15 * (t - 0.003 * xl)).astype(np.float32)
        f.bin.update(hdt=4000, hns=32)
    return path


def test_extrapolate_fills_positions_beyond_the_recorded_line(corner, tmp_path, capsys):
    plain, extra = tmp_path / "plain.zarr", tmp_path / "extra.zarr"
    base = ["reconstruct", str(corner), "-m", "linear", "-q"]
    assert main([*base[:2], str(plain), *base[2:]]) == 0
    assert main([*base[:2], str(extra), *base[2:], "--extrapolate"]) == 0
    left, right = pm.open_zarr(plain), pm.open_zarr(extra)
    corner_cells = {"iline": 1, "xline": [10, 11]}
    assert not left.trace_filled.sel(corner_cells).any()  # left unfilled by default
    assert right.trace_filled.sel(corner_cells).all()
    assert np.abs(right.sel(corner_cells).values).sum() > 0


def test_refill_on_an_output_refills_what_a_model_filled(survey, tmp_path, capsys):
    first, again = tmp_path / "first.zarr", tmp_path / "again.zarr"
    assert main(["reconstruct", str(survey), str(first), "-m", "linear", "-q"]) == 0
    assert main(["reconstruct", str(first), str(again), "-m", "pocs", "--refill"]) == 0
    filled_before = pm.open_zarr(first).trace_filled.values
    after = pm.open_zarr(again)
    assert filled_before.any() and bool(after.trace_filled.values[filled_before].all())
    assert f"filled {int(filled_before.sum())} of 32 traces" in capsys.readouterr().out


def test_mark_filled_records_the_filled_traces_in_the_segy_output(survey, tmp_path, capsys):
    out = tmp_path / "filled.sgy"
    argv = ["reconstruct", str(survey), str(out), "-m", "linear", "--mark-filled", "-q"]
    assert main(argv) == 0
    filled = pm.open_segy(out).trace_filled.values
    dead = ~pm.infer_trace_mask(pm.open_segy(survey)).values
    np.testing.assert_array_equal(filled, dead)
    assert main(["info", str(out), "--json"]) == 0
    import json

    assert json.loads(capsys.readouterr().out)["traces"]["filled"] == int(dead.sum()) == 8
    assert main(["info", str(out)]) == 0
    assert "8 filled (25.0%)" in capsys.readouterr().out


def test_mark_filled_is_for_segy_output(survey, tmp_path, capsys):
    argv = ["reconstruct", str(survey), str(tmp_path / "o.zarr"), "--mark-filled"]
    assert main(argv) == 1
    assert "--mark-filled applies to SEG-Y output" in capsys.readouterr().err


def test_dry_run_prints_the_resolved_settings_and_writes_nothing(cube, tmp_path, capsys):
    out = tmp_path / "filled.sgy"
    argv = ["reconstruct", str(cube), str(out), "-m", "pocs", "-o", "n_iter=20", "--dry-run"]
    assert main([*argv, "--sel", "iline=1001:1003", "--extrapolate"]) == 0
    text = capsys.readouterr().out
    lines = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip()
             for line in text.splitlines()}  # fmt: skip
    assert lines["model"].startswith("pocs (classical, version")
    assert lines["n_iter"] == "20 (given)" and lines["extrapolate"] == "true (given)"
    assert lines["thresholding"].endswith("(default)") and lines["refill"] == "false (default)"
    assert lines["dims"] == "iline=3, xline=8, time=40"
    assert lines["chunks"].startswith("iline=3, xline=8, time=40")
    assert lines["selection"] == "--sel iline=1001:1003"
    assert lines["output"] == f"{out}, SEG-Y" and lines["headers"] == f"copied from {cube}"
    assert lines["computes"] == "24 trace positions of 40 samples (3.8 KiB as float32)"
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["cube.sgy"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-o", "n_itr=3"], "model 'pocs' does not accept the option 'n_itr'"),
        (["-o", "n_iter=-1"], "n_iter"),
        (["--config", "nope=1"], "nope"),
    ],
)
def test_dry_run_checks_options_as_the_run_does(cube, tmp_path, capsys, extra, message):
    argv = ["reconstruct", str(cube), str(tmp_path / "o.zarr"), "-m", "pocs", "--dry-run"]
    assert main([*argv, *extra]) == 1
    assert message in capsys.readouterr().err


def test_dry_run_refuses_an_existing_output(cube, tmp_path, capsys):
    out = tmp_path / "o.zarr"
    out.mkdir()
    assert main(["reconstruct", str(cube), str(out), "--dry-run"]) == 1
    assert "exists; pass --overwrite" in capsys.readouterr().err
    assert main(["reconstruct", str(cube), str(out), "--dry-run", "--overwrite"]) == 0
    assert "(replaces the existing one)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "where"), [("o.zarr", "trace_mask False"), ("o.sgy", "not written")]
)
def test_the_summary_counts_positions_left_unfilled(corner, tmp_path, capsys, name, where):
    out = tmp_path / name
    assert main(["reconstruct", str(corner), str(out), "-m", "linear"]) == 0
    summary = capsys.readouterr().out
    assert f"filled 0 of 32 traces; 2 grid position(s) left unfilled ({where})" in summary


def test_an_existing_output_is_refused_before_any_work(corner, tmp_path, capsys):
    out = tmp_path / "o.sgy"
    out.write_bytes(b"keep me")
    assert main(["reconstruct", str(corner), str(out), "-m", "linear"]) == 1
    err = capsys.readouterr().err
    assert "o.sgy exists; pass --overwrite" in err
    assert "left unfilled" not in err  # no model ran, so no model warning
    assert out.read_bytes() == b"keep me"
    assert main(["reconstruct", str(corner), str(out), "-m", "linear", "--overwrite", "-q"]) == 0
    assert pm.open_segy(out).sizes == pm.open_segy(corner).sizes


@pytest.mark.parametrize("command", ["reconstruct", "convert"])
def test_the_input_is_never_the_output(corner, tmp_path, capsys, command):
    before = corner.read_bytes()
    link = tmp_path / "link.sgy"
    link.symlink_to(corner)
    for target in (corner, link):
        assert main([command, str(corner), str(target), "--overwrite"]) == 1
        err = capsys.readouterr().err
        assert f"the output {target} is the input {corner}; inputs are never modified" in err
        assert "left unfilled" not in err  # refused before any work
    assert corner.read_bytes() == before
