"""Configurations of the built-in networks: the seed's ``model.params``, validated.

Each network is built from keyword parameters (``UNet(**params)``), validated here
into a frozen pydantic model whose defaults are the seed's values. This module does
not import torch, so a configuration can be checked (and documented) without it.
Unknown keys and wrong types raise :class:`~promethium.errors.ConfigError` naming
the key, what was given, and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    field_validator,
)

from promethium.errors import ConfigError

__all__ = [
    "GANConfig",
    "GeneratorConfig",
    "DiscriminatorConfig",
    "NetworkConfig",
    "PINNConfig",
    "PatchGANConfig",
    "PhysicsConfig",
    "UNetConfig",
    "VAEConfig",
    "validate_config",
]

ConfigT = TypeVar("ConfigT", bound="NetworkConfig")


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return value


Real = Annotated[float, BeforeValidator(_not_bool), Field(allow_inf_nan=False)]
Channels = Annotated[StrictInt, Field(ge=1)]
Features = Annotated[tuple[Channels, ...], Field(min_length=1)]


class NetworkConfig(BaseModel):
    """Base of the network configurations: unknown keys are refused, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class UNetConfig(NetworkConfig):
    """``unet``, ``attention_unet`` and ``residual_unet`` parameters (seed defaults).

    Attributes
    ----------
    in_channels, out_channels : int
        Input channels (1: data; 2: data and live mask) and output channels.
    features : tuple of int
        Channels of the encoder levels, finest first; one 2x down-sampling per level.
    bottleneck : int
        Channels at the coarsest level.
    dropout : float
        Channel-dropout probability after every block, in [0, 1): the layers that
        MC-dropout ensembles (``dropout_inference=True``) sample.
    """

    in_channels: Channels = 1
    out_channels: Channels = 1
    features: Features = (64, 128, 256, 512)
    bottleneck: Channels = 1024
    dropout: Annotated[Real, Field(ge=0.0, lt=1.0)] = 0.1


class VAEConfig(NetworkConfig):
    """``vae`` parameters (seed defaults).

    Attributes
    ----------
    in_channels, out_channels : int
        Input and output channels.
    latent_dim : int
        Channels of the spatial latent, at ``1 / 2**len(encoder_features)`` resolution.
    encoder_features : tuple of int
        Channels of the encoder levels, finest first (the decoder mirrors them).
    beta : float
        Weight of the KL divergence in the loss (beta-VAE), >= 0.
    """

    in_channels: Channels = 1
    out_channels: Channels = 1
    latent_dim: Channels = 256
    encoder_features: Features = (64, 128, 256)
    beta: Annotated[Real, Field(ge=0.0)] = 1.0


class PatchGANConfig(NetworkConfig):
    """``patchgan`` discriminator parameters (pix2pix's 70x70 PatchGAN by default).

    Attributes
    ----------
    features : tuple of int
        Channels of the 4x4 convolutions; all but the last halve the resolution.
    """

    features: Annotated[tuple[Channels, ...], Field(min_length=2)] = (64, 128, 256, 512)


class GeneratorConfig(NetworkConfig):
    """The GAN's generator: a backbone name and its parameters."""

    architecture: str = "unet"
    params: dict[str, Any] = Field(default_factory=dict)


class DiscriminatorConfig(NetworkConfig):
    """The GAN's discriminator: ``patchgan`` and its parameters."""

    architecture: Literal["patchgan"] = "patchgan"
    params: PatchGANConfig = Field(default_factory=PatchGANConfig)


class GANConfig(NetworkConfig):
    """``gan`` parameters (seed defaults).

    Attributes
    ----------
    generator : GeneratorConfig
        ``{"architecture": "unet", "params": {}}``: any backbone name.
    discriminator : DiscriminatorConfig
        ``{"architecture": "patchgan", "params": {...}}``.
    adversarial_weight : float
        Weight of the adversarial term against the L1 reconstruction, >= 0.
    """

    generator: GeneratorConfig = Field(default_factory=GeneratorConfig)
    discriminator: DiscriminatorConfig = Field(default_factory=DiscriminatorConfig)
    adversarial_weight: Annotated[Real, Field(ge=0.0)] = 0.01


