"""An example Promethium plugin: a small CNN, ``example-cnn``, that fills missing traces.

This module is what the entry point loads, so it stays light: it imports neither
torch nor the network. The model is built, and torch imported, only when
``pm.reconstruct(da, model="example-cnn")`` first needs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

import promethium as pm
from promethium.ml.options import PatchSize, TorchOptions

if TYPE_CHECKING:
    from promethium.ml.torch_model import TorchModel

__all__ = [
    "CONFIG",
    "PROMETHIUM_PLUGIN_API",
    "WEIGHTS",
    "ExampleOptions",
    "build",
    "promethium_register_models",
]

#: The Promethium plugin API this plugin is written for.
PROMETHIUM_PLUGIN_API = 2

#: The shipped weights (safetensors, with ``example-cnn.json`` beside it).
WEIGHTS = Path(__file__).parent / "weights" / "example-cnn.safetensors"

#: The network's configuration; the shipped weights were trained with it.
CONFIG: dict[str, Any] = {"channels": 12}

#: Patch size (traces, samples) the network was trained on.
PATCH_SIZE = (32, 64)


class ExampleOptions(TorchOptions):
    """The options of ``example-cnn``: those of every torch model, with its patch size."""

    patch_size: PatchSize = Field(
        PATCH_SIZE,
        description="Patch length, or (traces, samples); trained on (32, 64).",
        json_schema_extra={"unit": "traces, samples"},
    )


def build(**config: Any) -> TorchModel:
    """Build the ``example-cnn`` reconstructor: the CNN on the patch engine.

    Parameters
    ----------
    **config
        Keyword arguments of :class:`~promethium_example_model.network.ExampleCNN`;
        the shipped weights fit only the default :data:`CONFIG`.

    Returns
    -------
    promethium.ml.torch_model.TorchModel
        A Reconstructor whose ``reconstruct(da, options)`` takes :class:`ExampleOptions`.
    """
    from promethium.ml.torch_model import TorchModel
    from promethium_example_model.network import ExampleCNN

    return TorchModel(ExampleCNN, config, weights=WEIGHTS, in_channels=2, name="example-cnn")


@pm.hookimpl
def promethium_register_models(registry: pm.plugin.ModelRegistry) -> None:
    """Register ``example-cnn`` (family ``"example"``)."""
    registry.add(
        pm.ModelSpec(
            name="example-cnn",
            family="example",
            factory=build,
            options=ExampleOptions,
            version="1.0.0",
            config=dict(CONFIG),
            description="Example plugin: a 4-layer CNN trained a minute on synthetic gathers",
            weights=WEIGHTS,
        )
    )
