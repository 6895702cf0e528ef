"""An example Promethium plugin: a small CNN, ``example-cnn``, that fills missing traces.

This module is what the entry point loads, so it stays light: it imports neither
torch nor the network. The model is built, and torch imported, only when
``pm.reconstruct(da, model="example-cnn")`` first needs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from promethium.hookspecs import hookimpl
from promethium.models.spec import ModelSpec

if TYPE_CHECKING:
    from promethium.ml.torch_model import TorchModel
    from promethium.registry import Registry

__all__ = ["CONFIG", "PROMETHIUM_PLUGIN_API", "WEIGHTS", "build", "promethium_register_models"]

#: The Promethium plugin API this plugin is written for.
PROMETHIUM_PLUGIN_API = 1

#: The shipped weights (safetensors, with ``example-cnn.json`` beside it).
WEIGHTS = Path(__file__).parent / "weights" / "example-cnn.safetensors"

#: The network's configuration; the shipped weights were trained with it.
CONFIG: dict[str, Any] = {"channels": 12}

#: Patch size (traces, samples) the network was trained on.
PATCH_SIZE = (32, 64)


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
        A Reconstructor with the patch engine's options.
    """
    from promethium.ml.torch_model import TorchModel
    from promethium_example_model.network import ExampleCNN

    model = TorchModel(ExampleCNN, config, weights=WEIGHTS, in_channels=2, name="example-cnn")
    model.options = {**model.options, "patch_size": PATCH_SIZE}
    return model


@hookimpl
def promethium_register_models(registry: Registry) -> None:
    """Register ``example-cnn`` (family ``"example"``)."""
    registry.add(
        ModelSpec(
            name="example-cnn",
            family="example",
            factory=build,
            version="1.0.0",
            config=dict(CONFIG),
            description="Example plugin: a 4-layer CNN trained a minute on synthetic gathers",
            weights=WEIGHTS,
        )
    )
