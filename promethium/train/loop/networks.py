"""The network of a configuration, the objective it trains on, and the training precision.

Every architecture brings its own loss (``UNet.loss``, ``VAE.loss``, ``PINN.loss``,
``GAN.generator_loss`` / ``GAN.discriminator_loss``); :class:`Objective` wraps them
in one ``forward`` so that DistributedDataParallel sees every loss computation (its
gradient hooks follow ``forward``).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from promethium.models.networks.losses import reconstruction_loss

if TYPE_CHECKING:
    from promethium.models.networks.sampling import Sampling
    from promethium.train.config import ModelConfig

__all__ = [
    "Objective",
    "Precision",
    "build_network",
    "load_initial_weights",
    "network_class",
    "resolve_precision",
]

logger = logging.getLogger("promethium.train")


def network_class(architecture: str) -> type[nn.Module]:
    """The class of a built-in architecture: the ``network`` of its model's ModelSpec.

    The built-in network models are registered from
    :data:`~promethium.models.networks.plugin.NETWORK_MODELS`, whose ``network``
    (``"module:Class"``) becomes :attr:`promethium.plugin.ModelSpec.network`.
    """
    from promethium.ml.torch_model import _import_reference
    from promethium.models.networks.plugin import NETWORK_MODELS

    cls: type[nn.Module] = _import_reference(NETWORK_MODELS[architecture].network)
    return cls


def build_network(model: ModelConfig, seed: int) -> nn.Module:
    """Build the network of `model` with initial weights drawn from `seed`."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return network_class(model.architecture)(**model.params)


#: Submodules that hold a backbone: a ``pinn``'s ``backbone``, a ``gan``'s ``generator``.
_BACKBONE_ATTRIBUTES: tuple[str, ...] = ("backbone", "generator")


def load_initial_weights(network: nn.Module, path: str) -> dict[str, str]:
    """Load the weight set `path` into `network` (or into its backbone) before training.

    Parameters
    ----------
    network : torch.nn.Module
        The freshly built network.
    path : str
        A weight set (``.safetensors`` with its sidecar, or a plain checkpoint); its
        sha256 is verified against the sidecar.

    Returns
    -------
    dict
        ``path``, ``sha256``, ``architecture`` of the set and ``into`` (``""`` for the
        whole network, else the submodule it filled), for the sidecar.

    Raises
    ------
    ConfigError
        If the file does not exist, or its keys and shapes fit neither the network
        nor its ``backbone``/``generator`` (naming the first missing or unexpected
        keys).
    """
    from promethium.errors import ConfigError
    from promethium.ml.weights import load_weights, weights_sha256

    state, info = load_weights(path)
    targets: list[tuple[str, nn.Module]] = [("", network)]
    targets += [
        (name, getattr(network, name))
        for name in _BACKBONE_ATTRIBUTES
        if isinstance(getattr(network, name, None), nn.Module)
    ]
    problems = []
    for name, module in targets:
        own = module.state_dict()
        if set(own) != set(state):
            missing = sorted(set(own) - set(state))[:3]
            unexpected = sorted(set(state) - set(own))[:3]
            problems.append(f"{name or 'the network'}: missing {missing}, unexpected {unexpected}")
            continue
        shapes = [k for k in own if tuple(own[k].shape) != tuple(state[k].shape)]
        if shapes:
            k = shapes[0]
            problems.append(
                f"{name or 'the network'}: {k!r} is {tuple(state[k].shape)} in the set, "
                f"{tuple(own[k].shape)} here"
            )
            continue
        module.load_state_dict(state, strict=True)
        return {
            "path": str(path),
            "sha256": weights_sha256(path),
            "architecture": str(info.get("architecture", "")),
            "into": name,
        }
    raise ConfigError(
        f"training.init_weights {str(path)!r} does not fit the network being trained "
        f"({'; '.join(problems)}); give weights of the same architecture and widths "
        "(for a pinn backbone or gan generator: of that backbone, with the same params)."
    )


@dataclass(frozen=True)
class Precision:
    """How the forward passes run: autocast dtype (None: float32) and gradient scaling."""

    dtype: torch.dtype | None
    scaled: bool
    device_type: str

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        """The autocast context of the forward passes."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device_type, dtype=self.dtype)

    def describe(self) -> str:
        """For the log: what mixed precision means here."""
        if self.dtype is None:
            return "float32"
        name = str(self.dtype).removeprefix("torch.")
        scaling = "with gradient scaling" if self.scaled else "without gradient scaling"
        return f"{name} autocast on {self.device_type} {scaling}"


def resolve_precision(mixed: bool, device: str) -> Precision:
    """float16 + GradScaler on CUDA, bfloat16 autocast on the CPU, float32 when off."""
    kind = device.split(":")[0]
    if not mixed:
        return Precision(None, False, kind)
    if kind == "cuda":
        return Precision(torch.float16, True, kind)
    return Precision(torch.bfloat16, False, kind)


class Objective(nn.Module):
    """The loss of a network as a module (what DistributedDataParallel wraps).

    Parameters
    ----------
    network : torch.nn.Module
        A built-in network.
    sampling : Sampling, optional
        The patches' sampling (the PINN's physics loss needs it).

    Notes
    -----
    ``forward(inputs, target, weight, mode)`` returns ``(total, parts, prediction)``;
    `mode` is ``"loss"`` (the network's ``loss``), ``"generator"`` or
    ``"discriminator"`` (a GAN's two losses; the discriminator takes the detached
    prediction as `prediction`), or ``"eval"``: the weighted squared error of the
    network's inference output (eval mode: dropout off, a VAE's posterior mean), the
    validation loss of every architecture.
    """

    def __init__(self, network: nn.Module, sampling: Sampling | None = None) -> None:
        super().__init__()
        self.network = network
        self.sampling = sampling

    def forward(
        self,
        inputs: torch.Tensor,
        target: torch.Tensor,
        weight: torch.Tensor,
        mode: str = "loss",
        prediction: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor], torch.Tensor]:
        """Compute the loss of `mode` (see the class Notes)."""
        net: Any = self.network
        if mode == "eval":
            out = net(inputs)
            return reconstruction_loss(out.float(), target, weight=weight), {}, out
        if mode == "generator":
            result = net.generator_loss(inputs, target, weight=weight)
        elif mode == "discriminator":
            assert prediction is not None
            result = net.discriminator_loss(inputs, target, prediction)
        else:
            result = net.loss(inputs, target, weight=weight, sampling=self.sampling)
        return result.total, dict(result.parts), result.prediction
