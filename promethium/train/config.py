"""The training configuration: the seed's YAML validated into typed, frozen models.

The sections are ``model``, ``data``, ``training`` and ``inference``.
Unknown keys and wrong types raise :class:`~promethium.errors.ConfigError` naming the
dotted key, the value given and what is allowed; ``model.params`` is validated by the
network's own configuration (:mod:`promethium.models.networks.configs`).
:func:`load_config` reads a YAML file and applies ``--set key=value`` overrides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from promethium.errors import ConfigError, closest_match
from promethium.ml.options import TorchOptions
from promethium.models.networks.configs import (
    GANConfig,
    NetworkConfig,
    PINNConfig,
    UNetConfig,
    VAEConfig,
    validate_config,
)
from promethium.plugin.options import Options
from promethium.tracking.settings import TrackingConfig

__all__ = [
    "ARCHITECTURES",
    "AugmentationConfig",
    "DataConfig",
    "GapMask",
    "ModelConfig",
    "RandomMask",
    "RegularMask",
    "SyntheticConfig",
    "TrainConfig",
    "TrainingConfig",
    "apply_overrides",
    "load_config",
    "parse_config",
]

#: The architectures training knows, with the configuration class of their params.
ARCHITECTURES: Mapping[str, type[NetworkConfig]] = {
    "unet": UNetConfig,
    "attention_unet": UNetConfig,
    "residual_unet": UNetConfig,
    "vae": VAEConfig,
    "gan": GANConfig,
    "pinn": PINNConfig,
}

PositiveInt = Annotated[StrictInt, Field(ge=1)]
Fraction = Annotated[float, Field(ge=0.0, lt=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]


class _Section(Options):
    """A section of the file: the option-schema base (unknown keys refused, frozen)."""


def _pair(value: Any) -> Any:
    """An int ``n`` means ``(n, n)``; a pair stays a pair."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError("give an int or a pair [traces, samples] of ints")
    return value


class ModelConfig(_Section):
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


class RandomMask(_Section):
    """Remove a random fraction of the traces: ``ratio`` fixed, or drawn from a range."""

    kind: Literal["random"] = "random"
    ratio: Fraction | tuple[Fraction, Fraction] = (0.1, 0.5)


class RegularMask(_Section):
    """Regular decimation: keep one trace in ``keep_every`` (drawn from a list of choices)."""

    kind: Literal["regular"] = "regular"
    keep_every: (
        Annotated[StrictInt, Field(ge=2)] | tuple[Annotated[StrictInt, Field(ge=2)], ...]
    ) = (
        2,
        3,
        4,
    )


class GapMask(_Section):
    """``n_gaps`` gaps of ``gap_width`` consecutive traces (width drawn from a range)."""

    kind: Literal["gaps"] = "gaps"
    n_gaps: PositiveInt = 1
    gap_width: PositiveInt | tuple[PositiveInt, PositiveInt] = (2, 8)


MaskSpec = Annotated[RandomMask | RegularMask | GapMask, Field(discriminator="kind")]


class AugmentationConfig(_Section):
    """``data.augmentation``: what varies the training patches (never validation).

    Attributes
    ----------
    enable : bool
        Master switch.
    noise_std : float
        Gaussian noise added to the live input samples, relative to the patch RMS.
    flip_traces : bool
        Reverse the trace order of half the patches (left-right symmetry).
    amplitude_scale : tuple of float
        Range of per-trace gains, applied to input and target alike (trace-to-trace
        amplitude variation of field data); ``(1, 1)`` turns it off.
    polarity : bool
        Flip the sign of half the patches.
    """

    enable: StrictBool = True
    noise_std: NonNegative = 0.01
    flip_traces: StrictBool = True
    amplitude_scale: tuple[Positive, Positive] = (0.8, 1.25)
    polarity: StrictBool = True

    @field_validator("amplitude_scale")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] > value[1]:
            raise ValueError(f"the range must be (low, high) with low <= high; got {value}")
        return value


