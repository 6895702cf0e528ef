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