class PhysicsConfig(NetworkConfig):
    """Parameters of the acoustic physics loss (see ``docs/physics.md``).

    Attributes
    ----------
    constraint : {"fk_cone", "plane_wave"}
        ``fk_cone``: the fraction of f-k energy outside ``|k| <= f / min_velocity``;
        ``plane_wave``: the residual of the local one-way wave equation with bounded
        slopes.
    min_velocity : float
        Slowest apparent velocity of recorded waves, in m/s; also accepted as a
        quantity string (``"1500 m/s"``, ``"3000 ft/s"``), stored in m/s.
    cone_taper : float
        ``fk_cone``: relative width of the cosine transition outside the cone.
    slope_window : tuple of int
        ``plane_wave``: odd window (traces, samples) of the local slope estimate.
    """

    constraint: Literal["fk_cone", "plane_wave"] = "fk_cone"
    min_velocity: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] = 1000.0
    cone_taper: Annotated[Real, Field(gt=0.0, le=1.0)] = 0.1
    slope_window: tuple[Channels, Channels] = (5, 9)

    @field_validator("min_velocity", mode="before")
    @classmethod
    def _velocity_in_m_per_s(cls, value: Any) -> float:
        from promethium.core.units import convert, parse_quantity

        _not_bool(value)
        magnitude, unit = parse_quantity(value, "m/s", what="min_velocity")
        return float(convert(magnitude, unit, "m/s", what="min_velocity"))

    @field_validator("slope_window")
    @classmethod
    def _odd_window(cls, value: tuple[int, int]) -> tuple[int, int]:
        if value[0] % 2 == 0 or value[1] % 2 == 0:
            raise ValueError(f"both sizes must be odd, got {value}")
        return value


class PINNConfig(NetworkConfig):
    """``pinn`` parameters (seed defaults).

    Attributes
    ----------
    backbone : str
        Backbone name (``unet`` by default).
    backbone_params : dict
        Parameters of the backbone.
    physics_weight : float
        Weight of the physics loss against the data loss, >= 0.
    wave_equation : {"acoustic"}
        The wave equation whose consequences are enforced.
    physics : PhysicsConfig
        How the physics loss is computed.
    """

    backbone: str = "unet"
    backbone_params: dict[str, Any] = Field(default_factory=dict)
    physics_weight: Annotated[Real, Field(ge=0.0)] = 0.1
    wave_equation: Literal["acoustic"] = "acoustic"
    physics: PhysicsConfig = Field(default_factory=PhysicsConfig)


def validate_config(
    config_type: type[ConfigT], params: ConfigT | Mapping[str, Any], *, what: str
) -> ConfigT:
    """Validate `params` into `config_type`, or raise a :class:`ConfigError`.

    Parameters
    ----------
    config_type : type of NetworkConfig
        The configuration class.
    params : NetworkConfig or Mapping
        Parameters as given by a user or a YAML file (a `config_type` instance is
        returned as it is).
    what : str
        The network's name, used in the message.

    Returns
    -------
    NetworkConfig
        The validated, frozen configuration.

    Raises
    ------
    ConfigError
        Naming each wrong key (dotted for nested keys), the value given, and what is
        allowed; unknown keys are listed with the known ones.

    Examples
    --------
    >>> validate_config(UNetConfig, {"features": [8, 16]}, what="unet").features
    (8, 16)
    >>> validate_config(UNetConfig, {"feature": [8]}, what="unet")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    promethium.errors.ConfigError: invalid params for unet: unknown key 'feature' (known ...
    """
    if isinstance(params, config_type):
        return params
    try:
        return config_type.model_validate(dict(params))
    except ValidationError as exc:
        problems = [_describe(config_type, error) for error in exc.errors()]
        raise ConfigError(f"invalid params for {what}: " + "; ".join(problems)) from exc


def _describe(config_type: type[NetworkConfig], error: Any) -> str:
    loc = [part for part in error["loc"] if isinstance(part, str)]
    key = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        owner: Any = config_type
        for part in loc[:-1]:
            annotation = owner.model_fields[part].annotation
            owner = annotation if isinstance(annotation, type) else owner
        known = sorted(owner.model_fields) if issubclass(owner, BaseModel) else []
        return f"unknown key {key!r} (known keys: {known})"
    return f"{key}={error['input']!r}: {error['msg']}"
