"""The whole file (:class:`TrainConfig`): read from YAML, overridden, validated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from promethium.errors import ConfigError, closest_match
from promethium.ml.options import TorchOptions
from promethium.tracking.settings import TrackingConfig
from promethium.train.config.base import Section
from promethium.train.config.data import DataConfig
from promethium.train.config.model import ModelConfig
from promethium.train.config.training import TrainingConfig

__all__ = ["TrainConfig", "apply_overrides", "load_config", "parse_config"]


class TrainConfig(Section):
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
