"""Backbones by name: the networks that ``gan`` and ``pinn`` build on.

:func:`build_backbone` is the one place a backbone name is resolved: in the model
registry, where every network model declares its ``torch.nn.Module`` class
(:attr:`~promethium.plugin.ModelSpec.network`). The built-in ``unet``,
``attention_unet`` and ``residual_unet`` are found there, and so is any network a
third-party plugin registers, which then plugs into ``gan`` and ``pinn`` without
changes here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from promethium.errors import ConfigError, ModelNotFoundError, PluginError

if TYPE_CHECKING:
    from torch import nn

    from promethium.registry import Registry

__all__ = ["backbone_names", "build_backbone"]


def backbone_names(registry: Registry | None = None) -> list[str]:
    """The registered models that can serve as a backbone (they declare a network).

    Parameters
    ----------
    registry : Registry, optional
        Where to look; the installed plugins' registry by default.

    Examples
    --------
    >>> {"unet", "attention_unet", "residual_unet"} <= set(backbone_names())
    True
    """
    registry = _registry(registry)
    return [name for name in registry.list() if registry.get(name).network]


def build_backbone(name: str, *, registry: Registry | None = None, **params: Any) -> nn.Module:
    """Build the backbone called `name` with its `params`.

    Parameters
    ----------
    name : str
        A registered network model (see :func:`backbone_names`), e.g. ``"unet"``.
    registry : Registry, optional
        Where to look the name up; the installed plugins' registry by default.
    **params
        The backbone's parameters (validated by the backbone).

    Returns
    -------
    torch.nn.Module
        The backbone, with its defaults for what `params` leaves out.

    Raises
    ------
    ConfigError
        If `name` is not a registered network model (the message lists the known
        backbones) or `params` are invalid for it.
    PluginError
        If the registered network cannot be imported or does not build a
        ``torch.nn.Module``.

    Examples
    --------
    >>> type(build_backbone("unet", features=[4], bottleneck=8)).__name__
    'UNet'
    """
    from torch import nn

    from promethium.ml.torch_model import _import_reference

    registry = _registry(registry)
    try:
        spec = registry.get(name)
    except ModelNotFoundError:
        spec = None
    if spec is None or not spec.network:
        what = f"unknown backbone {name!r}" if spec is None else f"model {name!r} is no network"
        raise ConfigError(
            f"{what}; known backbones: {backbone_names(registry)}. A plugin adds one by "
            "registering a ModelSpec with network='module:Class'."
        )
    network = _import_reference(spec.network)(**params)
    if not isinstance(network, nn.Module):
        raise PluginError(
            f"backbone {name!r} ({spec.network}) built {type(network).__name__}, not a "
            "torch.nn.Module."
        )
    return network


def _registry(registry: Registry | None) -> Registry:
    from promethium.plugins import default_registry

    return default_registry() if registry is None else registry
