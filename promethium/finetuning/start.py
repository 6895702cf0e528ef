"""The weights a fine-tuning starts from: a built-in network's trained weight set.

:func:`starting_weights` resolves the model name and the weight set (the given file,
or the weights shipped for the model), checks that they belong together, and reads
what the sidecar records: the network's config, the recipe it was trained with and
the sampling it was trained on.
This module imports no torch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promethium.errors import ConfigError, ModelNotFoundError, closest_match

if TYPE_CHECKING:
    from promethium.ml.trained_sampling import TrainedSampling
    from promethium.typing import PathType

__all__ = ["StartingWeights", "starting_weights"]


@dataclass(frozen=True)
class StartingWeights:
    """A verified weight set of a built-in network, to fine-tune.

    Attributes
    ----------
    model : str
        The network model (``unet``, ``vae``, ...), its sidecar's architecture.
    path : pathlib.Path
        The ``.safetensors`` file.
    name : str
        What the weights are called in ``finetuned_from``: the file name, or
        ``pretrained:<model>`` for the weights Promethium ships.
    sha256 : str
        The file's sha256 (verified against its sidecar).
    params : dict
        The network's config, as the sidecar records it.
    recipe : dict
        The training configuration the sidecar records (``metadata.training``), or
        empty.
    trained_sampling : TrainedSampling or None
        The sampling the weights were trained on, as their sidecar records it
        (:meth:`~promethium.ml.trained_sampling.TrainedSampling.from_sidecar`), or None.
    """

    model: str
    path: Path
    name: str
    sha256: str
    params: dict[str, Any]
    recipe: dict[str, Any] = field(default_factory=dict)
    trained_sampling: TrainedSampling | None = None

    @property
    def origin(self) -> dict[str, str]:
        """``finetuned_from`` of the weights fine-tuned from these: name and sha256."""
        return {"name": self.name, "sha256": self.sha256}

    def recipe_value(self, *keys: str) -> Any:
        """A value of the recipe by its keys (``"data", "patch_size"``), or None."""
        node: Any = self.recipe
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node


def starting_weights(model: str, weights: PathType | None) -> StartingWeights:
    """Resolve the network `model` and the weight set to fine-tune.

    Parameters
    ----------
    model : str
        A built-in network (:data:`promethium.models.networks.plugin.NETWORK_MODELS`).
    weights : str or path-like or None
        A ``.safetensors`` weight set with its JSON sidecar (or the sidecar). None:
        the weights Promethium ships for `model`
        (:func:`~promethium.models.networks.pretrained.pretrained_weights`).

    Returns
    -------
    StartingWeights

    Raises
    ------
    ModelNotFoundError
        If `model` is no installed model.
    ConfigError
        If `model` is not a network Promethium can train, no weights are given and
        none ship for `model`, or
        the weights were trained for another architecture, are a plain checkpoint
        without sidecar, or do not exist.
    PluginError
        If the sidecar is not a Promethium sidecar, or the file's sha256 does not
        match it (or, for the shipped weights, the sha256 pinned in the code).
    """
    from promethium.ml.weights import load_weights, sidecar_path
    from promethium.models.networks.plugin import NETWORK_MODELS, build_network_model
    from promethium.models.networks.pretrained import pretrained_weights
    from promethium.plugins import default_registry

    if model not in NETWORK_MODELS:
        known = sorted(NETWORK_MODELS)
        if model not in default_registry():
            raise ModelNotFoundError(
                f"unknown model {model!r}; fine-tuning trains one of the built-in networks "
                f"{known}.{closest_match(model, known)}"
            )
        raise ConfigError(
            f"model {model!r} is not a network Promethium can fine-tune; fine-tuning "
            f"trains one of the built-in networks {known}."
        )
    shipped = pretrained_weights(model) if weights is None else None
    if weights is not None:
        path = Path(os.fspath(weights))
    elif shipped is not None:
        path = shipped
    else:
        raise ConfigError(
            f"fine-tuning {model!r} starts from trained weights, and Promethium ships none "
            f"for {model!r}; pass weights='runs/<run>/weights/best.safetensors' (from "
            f"`promethium train`, see docs/training.md)."
        )
    if path.suffix == ".json":
        path = path.with_suffix(".safetensors")
    if not path.exists():
        raise ConfigError(f"weights file {str(path)!r} does not exist.")
    if path.suffix != ".safetensors" or not sidecar_path(path).is_file():
        raise ConfigError(
            f"fine-tuning starts from a '.safetensors' weight set with its JSON sidecar "
            f"(architecture and config); {str(weights)!r} is not one. Convert a plain "
            "checkpoint with promethium.ml.save_weights."
        )
    _, info = load_weights(path)  # verifies the sha256 against the sidecar
    architecture = info.get("architecture")
    if architecture not in (model, NETWORK_MODELS[model].network):
        raise ConfigError(
            f"weights {str(path)!r} were trained for architecture {architecture!r}, not "
            f"for model {model!r}; use model={architecture!r} or weights trained for "
            f"{model!r}."
        )
    params = dict(info.get("config") or {})
    # The plugin's own check: the same messages as pm.reconstruct(weights=...).
    built = build_network_model(model, path, **params)
    metadata = info.get("metadata") or {}
    recipe = metadata.get("training") if isinstance(metadata, dict) else None
    return StartingWeights(
        model=model,
        path=path,
        name=path.name if shipped is None else f"pretrained:{model}",
        sha256=str(info["sha256"]),
        params=params,
        recipe=dict(recipe) if isinstance(recipe, dict) else {},
        trained_sampling=built.trained_sampling,
    )
