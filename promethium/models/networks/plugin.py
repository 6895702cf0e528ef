"""The built-in networks as models, registered through the plugin hook.

``unet``, ``attention_unet``, ``residual_unet``, ``vae``, ``gan`` and ``pinn``
register like any third-party model (entry point ``builtin-networks`` in the
``promethium`` group). Each model's config is its network's parameters (the seed's
``model.params``, defaults from :mod:`~promethium.models.networks.configs`) plus
``weights``, the trained weight set to run; its options are the patch engine's
(:class:`NetworkOptions`, the seed's ``inference`` defaults). Each is run by
:class:`~promethium.ml.torch_model.TorchModel`, reading as many channels as the
network's ``in_channels`` (1: the data; 2: data and live mask).

Trained weights ship as package data (:mod:`~promethium.models.networks.pretrained`,
pinned by sha256): a network built without ``weights`` runs its shipped set, whose
sidecar's config fixes the architecture (the registered default config is that
config). A network with no shipped set refuses to run without ``weights`` (a
:class:`~promethium.errors.ConfigError` saying how to train one), so an untrained
network's output is never returned. This module imports no torch.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from promethium.errors import ConfigError
from promethium.ml.options import PatchSize, TorchOptions
from promethium.models.networks import pretrained
from promethium.models.networks.configs import (
    GANConfig,
    NetworkConfig,
    PINNConfig,
    UNetConfig,
    VAEConfig,
    validate_config,
)
from promethium.models.networks.pretrained import pretrained_info, pretrained_weights
from promethium.plugin import PROMETHIUM_PLUGIN_API, ModelSpec, hookimpl

if TYPE_CHECKING:
    from promethium.models.networks.sampled import SamplingCheckedModel
    from promethium.registry import Registry
    from promethium.typing import PathType

__all__ = [
    "NETWORK_MODELS",
    "PROMETHIUM_PLUGIN_API",
    "UNCERTAINTY_ENSEMBLE",
    "NetworkModel",
    "NetworkOptions",
    "SHIPPED_PATCH_SIZE",
    "build_network_model",
    "default_config",
    "network_in_channels",
    "promethium_register_models",
    "shipped_config",
]

#: Ensemble members used for ``return_uncertainty=True`` when the caller sets neither
#: ``ensemble_size`` nor ``dropout_inference`` (the seed's ensemble inference).
UNCERTAINTY_ENSEMBLE = 5


@dataclass(frozen=True)
class NetworkModel:
    """A built-in network as a model: its class, configuration and description."""

    network: str  # "module:Class"
    config_type: type[NetworkConfig]
    family: str
    description: str


#: The built-in network models by name.
NETWORK_MODELS: Mapping[str, NetworkModel] = {
    "unet": NetworkModel(
        "promethium.models.networks.unet:UNet", UNetConfig, "unet",
        "U-Net (encoder-decoder with skip connections)",
    ),
    "attention_unet": NetworkModel(
        "promethium.models.networks.unet:AttentionUNet", UNetConfig, "unet",
        "U-Net with attention gates on the skip connections",
    ),
    "residual_unet": NetworkModel(
        "promethium.models.networks.unet:ResidualUNet", UNetConfig, "unet",
        "U-Net built from residual blocks",
    ),
    "vae": NetworkModel(
        "promethium.models.networks.vae:VAE", VAEConfig, "vae",
        "Variational autoencoder, posterior-mean reconstruction",
    ),
    "gan": NetworkModel(
        "promethium.models.networks.gan:GAN", GANConfig, "gan",
        "Conditional GAN (U-Net generator, PatchGAN critic)",
    ),
    "pinn": NetworkModel(
        "promethium.models.networks.pinn:PINN", PINNConfig, "pinn",
        "Physics-informed network (backbone + acoustic wave-equation loss)",
    ),
}  # fmt: skip


#: Default inference patch of the network models: the shipped weights were trained on
#: 96 x 128 patches and score best on held-out gathers with 128 x 128 patches (the
#: seed's 256 loses about 0.5 dB); ``patch_size=256`` gives the seed's.
SHIPPED_PATCH_SIZE = 128


class NetworkOptions(TorchOptions):
    """The options of the network models: the patch engine's, seed defaults but the patch.

    ``patch_size`` defaults to :data:`SHIPPED_PATCH_SIZE` (what the shipped weights
    were trained and evaluated at).

    ``resample_time`` says what to do with a survey whose sample interval is outside
    the range the weights were trained on (their sidecar's ``data.synthetic``):
    ``"off"`` (default) runs at the survey's interval with a warning; ``"trained"``
    resamples the time axis to the nearest trained interval (band-limited, anti-aliased),
    runs the network there and resamples its output back onto the survey's own time
    coordinate, recorded in the provenance's ``sampling`` entry (see
    :mod:`~promethium.models.networks.sampled` and ``docs/inference.md``).

    With ``return_uncertainty=True`` and neither ``ensemble_size`` nor
    ``dropout_inference`` given, the seed's ensemble is used
    (``ensemble_size=5, dropout_inference=True``), so the ``std`` is a real estimate.
    """

    patch_size: PatchSize = Field(
        (SHIPPED_PATCH_SIZE, SHIPPED_PATCH_SIZE),
        description="Patch length, or (traces, samples); an integer gives a square patch.",
        json_schema_extra={"unit": "traces, samples"},
    )
    resample_time: Literal["off", "trained"] = Field(
        "off",
        description=(
            "'trained': a survey sampled outside the weights' trained intervals runs at "
            "the nearest one (time resampled and back, recorded); 'off': warn only."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _seed_ensemble_for_uncertainty(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        wants = data.get("return_uncertainty", False)
        if isinstance(wants, str):
            wants = wants.strip().lower() in ("1", "true", "yes", "on")
        if wants is True and "ensemble_size" not in data and "dropout_inference" not in data:
            return {**data, "ensemble_size": UNCERTAINTY_ENSEMBLE, "dropout_inference": True}
        return data


def network_in_channels(config: NetworkConfig) -> int:
    """The channels a network of `config` reads (1: data; 2: data and live mask).

    Examples
    --------
    >>> network_in_channels(GANConfig.model_validate({"generator": {"params": {"in_channels": 2}}}))
    2
    """
    if isinstance(config, GANConfig):
        return int(config.generator.params.get("in_channels", 1))
    if isinstance(config, PINNConfig):
        return int(config.backbone_params.get("in_channels", 1))
    return int(getattr(config, "in_channels", 1))


def shipped_config(name: str) -> dict[str, Any] | None:
    """The config of the weights shipped for network `name` (None when none ship).

    Read from the shipped sidecar (JSON only; the weights are hashed when loaded).
    """
    info = pretrained_info(name)
    if info is None:
        return None
    entry = NETWORK_MODELS[name]
    config = validate_config(
        entry.config_type, info.get("config") or {}, what=f"the shipped weights of {name!r}"
    )
    return config.model_dump(mode="json")


def default_config(name: str) -> dict[str, Any]:
    """The registered default config of network `name`: its shipped set's, else the seed's."""
    shipped = shipped_config(name)
    if shipped is not None:
        return shipped
    return NETWORK_MODELS[name].config_type().model_dump(mode="json")


def build_network_model(
    name: str, weights: PathType | None = None, **params: Any
) -> SamplingCheckedModel:
    """Build the network model `name` with trained `weights`, run by ``TorchModel``.

    Parameters
    ----------
    name : str
        One of :data:`NETWORK_MODELS`.
    weights : str or path-like, optional
        A trained weight set: ``.safetensors`` with its JSON sidecar (as written by
        ``promethium train`` or :func:`promethium.ml.save_weights`), or a plain
        state-dict checkpoint. Default: the weights shipped for `name`
        (:func:`~promethium.models.networks.pretrained.pretrained_weights`).
    **params
        The network's parameters (the seed's ``model.params``). With weights that have
        a sidecar, the sidecar's config fixes the architecture: parameters left at
        the registered default take the sidecar's values, and a parameter given with
        another value than the sidecar's is an error.

    Returns
    -------
    SamplingCheckedModel
        The model (a ``TorchModel``), its network built once per process with the
        weights loaded, knowing the sampling they were trained on (from their sidecar).

    Raises
    ------
    ConfigError
        Without `weights` for a network with no shipped set (saying how to train
        one); for invalid `params`; for weights whose sidecar records another
        architecture, or another value of a parameter given (naming both, and the
        ``config=`` that fits).
    PluginError
        If the shipped weights do not match the sha256 pinned in
        :data:`~promethium.models.networks.pretrained.PRETRAINED`.
    """
    from promethium.ml.torch_model import _import_reference
    from promethium.ml.trained_sampling import TrainedSampling
    from promethium.models.networks.sampled import SamplingCheckedModel

    entry = NETWORK_MODELS[name]
    requested = validate_config(entry.config_type, params, what=f"model {name!r}")
    if weights is None:
        shipped = pretrained_weights(name)
        if shipped is None:
            raise ConfigError(
                f"model {name!r} has no trained weights: Promethium ships none for it, and "
                "an untrained network's output would be noise. Train one with "
                f"`promethium train --config examples/configs/{name}.yaml` (see "
                f"docs/training.md) and pass its weights: pm.reconstruct(da, model={name!r}, "
                "weights='runs/<run>/weights/best.safetensors') or "
                f"pm.create_model({name!r}, weights=...), or on the command line "
                "`promethium reconstruct ... --config weights=PATH`."
            )
        path = shipped
    else:
        path = Path(os.fspath(weights))
    config, sidecar = _config_of_weights(name, entry, requested, path)
    plain = config.model_dump(mode="json")
    return SamplingCheckedModel(
        _import_reference(entry.network),
        plain,
        weights=path,
        in_channels=network_in_channels(config),
        name=name,
        trained_sampling=None if sidecar is None else TrainedSampling.from_sidecar(sidecar),
    )


def _config_of_weights(
    name: str, entry: NetworkModel, requested: NetworkConfig, path: Path
) -> tuple[NetworkConfig, dict[str, Any] | None]:
    """The config to build for `path` and its sidecar (None for a plain checkpoint).

    The config is the sidecar's, checked against the given params.

    A parameter of `requested` that differs from the registered default was given by
    the caller; it must agree with the sidecar. A plain checkpoint has no sidecar:
    `requested` is built and strict state-dict loading checks the fit.
    """
    from promethium.ml.weights import read_sidecar, sidecar_path

    if path.suffix != ".json" and not sidecar_path(path).is_file():
        return requested, None
    info = read_sidecar(path)
    architecture = info.get("architecture")
    if architecture not in (name, entry.network):
        raise ConfigError(
            f"weights {str(path)!r} were trained for architecture {architecture!r}, not "
            f"for model {name!r}; use model={architecture!r} or weights trained for {name!r}."
        )
    trained = validate_config(
        entry.config_type, info.get("config") or {}, what=f"the sidecar of weights {str(path)!r}"
    )
    given = requested.model_dump(mode="json")
    default = default_config(name)
    saved = trained.model_dump(mode="json")
    differ = {
        k: v for k, v in saved.items() if given.get(k) != default.get(k) and given.get(k) != v
    }
    if differ:
        raise ConfigError(
            f"weights {str(path)!r} were trained with config {json.dumps(saved)}, but model "
            f"{name!r} is built with config {json.dumps(given)}; pass "
            f"config={json.dumps(differ)} to use them."
        )
    return trained, info


@hookimpl
def promethium_register_models(registry: Registry) -> None:
    """Register the built-in networks (see :data:`NETWORK_MODELS`), with their shipped weights."""
    for name, entry in NETWORK_MODELS.items():
        registry.add(
            ModelSpec(
                name=name,
                family=entry.family,
                factory=functools.partial(build_network_model, name),
                options=NetworkOptions,
                version="1.0.0",
                config=default_config(name),
                description=entry.description,
                weights=(
                    pretrained.pretrained_root() / f"{name}.safetensors"
                    if name in pretrained.PRETRAINED
                    else None
                ),
                network=entry.network,
            )
        )
