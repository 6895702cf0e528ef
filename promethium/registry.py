"""The catalogue of models: a :class:`Registry` holds :class:`ModelSpec` objects by name.

Instances are explicit (tests build their own); nothing here discovers plugins.
Discovery (:mod:`promethium.plugins`) fills a registry through each plugin's
``promethium_register_models`` hook, and :mod:`promethium.catalog` gives users the
installed one (``pm.list_models``, ``pm.create_model``).
"""

from __future__ import annotations

import builtins
import contextlib
import fnmatch
import inspect
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promethium.errors import ConfigError, ModelNotFoundError, PluginError, closest_match
from promethium.plugin.options import ModelOptions, OptionInfo
from promethium.plugin.spec import ModelSpec, Reconstructor

if TYPE_CHECKING:
    from promethium.ml.trained_sampling import TrainedSampling

__all__ = ["ModelInfo", "Registry"]


def _plugin_label(spec: ModelSpec) -> str:
    if not spec.plugin:
        return "no plugin (added directly)"
    version = f" {spec.plugin_version}" if spec.plugin_version else ""
    return f"plugin {spec.plugin!r}{version}"


class Registry:
    """Reconstruction models by name.

    Examples
    --------
    >>> from promethium.plugin import ModelSpec
    >>> registry = Registry()
    >>> _ = registry.add(ModelSpec(name="zero", family="demo", factory=dict))
    >>> "zero" in registry, registry.list("z*")
    (True, ['zero'])
    """

    def __init__(self) -> None:
        self._specs: dict[str, ModelSpec] = {}
        self._built: dict[tuple[str, str], Reconstructor] = {}
        self._plugin: tuple[str, str] | None = None

    def add(self, spec: ModelSpec) -> ModelSpec:
        """Register `spec`; return it with its plugin and plugin version filled in.

        Parameters
        ----------
        spec : ModelSpec
            The model to register; its name must be a non-empty string without ``:``
            and its factory callable.

        Returns
        -------
        ModelSpec
            The registered spec; inside a plugin's registration hook, a copy carrying
            that plugin's name and version.

        Raises
        ------
        PluginError
            If `spec` is not a ModelSpec, its name is invalid, its factory is not
            callable, or its name is already registered (the message names both
            plugins).

        Examples
        --------
        >>> from promethium.plugin import ModelSpec
        >>> registry = Registry()
        >>> registry.add(ModelSpec(name="zero", family="demo", factory=dict)).name
        'zero'
        >>> registry.add(ModelSpec(name="zero", family="demo", factory=dict))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        promethium.errors.PluginError: model name 'zero' ... is already registered by ...
        """
        if not isinstance(spec, ModelSpec):
            raise PluginError(
                f"registry.add expects a promethium ModelSpec, got {type(spec).__name__}; "
                "wrap the model as ModelSpec(name=..., family=..., factory=...)."
            )
        if not isinstance(spec.name, str) or not spec.name or ":" in spec.name:
            raise PluginError(
                f"model name {spec.name!r} is invalid: use a non-empty string without ':'."
            )
        if not callable(spec.factory):
            raise PluginError(f"the factory of model {spec.name!r} is not callable.")
        if not (isinstance(spec.options, type) and issubclass(spec.options, ModelOptions)):
            raise PluginError(
                f"the options of model {spec.name!r} must be a subclass of "
                f"promethium.ModelOptions (the schema of its options); got {spec.options!r}."
            )
        if self._plugin is not None:
            plugin, version = self._plugin
            spec = ModelSpec(**{**vars(spec), "plugin": plugin, "plugin_version": version})
        if spec.name in self._specs:
            other = self._specs[spec.name]
            raise PluginError(
                f"model name {spec.name!r} from {_plugin_label(spec)} is already registered "
                f"by {_plugin_label(other)}; rename one of the models, or disable one plugin "
                "with PROMETHIUM_DISABLE_PLUGINS=<plugin>."
            )
        self._specs[spec.name] = spec
        return spec

    def get(self, name: str) -> ModelSpec:
        """Return the spec of model `name` (or ``"plugin:name"`` to pin the plugin).

        Parameters
        ----------
        name : str
            A registered model name, optionally prefixed by the plugin that must have
            registered it, as in ``"myplugin:unet"``.

        Returns
        -------
        ModelSpec
            The registered spec.

        Raises
        ------
        ModelNotFoundError
            If no such model is registered (or it comes from another plugin); the
            message lists the registered names and the closest match.

        Examples
        --------
        >>> from promethium.plugin import ModelSpec
        >>> registry = Registry()
        >>> _ = registry.add(ModelSpec(name="zero", family="demo", factory=dict))
        >>> registry.get("zero").family
        'demo'
        >>> registry.get("zeros")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        promethium.errors.ModelNotFoundError: no model named 'zeros' ... Did you mean 'zero'?
        """
        plugin, _, model = name.rpartition(":") if isinstance(name, str) else ("", "", name)
        spec = self._specs.get(model) if isinstance(model, str) else None
        if spec is not None and (not plugin or plugin == spec.plugin):
            return spec
        names = sorted(self._specs)
        available = ", ".join(names) if names else "none (is a plugin broken? see plugin_errors())"
        where = f" from plugin {plugin!r}" if plugin and spec is not None else ""
        raise ModelNotFoundError(
            f"no model named {model!r}{where} is registered; available models: "
            f"{available}.{closest_match(str(model), names)}"
        )

    def list(self, pattern: str = "*") -> builtins.list[str]:
        """Return the sorted names matching the glob `pattern`, e.g. ``"unet*"``.

        Parameters
        ----------
        pattern : str, default "*"
            Case-sensitive :mod:`fnmatch` glob on model names.

        Returns
        -------
        list of str
            Matching names, sorted.

        Examples
        --------
        >>> from promethium.plugin import ModelSpec
        >>> registry = Registry()
        >>> for name in ("unet_small", "unet_large", "pocs"):
        ...     _ = registry.add(ModelSpec(name=name, family="demo", factory=dict))
        >>> registry.list("unet*")
        ['unet_large', 'unet_small']
        """
        return sorted(n for n in self._specs if fnmatch.fnmatchcase(n, pattern))

    def build(self, name: str, config: Mapping[str, Any] | None = None) -> Reconstructor:
        """Build model `name` with its default config updated by `config`, cached.

        The accepted config keys are those of the spec's default config and the named
        parameters of its factory. Built reconstructors are cached per name and
        config, so a model is built (and its weights loaded) once.

        Parameters
        ----------
        name : str
            Model name, as accepted by :meth:`get`.
        config : Mapping of str to Any, optional
            Overrides of the spec's default config, passed to its factory as keyword
            arguments.

        Returns
        -------
        Reconstructor
            The built model (the cached one when already built with this config).

        Raises
        ------
        ModelNotFoundError
            If no model is called `name`.
        ConfigError
            If `config` has a key the model does not accept.
        PluginError
            If the factory does not return a Reconstructor.
        """
        spec = self.get(name)
        if config is not None and not isinstance(config, Mapping):
            raise ConfigError(
                f"config for model {spec.name!r} must be a mapping of config keys to values "
                f"(e.g. {{'key': value}}); got {type(config).__name__}."
            )
        merged = {**spec.config, **(config or {})}
        _check_config(spec, merged)
        key = (spec.name, json.dumps(merged, sort_keys=True, default=repr))
        if key not in self._built:
            reconstructor = spec.factory(**merged)
            if not isinstance(reconstructor, Reconstructor):
                raise PluginError(
                    f"the factory of model {spec.name!r} ({_plugin_label(spec)}) returned "
                    f"{type(reconstructor).__name__}, which has no `reconstruct` method; "
                    "it must return a promethium Reconstructor."
                )
            self._built[key] = reconstructor
        return self._built[key]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._specs

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._specs))

    def __len__(self) -> int:
        return len(self._specs)

    def __repr__(self) -> str:
        return f"Registry({', '.join(self.list())})"

    @contextlib.contextmanager
    def _registering(self, plugin: str, version: str) -> Iterator[None]:
        """Attribute the models added inside to `plugin`; remove them all on error."""
        before = set(self._specs)
        self._plugin = (plugin, version)
        try:
            yield
        except BaseException:
            for name in set(self._specs) - before:
                del self._specs[name]
            raise
        finally:
            self._plugin = None


