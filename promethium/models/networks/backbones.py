"""Backbones by name: the networks that ``gan`` and ``pinn`` build on.

:func:`build_backbone` is the one place a backbone name is resolved; the model
registry replaces its table once the plugin contract is settled, so a third-party
backbone then plugs into ``gan`` and ``pinn`` without changes here.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from torch import nn

from promethium.errors import ConfigError
from promethium.models.networks.unet import AttentionUNet, ResidualUNet, UNet

__all__ = ["BACKBONES", "build_backbone"]

#: Backbones known by name (read-only). Each maps ``(N, C, H, W)`` to
#: ``(N, C', H, W)`` and exposes ``config.in_channels`` and ``config.out_channels``.
BACKBONES: MappingProxyType[str, type[nn.Module]] = MappingProxyType(
    {"attention_unet": AttentionUNet, "residual_unet": ResidualUNet, "unet": UNet}
)


def build_backbone(name: str, **params: Any) -> nn.Module:
    """Build the backbone called `name` with its `params`.

    Parameters
    ----------
    name : str
        One of :data:`BACKBONES`.
    **params
        The backbone's parameters (validated by the backbone).

    Returns
    -------
    torch.nn.Module
        The backbone, with seed defaults for what `params` leaves out.

    Raises
    ------
    ConfigError
        If `name` is unknown (the message lists the known names) or `params` are
        invalid for it.

    Examples
    --------
    >>> type(build_backbone("unet", features=[4], bottleneck=8)).__name__
    'UNet'
    """
    if name not in BACKBONES:
        raise ConfigError(f"unknown backbone {name!r}; known backbones: {sorted(BACKBONES)}.")
    return BACKBONES[name](**params)
