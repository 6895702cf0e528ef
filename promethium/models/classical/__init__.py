"""Built-in classical reconstruction models: ``linear`` and ``pocs``, and ``auto``.

``auto`` (:mod:`promethium.models.auto`) chooses among the registered models per
gather. They register through the same plugin hook as any third-party model (entry point
``builtin-classical`` in the ``promethium`` group); built-ins follow the current API.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from promethium.plugin import PROMETHIUM_PLUGIN_API, ModelSpec, hookimpl

if TYPE_CHECKING:
    from promethium.models.classical.linear import LinearInterpolation
    from promethium.models.classical.pocs import POCS
    from promethium.registry import Registry

__all__ = ["PROMETHIUM_PLUGIN_API", "build_linear", "build_pocs", "promethium_register_models"]


def build_linear() -> LinearInterpolation:
    """Build the ``linear`` reconstructor; see :class:`.linear.LinearInterpolation`."""
    from promethium.models.classical.linear import LinearInterpolation

    return LinearInterpolation()


def build_pocs() -> POCS:
    """Build the ``pocs`` reconstructor; see :class:`.pocs.POCS`."""
    from promethium.models.classical.pocs import POCS

    return POCS()


@hookimpl
def promethium_register_models(registry: Registry) -> None:
    """Register ``linear`` and ``pocs`` (family ``"classical"``), and ``auto``."""
    from promethium.models.auto import DEFAULT_PREFERENCES, build_auto
    from promethium.models.classical.linear import LinearOptions
    from promethium.models.classical.pocs import POCSOptions

    registry.add(
        ModelSpec(
            name="linear",
            family="classical",
            factory=build_linear,
            options=LinearOptions,
            version="1.0.0",
            description="Linear interpolation of missing traces along the trace coordinate",
        )
    )
    registry.add(
        ModelSpec(
            name="pocs",
            family="classical",
            factory=build_pocs,
            options=POCSOptions,
            version="1.0.0",
            description="Windowed 2-D Fourier POCS with an exponentially decreasing threshold",
        )
    )
    registry.add(
        ModelSpec(
            name="auto",
            family="auto",
            # Bound to this registry, so auto chooses among every installed model.
            factory=functools.partial(build_auto, registry),
            version="1.0.0",
            config={k: list(v) for k, v in DEFAULT_PREFERENCES.items()},
            description="Chooses per gather: linear for regular decimation, pocs for random",
        )
    )
