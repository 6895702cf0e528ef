"""Device and precision resolution for torch inference.

``device="auto"`` means CUDA where there is one, else the CPU; ``precision="auto"``
means float16 on CUDA (the seed's inference default) and float32 on the CPU, where
half precision is slow and only emulated.
"""

from __future__ import annotations

import contextlib
import typing
from typing import Any, Literal

from promethium.errors import ConfigError

__all__ = [
    "DEVICES",
    "PRECISIONS",
    "Precision",
    "autocast",
    "resolve_device",
    "resolve_precision",
]

#: Accepted values of the ``device`` option (``"cuda:N"`` is accepted too).
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")
#: The type of the ``precision`` option (used by the option schema).
Precision = Literal["auto", "float32", "float16", "bfloat16"]
#: Accepted values of the ``precision`` option.
PRECISIONS: tuple[str, ...] = typing.get_args(Precision)


def resolve_device(device: str) -> str:
    """Return a concrete torch device string for the ``device`` option.

    Parameters
    ----------
    device : str
        ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.

    Returns
    -------
    str
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.

    Raises
    ------
    ConfigError
        If the value is unknown, or CUDA is asked for where there is none.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    """
    import torch

    if not isinstance(device, str):
        raise ConfigError(f"device must be one of {DEVICES} or 'cuda:N'; got {device!r}.")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        return "cpu"
    kind, _, index = device.partition(":")
    if kind != "cuda" or (index and not index.isdigit()):
        raise ConfigError(f"device must be one of {DEVICES} or 'cuda:N'; got {device!r}.")
    if not torch.cuda.is_available():
        raise ConfigError(
            f"device={device!r} was requested but CUDA is not available on this machine "
            f"(torch {torch.__version__}); use device='auto' or device='cpu'."
        )
    if index and int(index) >= torch.cuda.device_count():
        raise ConfigError(
            f"device={device!r} does not exist: this machine has "
            f"{torch.cuda.device_count()} CUDA device(s)."
        )
    return device


def resolve_precision(precision: str, device: str) -> str:
    """Return ``"float32"``, ``"float16"`` or ``"bfloat16"`` for a resolved `device`.

    Raises
    ------
    ConfigError
        If `precision` is not one of :data:`PRECISIONS`.

    Examples
    --------
    >>> resolve_precision("auto", "cpu")
    'float32'
    >>> resolve_precision("auto", "cuda")
    'float16'
    """
    if precision not in PRECISIONS:
        raise ConfigError(f"precision must be one of {PRECISIONS}; got {precision!r}.")
    if precision == "auto":
        return "float16" if device.startswith("cuda") else "float32"
    return precision


def autocast(device: str, precision: str) -> Any:
    """A context manager running torch ops at `precision` on `device` (autocast).

    float32 needs no autocast and gets a null context.
    """
    import torch

    if precision == "float32":
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.split(":")[0], dtype=getattr(torch, precision))
