"""Monte Carlo dropout whose masks depend on the patch, not on the batch or thread.

Imported only when MC dropout is used (it imports torch). Each ``nn.Dropout`` /
``nn.DropoutNd`` layer of a network gets a forward hook; inside :func:`mc_seeds` the
hook replaces the layer's (eval-mode, identity) output by ``x * mask / (1 - p)``
where each sample's mask is drawn from a generator seeded by (seed, weight set, pass,
patch key, layer, call). The same patch thus gets the same masks whatever the chunking,
batch composition or thread, and other layers (batch norm, ...) stay in eval mode.

A network that samples by itself (a VAE's posterior) declares ``mc_sampling = True``
and draws its noise with :func:`mc_normal`, seeded the same way: it is then an MC
ensemble member without dropout layers.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from promethium.errors import ConfigError

__all__ = ["install_mc_dropout", "mc_normal", "mc_seeds"]

_state = threading.local()
_SUPPORTED = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d)


@contextlib.contextmanager
def mc_seeds(seed: int, member: int, mc_pass: int, keys: np.ndarray) -> Iterator[None]:
    """Activate MC dropout in this thread with per-sample seeds from patch `keys`."""
    bases = [
        np.random.SeedSequence([seed, member, mc_pass, *(int(v) for v in key)]).generate_state(1)[0]
        for key in np.asarray(keys, dtype=np.int64) % (1 << 62)
    ]
    _state.bases, _state.calls = bases, {}
    try:
        yield
    finally:
        _state.bases, _state.calls = None, {}


def mc_normal(like: torch.Tensor, stream: int = 0) -> torch.Tensor | None:
    """Standard normal noise shaped like `like`, one draw per patch; None outside MC passes.

    Inside :func:`mc_seeds` each sample's noise comes from a generator seeded by its
    patch key, the `stream` and the number of earlier draws of that stream, so it does
    not depend on chunking, batching or thread. Outside (a deterministic pass) it is
    None: the network then uses its deterministic output (e.g. the posterior mean).
    """
    bases = getattr(_state, "bases", None)
    if bases is None:
        return None
    key = ("normal", stream)
    call = _state.calls.get(key, 0)
    _state.calls[key] = call + 1
    draws = []
    for base in bases:
        state = np.random.SeedSequence([int(base), 1 << 31, stream, call]).generate_state(2)
        g = torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))
        draws.append(torch.randn(tuple(like.shape[1:]), generator=g))
    return torch.stack(draws).to(device=like.device, dtype=like.dtype)


def _hook(layer_index: int) -> Any:
    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> Any:
        bases = getattr(_state, "bases", None)
        p = float(module.p)  # type: ignore[arg-type]
        if bases is None or p == 0.0:
            return None
        x = inputs[0]
        call = _state.calls.get(layer_index, 0)
        _state.calls[layer_index] = call + 1
        if isinstance(module, nn.Dropout):
            shape = tuple(x.shape[1:])
        else:  # channel dropout: one draw per (sample, channel)
            shape = (x.shape[1],) + (1,) * (x.ndim - 2)
        masks = []
        for base in bases:
            state = np.random.SeedSequence([int(base), layer_index, call]).generate_state(2)
            g = torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))
            masks.append(torch.rand(shape, generator=g) >= p)
        keep = torch.stack(masks).to(device=x.device, dtype=x.dtype)
        return x * keep / (1.0 - p)

    return hook


def install_mc_dropout(net: nn.Module, name: str) -> None:
    """Hook every dropout layer of `net` (kept in eval mode) for MC dropout.

    A network declaring ``mc_sampling = True`` (it draws its own samples with
    :func:`mc_normal`) needs no dropout layer.

    Raises
    ------
    ConfigError
        If `net` has no supported dropout layer and does not sample by itself (MC
        dropout would give identical members), or has alpha dropout, which is not supported.
    """
    layers = [m for m in net.modules() if isinstance(m, nn.modules.dropout._DropoutNd)]
    unsupported = [type(m).__name__ for m in layers if not isinstance(m, _SUPPORTED)]
    if unsupported:
        raise ConfigError(
            f"dropout_inference does not support {sorted(set(unsupported))} in network "
            f"{name!r}; use nn.Dropout or nn.Dropout1d/2d/3d layers."
        )
    if not layers and not getattr(net, "mc_sampling", False):
        raise ConfigError(
            f"dropout_inference=True needs torch.nn.Dropout layers, but network {name!r} "
            "has none; set dropout_inference=False, or ensemble several weight sets."
        )
    for i, layer in enumerate(layers):
        layer.register_forward_hook(_hook(i))
