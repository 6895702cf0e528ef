"""One real SQLite tracking store per test session, with one logged and registered run.

Creating an MLflow SQLite store runs its database migrations (seconds), so the store
and the run logged into it are shared; tests that change the store log their own runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

CONFIG = {
    "model": {"architecture": "unet", "params": {"features": [4, 8], "bottleneck": 8}},
    "training": {"epochs": 3, "learning_rate": 1e-3, "scheduler": {"factor": 0.5}},
}
EPOCHS = [
    {"train_loss": 0.9, "val_loss": 1.0, "learning_rate": 1e-3,
     "validation": {"snr_improvement_db": 1.5, "ssim": 0.4, "mse": 0.2, "coherence": 0.5}},
    {"train_loss": 0.6, "val_loss": 0.7, "learning_rate": 1e-3,
     "validation": {"snr_improvement_db": 3.0, "ssim": 0.6, "mse": 0.1, "coherence": 0.7}},
    {"train_loss": 0.4, "val_loss": 0.5, "learning_rate": 5e-4,
     "validation": {"snr_improvement_db": 4.5, "ssim": 0.7, "mse": 0.05, "coherence": 0.8}},
]  # fmt: skip


@dataclass(frozen=True)
class Logged:
    uri: str
    run_id: str
    model: Any
    network: Any
    name: str = "unet-test"
    alias: str = "candidate"


@pytest.fixture(scope="session")
def store(tmp_path_factory):
    """The URI of a fresh SQLite tracking store (its tables created once)."""
    from mlflow import MlflowClient

    folder = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    MlflowClient(uri).search_experiments()  # runs the migrations once
    return uri


def tiny_unet(seed: int = 0):
    import torch

    from promethium.models.networks.unet import UNet

    torch.manual_seed(seed)
    return UNet(**CONFIG["model"]["params"]).eval()


@pytest.fixture(scope="session")
def logged(store, gather):
    """A three-epoch run with its figure and a registered, aliased model."""
    from promethium.tracking import Tracker, TrackingConfig

    settings = TrackingConfig(
        tracking_uri=store, experiment="tests", register_as="unet-test", aliases=["candidate"]
    )
    network = tiny_unet()
    with Tracker(settings) as tracker:
        run_id = tracker.start(CONFIG)
        for epoch, metrics in enumerate(EPOCHS):
            tracker.log_epoch(epoch, **metrics)
        after = gather.copy(data=np.asarray(gather) * 0.5)
        tracker.log_comparison(gather, after)
        model = tracker.log_model(network, architecture="unet", config=CONFIG["model"]["params"])
    return Logged(store, run_id, model, network)