def _check_config(spec: ModelSpec, config: Mapping[str, Any]) -> None:
    try:
        params = inspect.signature(spec.factory).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature accept what they accept
        return
    accepted = set(spec.config)
    accepted |= {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    unknown = sorted(set(config) - accepted)
    if unknown:
        names = sorted(accepted)
        raise ConfigError(
            f"model {spec.name!r} has no config key {unknown[0]!r}; accepted keys: "
            f"{', '.join(names) or 'none'}.{closest_match(unknown[0], names)}"
        )


@dataclass(frozen=True)
class ModelInfo:
    """One row of :func:`list_models`.

    Attributes
    ----------
    name, family, description : str
        As registered.
    plugin, plugin_version : str
        The plugin (entry-point name) that registered the model, and its version.
    version : str
        The model's own version.
    weights : bool
        Whether the model ships weights and the file exists.
    options : tuple of OptionInfo
        Each option with its default, allowed values, unit and one-line help.
    benchmark : tuple of (str, float)
        The shipped weights' benchmark: (scenario, SNR improvement in dB on the
        missing traces), from the ``metrics.benchmark.snr_improvement_db`` of their
        sidecar; empty for a model without shipped weights or numbers.
    trained_sampling : TrainedSampling or None
        The sample intervals and trace spacings the shipped weights were trained on
        (from their sidecar's ``data.synthetic``); None without shipped weights or a
        recorded recipe. A survey outside it gets a warning (see ``docs/inference.md``).
    """

    name: str
    family: str
    plugin: str
    plugin_version: str
    version: str
    weights: bool
    description: str
    options: tuple[OptionInfo, ...] = ()
    benchmark: tuple[tuple[str, float], ...] = ()
    trained_sampling: TrainedSampling | None = None

    @classmethod
    def from_spec(cls, spec: ModelSpec) -> ModelInfo:
        """Summarise `spec`.

        Parameters
        ----------
        spec : ModelSpec
            A registered model spec.

        Returns
        -------
        ModelInfo
            Its listing row; `weights` is True only if the spec names a weights file
            that exists.

        Examples
        --------
        >>> from promethium.plugin import ModelSpec
        >>> ModelInfo.from_spec(ModelSpec(name="zero", family="demo", factory=dict)).weights
        False
        """
        shipped = spec.weights is not None and Path(spec.weights).is_file()
        return cls(
            name=spec.name,
            family=spec.family,
            plugin=spec.plugin,
            plugin_version=spec.plugin_version,
            version=spec.version,
            weights=shipped,
            description=spec.description,
            options=spec.options.describe(),
            benchmark=_benchmark_of(Path(spec.weights)) if shipped and spec.weights else (),
            trained_sampling=_sampling_of(Path(spec.weights)) if shipped and spec.weights else None,
        )


def _sampling_of(weights: Path) -> TrainedSampling | None:
    """The trained sampling the sidecar of `weights` records; None when unreadable or absent."""
    from promethium.ml.trained_sampling import TrainedSampling

    try:
        info = json.loads(weights.with_suffix(".json").read_text())
    except (OSError, ValueError):
        return None
    return TrainedSampling.from_sidecar(info) if isinstance(info, dict) else None


def _benchmark_of(weights: Path) -> tuple[tuple[str, float], ...]:
    """(scenario, SNR gain in dB) from the sidecar of `weights`; empty when it has none.

    Listing never fails on a sidecar: loading the weights checks it and says what is
    wrong.
    """
    try:
        info = json.loads(weights.with_suffix(".json").read_text())
        table = info["metrics"]["benchmark"]["snr_improvement_db"]
        return tuple((str(k), float(v)) for k, v in table.items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ()
