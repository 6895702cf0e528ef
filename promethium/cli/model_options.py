"""Model options given on the command line as ``KEY=VALUE``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from promethium.models.networks.settings import InferenceSettings

__all__ = ["checked_options", "config_file", "key_values"]


def key_values(pairs: list[str], what: str) -> dict[str, Any]:
    """Parse ``KEY=VALUE`` pairs; values are JSON (numbers, lists, true) or strings."""
    from promethium.errors import ConfigError

    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"{what} {pair!r} is not KEY=VALUE, e.g. {what} n_iter=30.")
        try:
            out[key] = json.loads(text)
        except json.JSONDecodeError:
            out[key] = text
    return out


def config_file(items: list[str]) -> tuple[list[str], InferenceSettings | None]:
    """Split ``--config`` items into ``KEY=VALUE`` pairs and a training config file.

    A ``FILE.yaml`` item (no ``=``) is read with
    :func:`promethium.models.networks.settings.inference_settings`: its ``model`` and
    ``inference`` sections.

    Raises
    ------
    ConfigError
        For more than one file, or a file that does not validate.
    """
    from promethium.errors import ConfigError
    from promethium.models.networks.settings import CONFIG_SUFFIXES, inference_settings

    files = [i for i in items if "=" not in i and i.lower().endswith(CONFIG_SUFFIXES)]
    if len(files) > 1:
        raise ConfigError(f"--config takes one configuration file; got {files}.")
    pairs = [i for i in items if i not in files]
    return pairs, inference_settings(files[0]) if files else None


def checked_options(model: str, options: dict[str, Any]) -> dict[str, Any]:
    """Check `options` against the schema of `model`, as the run will; return them.

    Values given as text are coerced by the schema (``"30"`` to 30, ``"64,128"`` to a
    pair), so a command line fails here, before any data is read, with the message the
    library gives: the option, the value and what is allowed.

    Raises
    ------
    ModelNotFoundError
        If no installed model is called `model` (or no registered model version has
        the ``models:/`` URI `model`).
    ConfigError
        For an unknown option, a wrong type or an out-of-range value.
    """
    from promethium.plugins import default_registry
    from promethium.reconstruct import model_options

    if model.startswith("models:/"):  # a registered network: its architecture's schema
        from promethium.tracking.resolve import registered_model_config

        model, _ = registered_model_config(model)
    model_options(default_registry().get(model), options)
    return options
