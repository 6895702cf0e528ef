"""Inference settings from a training configuration file: its ``model`` and ``inference``.

The seed's YAML file drives inference as well as training: :func:`inference_settings`
validates it with the training schema (:func:`promethium.train.config.load_config`)
and returns the model name (``model.architecture``), its config (``model.params``) and
the options its ``inference`` section sets, ready for :func:`promethium.reconstruct`.
``promethium reconstruct --config FILE.yaml`` does the same, command-line options
overriding the file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from promethium.typing import PathType

__all__ = ["CONFIG_SUFFIXES", "InferenceSettings", "inference_settings"]

#: Suffixes of configuration files (as opposed to ``KEY=VALUE`` items).
CONFIG_SUFFIXES: tuple[str, ...] = (".yaml", ".yml")


@dataclass(frozen=True)
class InferenceSettings:
    """What a configuration file says about inference.

    Attributes
    ----------
    model : str
        ``model.architecture``: the registered model to run.
    config : dict
        ``model.params``, validated, with the network's defaults filled in.
    options : dict
        The options the ``inference`` section sets (only those it sets: the model's
        defaults fill the rest).
    """

    model: str
    config: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`promethium.reconstruct`: model, config, options.

        Examples
        --------
        >>> s = InferenceSettings("unet", {"features": [8]}, {"batch_size": 2})
        >>> s.kwargs()
        {'model': 'unet', 'config': {'features': [8]}, 'batch_size': 2}
        """
        return {"model": self.model, "config": dict(self.config), **self.options}


def inference_settings(path: PathType, overrides: Sequence[str] = ()) -> InferenceSettings:
    """Read the ``model`` and ``inference`` sections of a training configuration file.

    Parameters
    ----------
    path : str or path-like
        The YAML file (``model``, ``data``, ``training``, ``inference``), validated by
        the training schema.
    overrides : sequence of str
        ``key=value`` items applied before validation (``inference.batch_size=2``).

    Returns
    -------
    InferenceSettings
        Pass ``**settings.kwargs()`` to :func:`promethium.reconstruct`, with the
        trained ``weights=``.

    Raises
    ------
    ConfigError
        If the file cannot be read or does not validate (naming the key and what is
        allowed).

    Examples
    --------
    >>> s = inference_settings("examples/configs/unet.yaml")  # doctest: +SKIP
    >>> out = pm.reconstruct(da, **s.kwargs(), weights="best.safetensors")  # doctest: +SKIP
    """
    from promethium.train.config import load_config

    cfg = load_config(os.fspath(path), overrides)
    options = cfg.inference.model_dump(mode="json", exclude_unset=True)
    return InferenceSettings(cfg.model.architecture, dict(cfg.model.params), options)
