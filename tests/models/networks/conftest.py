"""Helpers shared by the network tests: a tiny masked-reconstruction problem."""

from __future__ import annotations

import pytest
import torch

import promethium as pm


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny networks run fastest, and share the CPU best, on one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def masked_problem():
    """(inputs, target, missing): 2 patches 16x24 of a gather, every third trace zeroed."""
    gather = pm.synthetic_gather(n_traces=32, n_samples=24, dt_ms=8.0, seed=5).values
    data = torch.tensor(gather).reshape(2, 1, 16, 24)
    data = data / data.abs().amax()
    live = torch.ones(1, 1, 16, 1)
    live[:, :, 1::3] = 0.0
    return data * live, data, 1.0 - live


@pytest.fixture
def train_steps():
    """``train_steps(net, step_loss, steps, lr)``: Adam steps, the loss before each."""
    return _train_steps


def _train_steps(net, step_loss, steps: int = 8, lr: float = 1e-2) -> list[float]:
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = step_loss()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return losses


@pytest.fixture
def engine_reconstruct():
    """``engine_reconstruct(network, config, **options)``: run through ``TorchModel``."""
    return _engine_reconstruct


def _engine_reconstruct(network, config, **options):
    import numpy as np

    from promethium.core.mask import apply_trace_mask
    from promethium.ml.options import TorchOptions
    from promethium.ml.torch_model import TorchModel

    gather = pm.synthetic_gather(n_traces=16, n_samples=32, seed=1)
    live = np.ones(16, bool)
    live[[3, 8, 9]] = False
    model = TorchModel(network, config, in_channels=1, name=network.__name__)
    out = model.reconstruct(apply_trace_mask(gather, live), TorchOptions(patch_size=16, **options))
    return gather, live, out
