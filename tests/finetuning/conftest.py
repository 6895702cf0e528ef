"""Fixtures of the fine-tuning tests: tiny weight sets, an FD gather, one torch thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

#: A finite-difference shot gather (promethium.modeling), modelled once and kept here.
FD_GATHER = Path(__file__).parent / "data" / "fd_anticline_gather.npz"

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


@pytest.fixture(scope="session")
def fd_gather():
    """An acoustic finite-difference shot gather in an ``anticline`` velocity model.

    96 traces (12.5 m, split spread) x 128 samples (8 ms), field-like noise, scaled to
    a peak of 1. Modelled by :func:`promethium.modeling.fd_shot_gather` with the
    parameters stored beside it (``tests/finetuning/test_data.py`` checks that the
    modeller still gives it); kept as a file because modelling it takes seconds.
    """
    import numpy as np
    import xarray as xr

    with np.load(FD_GATHER) as stored:
        data, offset, time = stored["data"], stored["offset"], stored["time"]
    gather = xr.DataArray(
        data / np.abs(data).max(),
        dims=("offset", "time"),
        coords={
            "offset": ("offset", offset, {"units": "m"}),
            "time": ("time", time, {"units": "ms"}),
        },
        name="amplitude",
        attrs={"units": "1", "description": "2-D acoustic finite-difference shot gather"},
    )
    return gather