class SyntheticConfig(_Section):
    """``data.synthetic``: generated panels instead of files.

    Attributes
    ----------
    kind : {"section", "gather", "fd"}
        :func:`~promethium.synthetic.synthetic_section`,
        :func:`~promethium.synthetic.synthetic_gather`, or finite-difference shot
        gathers (:func:`~promethium.modeling.cached_fd_shot_gathers`: direct waves,
        reflections, diffractions and refractions from random velocity models).
    n_train, n_val : int
        Panels for training (seeds ``seed, seed+1, ...``; for ``fd``, indices
        ``0 ..`` of the set seeded by ``seed``) and validation (from ``seed +
        1_000_000``; for ``fd``, indices from 1_000_000): the two never share a panel.
    n_traces, n_samples : int
        Size of each panel.
    dt_ms : float or list of float
        Sample interval, in milliseconds; for ``fd`` a list of choices, one drawn per
        gather (the physics loss needs a single value).
    n_events : int
        Events per panel (``section``, ``gather``).
    noise : float
        ``section``, ``gather``: white noise relative to the peak amplitude. ``fd``:
        field-like noise (band-limited noise, noisy and spiky traces, coupling, swell)
        relative to the gather's RMS.
    seed : int
        First seed.
    family : str
        ``fd``: the velocity-model family (:data:`~promethium.modeling.FAMILIES`);
        the shipped weights train on ``layered_faulted`` only, and benchmarks evaluate
        on :data:`~promethium.modeling.EVALUATION_FAMILIES`.
    trace_spacing_m : float or list of float
        ``fd``: receiver spacing in metres, or choices drawn per gather.
    frequency_hz : (float, float)
        ``fd``: range of the source's peak frequency (capped per gather to what its
        sample interval carries).
    spread : list of {"end-on", "split"}
        ``fd``: spreads drawn per gather.
    gain : {"none", "t", "t2"} or list of them
        ``fd``: gain applied to the modelled samples, or choices drawn per gather
        (recorded in each gather's attrs).
    thin_beds : bool
        ``fd``: conformable thin beds in every velocity model, so reflections are as
        dense as in field data (the shipped weights' first recipes trained without).
    cache_dir : str or None
        ``fd``: folder caching the modelled gathers, keyed by a hash of these settings,
        so several runs share one dataset (None: model every run).
    workers : int
        ``fd``: processes modelling gathers in parallel.
    """

    kind: Literal["section", "gather", "fd"] = "section"
    n_train: PositiveInt = 16
    n_val: PositiveInt = 4
    n_traces: PositiveInt = 128
    n_samples: PositiveInt = 256
    dt_ms: Positive | tuple[Positive, ...] = 4.0
    n_events: PositiveInt = 8
    noise: NonNegative = 0.0
    seed: StrictInt = 0
    family: str = "layered_faulted"
    trace_spacing_m: Positive | tuple[Positive, ...] = (6.25, 12.5, 25.0)
    frequency_hz: tuple[Positive, Positive] = (12.0, 28.0)
    spread: tuple[Literal["end-on", "split"], ...] = ("end-on", "split")
    gain: Literal["none", "t", "t2"] | tuple[Literal["none", "t", "t2"], ...] = "none"
    thin_beds: StrictBool = False
    cache_dir: str | None = None
    workers: PositiveInt = 1

    @field_validator("family")
    @classmethod
    def _known_family(cls, value: str) -> str:
        from promethium.modeling.velocity import FAMILIES

        if value not in FAMILIES:
            raise ValueError(
                f"unknown velocity-model family; known: {', '.join(FAMILIES)}"
                + closest_match(value, FAMILIES)
            )
        return value

    @field_validator("dt_ms", "trace_spacing_m", "spread", "gain")
    @classmethod
    def _some_choices(cls, value: Any) -> Any:
        if isinstance(value, tuple) and not value:
            raise ValueError("give a value or a non-empty list of choices")
        return value

    @field_validator("frequency_hz")
    @classmethod
    def _frequency_range(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] > value[1]:
            raise ValueError(f"the range must be (low, high) with low <= high; got {value}")
        return value

    @model_validator(mode="after")
    def _choices_need_fd(self) -> SyntheticConfig:
        if self.kind != "fd" and isinstance(self.dt_ms, tuple):
            raise ValueError(
                f"a list of dt_ms choices needs kind: fd; kind {self.kind!r} takes one value"
            )
        return self


def _default_masks() -> list[MaskSpec]:
    return [RandomMask()]


