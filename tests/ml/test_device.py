"""Device and precision resolution, the model cache, and lazy torch imports."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from promethium.errors import ConfigError
from promethium.ml.cache import cached_model, clear_model_cache, model_cache_size
from promethium.ml.device import autocast, resolve_device, resolve_precision


def test_auto_device_and_precision() -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto") == expected
    assert resolve_device("cpu") == "cpu"
    assert resolve_precision("auto", "cpu") == "float32"
    assert resolve_precision("auto", "cuda:0") == "float16"
    assert resolve_precision("bfloat16", "cpu") == "bfloat16"


@pytest.mark.parametrize("device", ["gpu", "cuda:x", "", 0, None])
def test_unknown_device(device: object) -> None:
    with pytest.raises(ConfigError, match="device must be one of"):
        resolve_device(device)  # type: ignore[arg-type]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA error")
@pytest.mark.parametrize("device", ["cuda", "cuda:1"])
def test_cuda_without_cuda(device: str) -> None:
    with pytest.raises(ConfigError, match=r"CUDA is not available.*device=.cpu."):
        resolve_device(device)


def test_autocast_runs_at_the_requested_precision() -> None:
    conv = torch.nn.Conv2d(1, 1, 3)
    with autocast("cpu", "bfloat16"):
        assert conv(torch.ones(1, 1, 5, 5)).dtype == torch.bfloat16
    with autocast("cpu", "float32"):
        assert conv(torch.ones(1, 1, 5, 5)).dtype == torch.float32


def test_cache_builds_once_and_clears() -> None:
    clear_model_cache()
    built = []
    for _ in range(3):
        cached_model(("k",), lambda: built.append(1) or object())
    assert built == [1] and model_cache_size() == 1
    clear_model_cache()
    assert model_cache_size() == 0


def test_importing_the_engine_does_not_import_torch() -> None:
    code = (
        "import sys, promethium.ml, promethium.ml.engine, promethium.ml.torch_model;"
        "assert 'torch' not in sys.modules, 'torch imported';"
        "assert 'safetensors' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
