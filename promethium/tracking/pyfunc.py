"""The MLflow ``pyfunc`` flavour of a Promethium network, rebuilt without pickle.

A model logged by :meth:`promethium.tracking.Tracker.log_model` is an MLflow
"model from code": its code file only does ``set_model(PromethiumNetworkModel())``,
and its artifacts are the safetensors weights and their JSON sidecar.
:meth:`PromethiumNetworkModel.load_context` rebuilds the network from the sidecar's
config, loads the weights after verifying their sha256, and never unpickles.

This module imports MLflow and torch; it is imported only when a model is logged or
loaded.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
from mlflow.pyfunc import PythonModel

from promethium.errors import PluginError

__all__ = ["CODE_FILE_TEXT", "PromethiumNetworkModel", "network_class"]

#: The whole code file of a logged model.
CODE_FILE_TEXT = '''"""A Promethium network for MLflow pyfunc (safetensors, no pickle)."""

import mlflow.models

from promethium.tracking.pyfunc import PromethiumNetworkModel

mlflow.models.set_model(PromethiumNetworkModel())
'''


def network_class(path: str) -> type[Any]:
    """The class named by ``"package.module:QualifiedName"``.

    Raises
    ------
    PluginError
        If the module cannot be imported or has no such class.
    """
    module_name, _, qualname = path.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError, ValueError) as exc:
        raise PluginError(
            f"the network class {path!r} of this logged model cannot be imported ({exc}); "
            "install the package that provides it."
        ) from exc
    if not isinstance(obj, type):
        raise PluginError(f"{path!r} names {obj!r}, not a network class.")
    return obj


class PromethiumNetworkModel(PythonModel):
    """A Promethium network as an MLflow pyfunc model.

    ``predict`` takes a float32 array of patches ``(N, traces, samples)`` (or
    ``(N, C, traces, samples)`` for a network of ``C > 1`` input channels), already
    normalised as the network was trained, and returns the network's reconstruction
    ``(N, traces, samples)`` in evaluation mode (no dropout). The patches are not
    split, blended or masked: for whole surveys use :func:`promethium.reconstruct`
    with ``model="models:/name/version"``.
    """

    def load_context(self, context: Any) -> None:
        """Rebuild the network from its JSON config and load its safetensors weights."""
        from promethium.ml.weights import load_weights

        state, info = load_weights(context.artifacts["weights"])  # verifies sha256
        cls = network_class(context.model_config["network_class"])
        network = cls(**info["config"])
        network.load_state_dict(state)
        self.network = network.eval()
        self.in_channels = int(context.model_config.get("in_channels", 1))

    # No type hints on the inputs: MLflow would read them as a (conflicting) schema;
    # the explicit signature logged with the model describes them.
    def predict(self, context, model_input, params=None):
        """Reconstruct a batch of patches: float32 ``(N, traces, samples)`` in and out."""
        import torch

        x = np.asarray(model_input, dtype=np.float32)
        want = 3 if self.in_channels == 1 else 4
        if x.ndim != want:
            raise PluginError(
                f"this model takes patches of {want} dims (N, "
                f"{'' if want == 3 else 'channels, '}traces, samples); got shape {x.shape}."
            )
        if want == 3:
            x = x[:, None]
        with torch.no_grad():
            out = self.network(torch.from_numpy(np.ascontiguousarray(x)))
        if not isinstance(out, torch.Tensor):
            raise PluginError(
                f"{type(self.network).__name__}.forward returned {type(out).__name__}, not "
                "a tensor; it cannot be served as a pyfunc model."
            )
        return out[:, 0].float().numpy()