class DataConfig(_Section):
    """``data``: where patches come from and how they are masked and augmented.

    Attributes
    ----------
    train_path, val_path : str or list of str
        A folder (its ``*.sgy``, ``*.segy`` and ``*.zarr`` entries) or a list of
        SEG-Y files and Zarr stores. Give both, or ``synthetic``.
    synthetic : SyntheticConfig
        Synthetic panels instead of files.
    patch_size, stride : int or (int, int)
        Patch (traces, samples) and the step between patches.
    masks : list
        Trace-mask kinds, one drawn per patch: ``random`` (``ratio``), ``regular``
        (``keep_every``), ``gaps`` (``n_gaps``, ``gap_width``).
    augmentation : AugmentationConfig
        Training augmentation.
    """

    train_path: str | list[str] | None = None
    val_path: str | list[str] | None = None
    synthetic: SyntheticConfig | None = None
    patch_size: Annotated[tuple[PositiveInt, PositiveInt], Field()] = (256, 256)
    stride: Annotated[tuple[PositiveInt, PositiveInt], Field()] = (128, 128)
    masks: Annotated[list[MaskSpec], Field(min_length=1)] = Field(default_factory=_default_masks)
    augmentation: AugmentationConfig = Field(default_factory=AugmentationConfig)

    @field_validator("patch_size", "stride", mode="before")
    @classmethod
    def _int_is_square(cls, value: Any) -> Any:
        return _pair(value)

    @model_validator(mode="after")
    def _one_source(self) -> DataConfig:
        files = self.train_path is not None or self.val_path is not None
        if files and self.synthetic is not None:
            raise ValueError("give either train_path and val_path, or synthetic, not both")
        if not files and self.synthetic is None:
            raise ValueError("give train_path and val_path (SEG-Y or Zarr), or synthetic: {}")
        if files and (self.train_path is None or self.val_path is None):
            raise ValueError("give both train_path and val_path")
        return self


class OptimizerConfig(_Section):
    """``training.optimizer``: AdamW."""

    type: Literal["adamw"] = "adamw"
    learning_rate: Positive = 1e-4
    weight_decay: NonNegative = 0.01
    betas: tuple[Fraction, Fraction] = (0.9, 0.999)


class SchedulerConfig(_Section):
    """``training.scheduler``: reduce the learning rate when validation stalls."""

    type: Literal["reduce_on_plateau"] = "reduce_on_plateau"
    factor: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.5
    patience: Annotated[StrictInt, Field(ge=0)] = 10
    min_lr: NonNegative = 0.0


class EarlyStoppingConfig(_Section):
    """``training.early_stopping``: stop after ``patience`` epochs without improvement."""

    enable: StrictBool = True
    patience: PositiveInt = 20
    min_delta: NonNegative = 0.0


class TrainingConfig(_Section):
    """``training``: the optimisation.

    Attributes
    ----------
    epochs, batch_size : int
        Epochs, and patches per step (per process under torchrun).
    optimizer, scheduler, early_stopping
        See their classes.
    mixed_precision : bool
        float16 autocast with gradient scaling on CUDA; bfloat16 autocast on the CPU.
    grad_clip : float or None
        Maximum global gradient norm (None: no clipping).
    loss_on : {"all", "missing"}
        Score every sample, or only the traces the mask removed.
    steps_per_epoch : int or None
        Cap on the steps of an epoch (None: every patch once).
    checkpoint_every_steps : int or None
        Also checkpoint every N optimiser steps (always at each epoch's end).
    seed : int
        Seeds weights, patch order, masks, augmentation and dropout.
    init_weights : str or None
        Start from this weight set (``.safetensors`` with its sidecar, e.g. a shipped
        set) instead of random weights: the whole network's weights, or those of a
        ``pinn`` backbone or ``gan`` generator when the set is of that backbone (the
        keys must match exactly). Recorded in the weights' sidecar.
    device : str
        ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
    output_dir : str
        Where checkpoints and weights go.
    """

    epochs: PositiveInt = 100
    batch_size: PositiveInt = 16
    optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    early_stopping: EarlyStoppingConfig = Field(default_factory=EarlyStoppingConfig)
    mixed_precision: StrictBool = True
    grad_clip: Positive | None = 1.0
    loss_on: Literal["all", "missing"] = "all"
    steps_per_epoch: PositiveInt | None = None
    checkpoint_every_steps: PositiveInt | None = None
    seed: StrictInt = 0
    init_weights: str | None = None
    device: str = "auto"
    output_dir: str = "runs/train"

    @field_validator("device")
    @classmethod
    def _known_device(cls, value: str) -> str:
        try:  # one definition of a device name: the torch models' option schema
            TorchOptions.model_validate({"device": value})
        except ValidationError:
            raise ValueError(f"unknown device {value!r}; use auto, cpu, cuda or cuda:N") from None
        return value


class TrainConfig(_Section):
    """The whole YAML file: ``model``, ``data``, ``training``, ``inference``, ``tracking``.

    ``inference`` is :class:`~promethium.ml.options.TorchOptions`, the schema of the
    options of every network run by the patch engine; ``tracking`` is
    :class:`~promethium.tracking.TrackingConfig` (MLflow).
    """

    model: ModelConfig = Field(default_factory=ModelConfig)
    data: DataConfig
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    inference: TorchOptions = Field(default_factory=TorchOptions)
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)


