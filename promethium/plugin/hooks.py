"""The hook markers, the plugin API version and the hook specifications."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import pluggy

if TYPE_CHECKING:
    from promethium.plugin.spec import ModelSpec

__all__ = [
    "MIN_PLUGIN_API",
    "PROJECT",
    "PROMETHIUM_PLUGIN_API",
    "ModelRegistry",
    "hookimpl",
    "hookspec",
    "promethium_register_models",
]

#: Name of the pluggy project and of the entry-point group.
PROJECT = "promethium"

#: Version of the plugin API provided by this Promethium.
PROMETHIUM_PLUGIN_API = 2

#: Oldest plugin API this Promethium still loads (API 1 passed options as keywords).
MIN_PLUGIN_API = 2

#: Marker for hook specifications (used by Promethium itself).
hookspec = pluggy.HookspecMarker(PROJECT)

#: Marker for hook implementations; exported as ``promethium.hookimpl``.
hookimpl = pluggy.HookimplMarker(PROJECT)


class ModelRegistry(Protocol):
    """What a registration hook receives: somewhere to add models.

    :class:`promethium.registry.Registry` is the implementation.
    """

    def add(self, spec: ModelSpec) -> ModelSpec:
        """Register `spec` and return it with its plugin name and version filled in."""
        ...


@hookspec
def promethium_register_models(registry: ModelRegistry) -> None:
    """Register reconstruction models.

    Called once per plugin when the model registry is built. Each model is added with
    ``registry.add(ModelSpec(...))``; the registry fills in the plugin's name and its
    distribution's version.

    Parameters
    ----------
    registry : ModelRegistry
        The registry to add models to (a :class:`promethium.registry.Registry`).

    Raises
    ------
    promethium.errors.PluginError
        From ``registry.add`` when a model name is already taken. Any exception raised
        here marks the plugin broken: the models it added are removed and the other
        plugins keep working.

    Examples
    --------
    >>> from promethium.plugin import ModelSpec, hookimpl
    >>> @hookimpl
    ... def promethium_register_models(registry):
    ...     registry.add(ModelSpec(name="mine", family="demo", factory=dict))
    """
