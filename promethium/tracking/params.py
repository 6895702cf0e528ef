"""A nested configuration as MLflow params: dotted keys, string values."""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from typing import Any

from promethium.errors import PromethiumWarning

__all__ = ["MAX_PARAM_LENGTH", "flatten_params", "plain_config"]

#: MLflow's limit on the length of a param value.
MAX_PARAM_LENGTH = 6000


def plain_config(config: Any) -> dict[str, Any]:
    """A configuration as plain JSON-like data (a pydantic model is dumped).

    Raises
    ------
    TypeError
        If `config` is neither a mapping nor a pydantic model.
    """
    if hasattr(config, "model_dump"):
        dumped: dict[str, Any] = config.model_dump(mode="json")
        return dumped
    if isinstance(config, Mapping):
        return json.loads(json.dumps(dict(config), default=str))
    raise TypeError(f"a configuration is a mapping or a pydantic model, got {type(config)}.")


def flatten_params(config: Any) -> dict[str, str]:
    """Flatten a nested configuration into MLflow params with dotted keys.

    Lists are written as JSON; None as ``"null"``. A value longer than MLflow's
    limit is cut (with a :class:`~promethium.errors.PromethiumWarning`); the full
    configuration is logged as an artifact beside the params.

    Parameters
    ----------
    config : Mapping or pydantic.BaseModel
        The configuration, e.g. the seed's ``model``/``data``/``training`` sections.

    Returns
    -------
    dict of str to str

    Examples
    --------
    >>> flatten_params({"model": {"architecture": "unet", "params": {"features": [8, 16]}},
    ...                 "training": {"epochs": 2, "scheduler": None}})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'model.architecture': 'unet', 'model.params.features': '[8, 16]',
     'training.epochs': '2', 'training.scheduler': 'null'}
    """
    flat: dict[str, str] = {}
    _flatten(plain_config(config), "", flat)
    return flat


def _flatten(value: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            _flatten(item, f"{prefix}{key}.", out)
        return
    key = prefix[:-1]
    if not key:  # an empty configuration has no params
        return
    text = value if isinstance(value, str) else json.dumps(value)
    if len(text) > MAX_PARAM_LENGTH:
        warnings.warn(
            f"param {key!r} is {len(text)} characters long, over MLflow's limit of "
            f"{MAX_PARAM_LENGTH}; it is cut in the params (the config artifact has it whole).",
            PromethiumWarning,
            stacklevel=3,
        )
        text = text[: MAX_PARAM_LENGTH - 3] + "..."
    out[key] = text
