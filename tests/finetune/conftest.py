"""Fixtures of the fine-tuning tests: tiny weight sets, one torch thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

TINY = {"features": [4], "bottleneck": 8, "in_channels": 2, "dropout": 0.0}


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny networks run fastest, and share the CPU best, on one thread."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def save_untrained(path: Path, architecture: str = "unet", **params: Any) -> Path:
    """A freshly built network saved as a weight set, with a training recipe."""
    import torch

    from promethium.ml.weights import save_weights
    from promethium.train.loop.networks import network_class

    params = params or dict(TINY)
    torch.manual_seed(0)
    network = network_class(architecture)(**params)
    recipe = {"data": {"patch_size": [16, 16], "masks": [{"kind": "random", "ratio": 0.3}]}}
    return save_weights(
        network, path, config=params, metadata={"training": recipe}, architecture=architecture
    )


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory):
    """An untrained 4-channel U-Net weight set (fast; for everything but the gain)."""
    return save_untrained(tmp_path_factory.mktemp("tiny") / "unet.safetensors")


@pytest.fixture(scope="session")
def gather_weights(tmp_path_factory):
    """A small U-Net trained briefly on synthetic shot gathers only."""
    import torch

    from promethium.train.config import parse_config
    from promethium.train.loop.trainer import Trainer

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("pretrained")
    config = parse_config(
        {
            "model": {
                "architecture": "unet",
                "params": {"features": [8, 16], "bottleneck": 32, "in_channels": 2, "dropout": 0.0},
            },
            "data": {
                "synthetic": {
                    "kind": "gather",
                    "n_train": 8,
                    "n_val": 2,
                    "n_traces": 64,
                    "n_samples": 128,
                },
                "patch_size": 32,
                "stride": 16,
            },
            "training": {
                "epochs": 1,
                "steps_per_epoch": 60,
                "batch_size": 8,
                "mixed_precision": False,
                "output_dir": str(folder),
                "optimizer": {"learning_rate": 1e-3},
            },
            "tracking": {"enabled": False},
        }
    )
    try:
        return Trainer(config).fit().weights
    finally:
        torch.set_num_threads(threads)
