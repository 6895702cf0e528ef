"""The installed models as users see them: :func:`list_models` and :func:`create_model`.

Both look in the registry of the installed plugins (discovered on first use, see
:mod:`promethium.plugins`) unless given another :class:`~promethium.registry.Registry`.
"""

from __future__ import annotations

from typing import Any

from promethium.plugin.spec import Reconstructor
from promethium.plugins import default_registry
from promethium.registry import ModelInfo, Registry

__all__ = ["create_model", "list_models"]


def list_models(pattern: str = "*", *, registry: Registry | None = None) -> list[ModelInfo]:
    """List the registered models whose names match the glob `pattern`.

    Parameters
    ----------
    pattern : str
        Glob on model names, e.g. ``"unet*"``.
    registry : Registry, optional
        Registry to list; the installed plugins' registry if not given.

    Returns
    -------
    list of ModelInfo
        Sorted by name; each row carries the model's options (name, default, allowed
        values, unit, one-line help).

    Examples
    --------
    >>> from promethium.plugin import ModelSpec
    >>> registry = Registry()
    >>> _ = registry.add(ModelSpec(name="zero", family="demo", factory=dict))
    >>> [row.family for row in list_models(registry=registry)]
    ['demo']
    >>> [o.name for o in list_models("pocs")[0].options][:3]
    ['patch_size', 'overlap', 'batch_size']
    """
    registry = default_registry() if registry is None else registry
    return [ModelInfo.from_spec(registry.get(name)) for name in registry.list(pattern)]


def create_model(name: str, *, registry: Registry | None = None, **config: Any) -> Reconstructor:
    """Build the model `name` and return its :class:`~promethium.plugin.Reconstructor`.

    Like ``timm.create_model``: `config` overrides the spec's default configuration
    (how the model is built, e.g. a network's width) and is passed to its factory.
    Built models are cached per name and config. Run it with ``pm.reconstruct(da,
    model=name, config=config, **options)``, or directly with
    ``model.reconstruct(da, spec.options.parse(options, owner=...))``.

    Parameters
    ----------
    name : str
        A registered model name, or ``"plugin:name"``.
    registry : Registry, optional
        Where to look the model up; the installed plugins' registry if not given.
    **config
        Overrides of the model's configuration.

    Returns
    -------
    Reconstructor
        The built model.

    Raises
    ------
    ModelNotFoundError
        If no model has that name; the message lists the available ones.
    ConfigError
        For a config key the model does not accept.

    Examples
    --------
    >>> import promethium as pm
    >>> model = pm.create_model("linear")
    >>> isinstance(model, pm.Reconstructor)
    True
    """
    registry = default_registry() if registry is None else registry
    return registry.build(name, config)
