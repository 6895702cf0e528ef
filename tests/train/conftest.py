"""Fixtures of the training tests: one torch thread, tiny configurations."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny networks run fastest, and share the CPU best, on one thread."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_raw(tmp_path: Any, architecture: str = "unet", **training: Any) -> dict[str, Any]:
    """A raw configuration that trains in well under a second per epoch."""
    params: dict[str, Any] = {"features": [4], "bottleneck": 8, "in_channels": 2}
    if architecture == "vae":
        params = {"latent_dim": 4, "encoder_features": [4], "in_channels": 2}
    elif architecture == "gan":
        params = {
            "generator": {"params": params},
            "discriminator": {"params": {"features": [4, 8]}},
        }
    elif architecture == "pinn":
        params = {"backbone_params": params}
    return {
        "model": {"architecture": architecture, "params": params},
        "data": {
            "synthetic": {"n_train": 2, "n_val": 1, "n_traces": 16, "n_samples": 32},
            "patch_size": 16,
            "stride": 16,
        },
        "training": {
            "epochs": 2,
            "batch_size": 2,
            "mixed_precision": False,
            "output_dir": str(tmp_path / "run"),
            **training,
        },
        "tracking": {"enabled": False},  # tests/tracking/test_training.py tracks
    }
