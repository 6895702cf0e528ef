from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from promethium.errors import PluginError


@pytest.fixture
def no_unpickling(monkeypatch):
    """Any unpickling while this fixture is active fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("something was unpickled")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)


def test_pyfunc_predicts_what_the_network_computes(logged, monkeypatch, no_unpickling):
    import mlflow.pyfunc
    import torch

    monkeypatch.setenv("MLFLOW_TRACKING_URI", logged.uri)
    model = mlflow.pyfunc.load_model("models:/unet-test@candidate")
    patches = np.random.default_rng(0).standard_normal((2, 13, 21)).astype(np.float32)
    got = model.predict(patches)
    with torch.no_grad():
        want = logged.network(torch.from_numpy(patches)[:, None])[:, 0].numpy()
    assert got.shape == (2, 13, 21) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_pyfunc_model_has_a_signature_and_no_pickle(logged, tmp_path):
    import mlflow.artifacts
    from mlflow.models import Model

    local = mlflow.artifacts.download_artifacts(
        artifact_uri=f"{logged.model.model_uri}", dst_path=str(tmp_path),
        tracking_uri=logged.uri,
    )  # fmt: skip
    files = {p.relative_to(local).as_posix() for p in Path(local).rglob("*")}
    assert not [f for f in files if f.endswith((".pkl", ".pickle", ".pt", ".pth"))]
    assert {"artifacts/model.safetensors", "artifacts/model.json", "MLmodel"} <= files
    meta = Model.load(local)
    inputs = meta.signature.inputs.to_dict()
    spec = {"dtype": "float32", "shape": (-1, -1, -1)}
    assert inputs == [{"type": "tensor", "tensor-spec": spec}]
    reqs = (Path(local) / "requirements.txt").read_text()
    assert "torch==" in reqs and "safetensors==" in reqs


def test_pyfunc_refuses_patches_of_the_wrong_rank(logged, monkeypatch):
    import mlflow.pyfunc

    monkeypatch.setenv("MLFLOW_TRACKING_URI", logged.uri)
    model = mlflow.pyfunc.load_model(logged.model.model_uri)
    with pytest.raises(Exception, match=r"dims|shape"):
        model.predict(np.zeros((13, 21), np.float32))


def test_network_class_names_an_importable_class():
    from promethium.tracking.pyfunc import network_class

    assert network_class("promethium.models.networks.unet:UNet").__name__ == "UNet"
    with pytest.raises(PluginError, match="cannot be imported"):
        network_class("promethium.models.networks.unet:NoSuchNet")
