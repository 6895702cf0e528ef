"""Built-in classical reconstruction models: ``linear`` and ``pocs``, and ``auto``.

``auto`` (:mod:`promethium.models.auto`) chooses among the candidates (``linear``,
``pocs``, the networks that ship weights) by a blind test on the survey. They register
through the same plugin hook as any third-party model (entry point ``builtin-classical``
in the ``promethium`` group); built-ins follow the current API.
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
    from promethium.models.auto import DEFAULT_PREFERENCES, AutoOptions, build_auto
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
            candidate=True,
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
            candidate=True,
        )
    )
    registry.add(
        ModelSpec(
            name="auto",
            family="auto",
            # Bound to this registry, so auto chooses among every installed model.
            factory=functools.partial(build_auto, registry),
            options=AutoOptions,
            version="2.0.0",
            config={k: list(v) for k, v in DEFAULT_PREFERENCES.items()},
            description="Runs the candidate scoring best on live traces hidden from the survey",
        )
    )
