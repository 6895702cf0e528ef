"""``model``: the architecture and its parameters, validated by the network's own schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, model_validator

from promethium.models.networks.configs import (
    GANConfig,
    NetworkConfig,
    PINNConfig,
    validate_config,
)
from promethium.models.networks.plugin import NETWORK_MODELS
from promethium.train.config.base import Section

__all__ = ["ARCHITECTURES", "ModelConfig"]

#: The architectures training knows, with the configuration class of their params
#: (those of the built-in network models).
ARCHITECTURES: Mapping[str, type[NetworkConfig]] = {
    name: entry.config_type for name, entry in NETWORK_MODELS.items()
}


class ModelConfig(Section):
    """``model``: the architecture and its parameters (the network's own schema).

    Attributes
    ----------
    architecture : str
        One of :data:`ARCHITECTURES`.
    params : dict
        Validated by the architecture's configuration; kept as plain JSON values
        with the network's defaults filled in.
    """

    architecture: Literal["unet", "attention_unet", "residual_unet", "vae", "gan", "pinn"] = "unet"
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _params_fit_architecture(self) -> ModelConfig:
        config = validate_config(
            ARCHITECTURES[self.architecture],
            self.params,
            what=f"model.params of {self.architecture}",
        )
        object.__setattr__(self, "params", config.model_dump(mode="json"))
        return self

    def network_config(self) -> NetworkConfig:
        """The validated network configuration of :attr:`params`."""
        return validate_config(ARCHITECTURES[self.architecture], self.params, what="model.params")

    @property
    def in_channels(self) -> int:
        """Channels the network reads: 1 (data) or 2 (data and live mask)."""
        config = self.network_config()
        if isinstance(config, GANConfig):
            return int(config.generator.params.get("in_channels", 1))
        if isinstance(config, PINNConfig):
            return int(config.backbone_params.get("in_channels", 1))
        return int(getattr(config, "in_channels", 1))
