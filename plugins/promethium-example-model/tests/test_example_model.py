"""The example plugin, as installed: found through its entry point, lazy, accurate."""

from __future__ import annotations

import json
import subprocess
import sys

import dask
import numpy as np
import pytest

import promethium as pm
from promethium.metrics import snr
from promethium.ml.weights import sha256_file, sidecar_path
from promethium.plugins import default_registry
from promethium.reconstruct import reconstruct


@pytest.fixture(scope="module")
def holed():
    truth = pm.synthetic_gather(n_traces=64, n_samples=256, noise=0.02, seed=123)
    mask = pm.random_mask(truth, 0.3, seed=7)
    return truth, pm.apply_trace_mask(truth, mask)


def test_registered_through_the_entry_point():
    spec = default_registry().get("example-cnn")
    assert (spec.family, spec.plugin) == ("example", "example-model")
    assert spec.weights is not None and spec.weights.is_file()
    sidecar = json.loads(sidecar_path(spec.weights).read_text())
    assert sidecar["sha256"] == sha256_file(spec.weights)
    assert sidecar["config"] == dict(spec.config)


def test_listing_models_does_not_import_torch():
    code = (
        "import sys, promethium as pm\n"
        "assert [m.name for m in pm.list_models('example-*')] == ['example-cnn']\n"
        "assert 'torch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_improves_over_zero_fill(holed):
    truth, data = holed
    missing = ~data["trace_mask"].values
    out = reconstruct(data, model="example-cnn")
    assert snr(truth, out, missing) > snr(truth, data, missing) + 3.0  # zero-fill: 0 dB
    np.testing.assert_array_equal(out.values[~missing], data.values[~missing])


def test_lazy_and_chunk_invariant(holed):
    _, data = holed
    expected = reconstruct(data, model="example-cnn")
    calls = []

    def counting(dsk, keys, **kwargs):
        calls.append(1)
        return dask.get(dsk, keys, **kwargs)

    with dask.config.set(scheduler=counting):
        lazy = reconstruct(data.chunk({"time": 96}), model="example-cnn")
    assert not calls and isinstance(lazy.data, dask.array.Array)
    np.testing.assert_allclose(lazy.values, expected.values, atol=1e-5)


def test_model_contract():
    pm.testing.assert_reconstruction_contract("example-cnn")


def test_options_declare_the_trained_patch_size(holed):
    (row,) = pm.list_models("example-cnn")
    options = {o.name: o.default for o in row.options}
    assert options["patch_size"] == (32, 64)
    assert isinstance(pm.create_model("example-cnn"), pm.Reconstructor)
    with pytest.raises(pm.ConfigError, match=r"got precision='half'"):
        reconstruct(holed[1], "example-cnn", precision="half")
