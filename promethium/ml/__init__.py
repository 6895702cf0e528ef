"""Patch inference for Promethium's models.

The global patch grid, Hann blending, lazy batched prediction, device and precision,
a per-process model cache, safe weights, and :class:`TorchModel`.

Nothing here imports torch at import time.
"""

from __future__ import annotations

from promethium.core.chunks import merge_small_chunks
from promethium.ml.blend import hann_window, patch_weights, weight_sum
from promethium.ml.cache import cached_model, clear_model_cache, model_cache_size
from promethium.ml.device import resolve_device, resolve_precision
from promethium.ml.engine import (
    RECHUNK_ATTR,
    PatchPredictor,
    predict_patches,
    predict_patches_stack,
)
from promethium.ml.grid import PatchGrid, patch_starts, resolve_patch_size
from promethium.ml.torch_model import TorchModel, TorchPredictor, network_reference
from promethium.ml.weights import load_weights, read_sidecar, save_weights, sha256_file

__all__ = [
    "RECHUNK_ATTR",
    "PatchGrid",
    "PatchPredictor",
    "TorchModel",
    "TorchPredictor",
    "cached_model",
    "clear_model_cache",
    "hann_window",
    "load_weights",
    "merge_small_chunks",
    "model_cache_size",
    "network_reference",
    "patch_starts",
    "patch_weights",
    "predict_patches",
    "predict_patches_stack",
    "read_sidecar",
    "resolve_device",
    "resolve_patch_size",
    "resolve_precision",
    "save_weights",
    "sha256_file",
    "weight_sum",
]