def parse_config(raw: Mapping[str, Any], *, source: str = "config") -> TrainConfig:
    """Validate a configuration mapping (as read from YAML) into :class:`TrainConfig`.

    Parameters
    ----------
    raw : Mapping
        The ``model``, ``data``, ``training`` and ``inference`` sections.
    source : str, optional
        Where `raw` came from, for messages.

    Returns
    -------
    TrainConfig
        Frozen, with every default filled in.

    Raises
    ------
    ConfigError
        Naming each wrong key (dotted), the value given and what is allowed.

    Examples
    --------
    >>> cfg = parse_config({"data": {"synthetic": {}, "patch_size": 64, "stride": 32}})
    >>> cfg.data.patch_size, cfg.model.params["features"]
    ((64, 64), [64, 128, 256, 512])
    >>> parse_config({"data": {"synthetic": {}}, "training": {"epoch": 2}})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    promethium.errors.ConfigError: invalid config: unknown key 'training.epoch' (known ...
    """
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{source} must be a mapping of sections; got {type(raw).__name__}.")
    try:
        return TrainConfig.model_validate(dict(raw))
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors()]
        where = "config" if source == "config" else f"config {source}"
        raise ConfigError(f"invalid {where}: " + "; ".join(problems)) from exc


def _describe(error: Any) -> str:
    loc = [str(part) for part in error["loc"]]
    # Drop the tags pydantic adds for unions ("tuple[...]", "random") from the key.
    key = ".".join(p for p in loc if not (("[" in p) or p in ("random", "regular", "gaps")))
    if error["type"] == "extra_forbidden":
        owner: Any = TrainConfig
        for part in loc[:-1]:
            field = getattr(owner, "model_fields", {}).get(part)
            if field is None:
                break
            annotation = field.annotation
            owner = annotation if isinstance(annotation, type) else _model_in(annotation)
        known = sorted(getattr(owner, "model_fields", {}))
        hint = closest_match(loc[-1], known)
        return f"unknown key {key!r} (known keys: {known}){hint}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if loc == ["model"]:  # the network's own validation names its keys
        return message
    if error["type"] == "missing":
        return f"{key}: required"
    return f"{key}={error['input']!r}: {message}"


def _model_in(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def apply_overrides(raw: Mapping[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Return a copy of `raw` with ``key=value`` overrides applied (dotted keys).

    Each value is parsed with ``yaml.safe_load`` (``2`` is an int, ``[8, 16]`` a list,
    ``true`` a bool, ``1e-4`` a float); missing intermediate sections are created.

    Raises
    ------
    ConfigError
        If an override has no ``=``, an empty key, or walks into a non-mapping value.

    Examples
    --------
    >>> apply_overrides({"training": {"epochs": 100}}, ["training.epochs=2"])
    {'training': {'epochs': 2}}
    """
    import copy

    import yaml

    out = copy.deepcopy(dict(raw))
    for item in overrides:
        key, sep, text = item.partition("=")
        parts = key.strip().split(".")
        if not sep or not all(parts):
            raise ConfigError(
                f"override {item!r} must be KEY=VALUE with a dotted key, e.g. training.epochs=2."
            )
        try:
            value = yaml.safe_load(text) if text.strip() else None
        except yaml.YAMLError as exc:
            raise ConfigError(f"override {item!r}: the value is not YAML: {exc}.") from exc
        if isinstance(value, str):
            value = _yaml_number(value)
        node = out
        for depth, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                where = ".".join(parts[: depth + 1])
                raise ConfigError(
                    f"override {item!r}: {where!r} is {child!r}, not a section with keys."
                )
            node = child
        node[parts[-1]] = value
    return out


def _yaml_number(text: str) -> Any:
    """YAML 1.1 reads ``1e-4`` as a string; read it as the float users mean."""
    try:
        return float(text) if any(c.isdigit() for c in text) and "e" in text.lower() else text
    except ValueError:
        return text


def load_config(path: str | Path, overrides: Sequence[str] = ()) -> TrainConfig:
    """Read a YAML configuration file, apply `overrides`, and validate it.

    Parameters
    ----------
    path : str or path-like
        The YAML file.
    overrides : sequence of str
        ``key=value`` items (see :func:`apply_overrides`).

    Returns
    -------
    TrainConfig

    Raises
    ------
    ConfigError
        If the file cannot be read, is not YAML, or does not validate.
    """
    import yaml

    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {str(path)!r}: {exc.strerror}.") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid YAML: {exc}.") from exc
    raw = _floats_of_yaml11(raw if raw is not None else {})
    return parse_config(apply_overrides(raw, overrides) if overrides else raw, source=str(path))


def _floats_of_yaml11(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _floats_of_yaml11(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats_of_yaml11(v) for v in value]
    if isinstance(value, str):
        return _yaml_number(value)
    return value
