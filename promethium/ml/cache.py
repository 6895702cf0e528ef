"""A per-process cache of built models, so each worker builds a model once.

The dask graph carries only a model *reference* (import path, config, weights hash,
device); the first task in a process builds the model and later tasks reuse it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["cached_model", "clear_model_cache", "model_cache_size"]

_models: dict[Hashable, Any] = {}
_lock = threading.Lock()


def cached_model(key: Hashable, build: Callable[[], Any]) -> Any:
    """Return the model cached under `key`, building it with `build()` once.

    Thread-safe: concurrent callers in one process wait for one build.
    """
    model = _models.get(key)
    if model is not None:
        return model
    with _lock:
        model = _models.get(key)
        if model is None:
            model = build()
            _models[key] = model
    return model


def model_cache_size() -> int:
    """Number of models cached in this process."""
    return len(_models)


def clear_model_cache() -> None:
    """Drop every cached model of this process (and free cached CUDA memory).

    Examples
    --------
    >>> clear_model_cache()
    >>> model_cache_size()
    0
    """
    import sys

    with _lock:
        _models.clear()
    torch = sys.modules.get("torch")  # never import torch just to clear
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()
