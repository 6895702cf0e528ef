"""The random states a resumed run needs: Python, NumPy, torch and CUDA, as data.

:func:`capture_rng` splits them into tensors (for safetensors) and JSON values;
:func:`restore_rng` puts them back, so dropout masks and VAE samples after a resume
are the ones the uninterrupted run would have drawn.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

__all__ = ["capture_rng", "restore_rng"]


def capture_rng() -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The current random states: ``(tensors, plain)``."""
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)  # noqa: NPY002
    tensors = {
        "rng.torch": torch.get_rng_state(),
        "rng.numpy": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        for i, state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda.{i}"] = state
    plain = {
        "python": [version, list(internal), gauss],
        "numpy": [name, int(pos), int(has_gauss), float(cached)],
    }
    return tensors, plain


def restore_rng(tensors: Mapping[str, torch.Tensor], plain: Mapping[str, Any]) -> None:
    """Restore the states :func:`capture_rng` returned."""
    version, internal, gauss = plain["python"]
    random.setstate((version, tuple(internal), gauss))
    name, pos, has_gauss, cached = plain["numpy"]
    keys = tensors["rng.numpy"].numpy().astype(np.uint32)
    np.random.set_state((name, keys, pos, has_gauss, cached))  # noqa: NPY002
    torch.set_rng_state(tensors["rng.torch"])
    cuda = sorted(k for k in tensors if k.startswith("rng.cuda."))
    if cuda and torch.cuda.is_available():
        states = [tensors[k] for k in sorted(cuda, key=lambda k: int(k.rsplit(".", 1)[1]))]
        torch.cuda.set_rng_state_all(states[: torch.cuda.device_count()])
