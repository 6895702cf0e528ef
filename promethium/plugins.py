"""Plugin discovery: entry points of the ``promethium`` group, each loaded in isolation.

Nothing is discovered at ``import promethium``. The first call that needs models
(:func:`promethium.reconstruct`, :func:`promethium.list_models`, ...) calls
:func:`loaded_plugins`, which loads every entry point in its own ``try``: a plugin
that fails to import (whatever it raises, ``SystemExit`` included; only
``KeyboardInterrupt`` stops discovery), declares a plugin API this Promethium does not
provide, has an invalid hook, or fails to register is skipped with a
:class:`~promethium.errors.PromethiumWarning` naming it, its distribution and version,
and the error; the other plugins keep working. Failures are listed by
:func:`plugin_errors`. The result is cached: :func:`clear_plugin_cache` forgets it.

Settings, read from the environment when plugins are loaded:

``PROMETHIUM_DISABLE_PLUGINS``
    Comma-separated entry-point names of plugins not to load, e.g. ``my-models``.
``PROMETHIUM_STRICT_PLUGINS``
    ``1`` (or ``true``/``yes``/``on``) to raise :class:`~promethium.errors.PluginError`
    when a plugin fails, instead of warning and skipping it.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from promethium.errors import ConfigError, PluginError, PromethiumWarning, closest_match
from promethium.plugin.hooks import MIN_PLUGIN_API, PROJECT, PROMETHIUM_PLUGIN_API
from promethium.registry import Registry

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    import pluggy

__all__ = [
    "DISABLE_ENV",
    "STRICT_ENV",
    "LoadedPlugins",
    "PluginInfo",
    "clear_plugin_cache",
    "default_registry",
    "list_plugins",
    "load_plugins",
    "loaded_plugins",
    "plugin_errors",
]

#: Environment variable listing entry-point names of plugins not to load.
DISABLE_ENV = "PROMETHIUM_DISABLE_PLUGINS"
#: Environment variable that makes plugin failures errors.
STRICT_ENV = "PROMETHIUM_STRICT_PLUGINS"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class PluginInfo:
    """What happened to one entry point.

    Attributes
    ----------
    name : str
        Entry-point name (the plugin's name in messages and settings).
    target : str
        What the entry point loads, e.g. ``"my_package.plugin"``.
    distribution, version : str
        The installed distribution that declares it, and its version.
    api : int or None
        The plugin API version the plugin declares (``PROMETHIUM_PLUGIN_API``).
    status : str
        ``"loaded"``, ``"broken"`` or ``"disabled"``.
    models : tuple of str
        Names of the models it registered.
    error : str
        For a broken plugin, the exception type and message.
    """

    name: str
    target: str
    distribution: str
    version: str
    api: int | None = None
    status: str = "loaded"
    models: tuple[str, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class LoadedPlugins:
    """The outcome of discovery: the plugin manager, the registry, and each plugin.

    Attributes
    ----------
    manager : pluggy.PluginManager
        The manager holding every loaded plugin's hooks.
    registry : Registry
        The models registered by the loaded plugins.
    plugins : tuple of PluginInfo
        One entry per entry point found, loaded, broken or disabled.
    """

    manager: pluggy.PluginManager
    registry: Registry
    plugins: tuple[PluginInfo, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> list[PluginInfo]:
        """The broken plugins, as a list of :class:`PluginInfo` with status ``"broken"``."""
        return [p for p in self.plugins if p.status == "broken"]


def _strict_from_env() -> bool:
    value = os.environ.get(STRICT_ENV, "").strip().lower()
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise ConfigError(f"{STRICT_ENV}={value!r} is not understood; set it to 1 or 0.")


def _disabled_from_env() -> set[str]:
    return {n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()}


def _entry_points() -> list[EntryPoint]:
    from importlib.metadata import entry_points

    eps = list(entry_points(group=PROJECT))
    # Promethium's own plugins first, so a clash is blamed on the newcomer.
    return sorted(eps, key=lambda ep: (_distribution(ep)[0] != PROJECT, ep.name))


def _distribution(ep: EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "unknown distribution", ""
    return str(dist.metadata["Name"] or dist.name), str(dist.version)


def _declared_api(ep: EntryPoint, plugin: object) -> int | None:
    api = getattr(plugin, "PROMETHIUM_PLUGIN_API", None)
    if api is None:
        return None
    if not isinstance(api, int) or isinstance(api, bool) or api < 1:
        raise PluginError(
            f"PROMETHIUM_PLUGIN_API of plugin {ep.name!r} must be a positive int; got {api!r}."
        )
    if api > PROMETHIUM_PLUGIN_API:
        raise PluginError(
            f"plugin {ep.name!r} needs Promethium plugin API {api}, but this Promethium "
            f"provides API {PROMETHIUM_PLUGIN_API}; upgrade promethium."
        )
    if api < MIN_PLUGIN_API:
        raise PluginError(
            f"plugin {ep.name!r} is written for Promethium plugin API {api}, but this "
            f"Promethium provides API {PROMETHIUM_PLUGIN_API} and loads API "
            f"{MIN_PLUGIN_API} or newer; upgrade the plugin (see docs/plugins.md)."
        )
    return api


def _new_manager() -> pluggy.PluginManager:
    import pluggy

    from promethium.plugin import hooks

    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(hooks)
    return manager


def _register(
    manager: pluggy.PluginManager, registry: Registry, ep: EntryPoint, version: str
) -> tuple[int | None, tuple[str, ...]]:
    """Load and register one entry point; undo everything it did if it fails."""
    plugin = ep.load()
    api = _declared_api(ep, plugin)
    before = set(registry.list())
    manager.register(plugin, name=ep.name)
    try:
        manager.check_pending()  # a hookimpl with a misspelt hook name
        others = [p for p in manager.get_plugins() if p is not plugin]
        hook = manager.subset_hook_caller("promethium_register_models", remove_plugins=others)
        with registry._registering(ep.name, version):
            hook(registry=registry)
    except BaseException:
        manager.unregister(plugin)
        raise
    return api, tuple(sorted(set(registry.list()) - before))


def load_plugins(
    *, disabled: Iterable[str] | None = None, strict: bool | None = None
) -> LoadedPlugins:
    """Discover and load the installed plugins into a new manager and registry.

    Not cached: see :func:`loaded_plugins` for the cached version used by default.

    Parameters
    ----------
    disabled : iterable of str, optional
        Entry-point names not to load; default from ``PROMETHIUM_DISABLE_PLUGINS``.
    strict : bool, optional
        Raise on the first broken plugin; default from ``PROMETHIUM_STRICT_PLUGINS``.

    Returns
    -------
    LoadedPlugins
        The plugin manager, the registry and what happened to each entry point.

    Raises
    ------
    PluginError
        In strict mode, when a plugin fails.

    Warns
    -----
    PromethiumWarning
        For each broken plugin (when not strict), and for disabled names that match no
        installed plugin.
    """
    disabled = _disabled_from_env() if disabled is None else set(disabled)
    strict = _strict_from_env() if strict is None else strict
    manager = _new_manager()
    registry = Registry()
    infos: list[PluginInfo] = []
    eps = _entry_points()
    unknown = sorted(disabled - {ep.name for ep in eps})
    if unknown:
        names = sorted({ep.name for ep in eps})
        warnings.warn(
            f"{DISABLE_ENV} names {', '.join(map(repr, unknown))}, which match no installed "
            f"plugin; installed plugins: {', '.join(names) or 'none'}."
            f"{closest_match(unknown[0], names)}",
            PromethiumWarning,
            stacklevel=3,
        )
    for ep in eps:
        dist, version = _distribution(ep)
        info: dict[str, Any] = {
            "name": ep.name,
            "target": ep.value,
            "distribution": dist,
            "version": version,
        }
        if ep.name in disabled:
            infos.append(PluginInfo(**info, status="disabled"))
            continue
        try:
            api, models = _register(manager, registry, ep, version)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit at import is a broken plugin too
            error = f"{type(exc).__name__}: {exc}"
            message = (
                f"plugin {ep.name!r} ({dist} {version}) failed to load and is skipped: "
                f"{error}. The other models keep working; disable it with "
                f"{DISABLE_ENV}={ep.name}."
            )
            if strict:
                raise PluginError(f"{message} ({STRICT_ENV} is set.)") from exc
            warnings.warn(message, PromethiumWarning, stacklevel=3)
            infos.append(PluginInfo(**info, status="broken", error=error))
            continue
        infos.append(PluginInfo(**info, api=api, models=models))
    return LoadedPlugins(manager=manager, registry=registry, plugins=tuple(infos))


@functools.cache
def loaded_plugins() -> LoadedPlugins:
    """Return the installed plugins, loaded on the first call and cached.

    Settings are read from the environment on that first call; call
    :func:`clear_plugin_cache` to discover again (after installing a plugin or
    changing a setting).

    Returns
    -------
    LoadedPlugins
        The manager, the registry and each plugin's outcome; the same object on every
        call until the cache is cleared.

    Raises
    ------
    PluginError
        Only in strict mode (``PROMETHIUM_STRICT_PLUGINS``), for the first plugin that
        fails to load; otherwise broken plugins are recorded and warned about.
    ConfigError
        If ``PROMETHIUM_STRICT_PLUGINS`` has a value that is not understood.
    """
    return load_plugins()


def clear_plugin_cache() -> None:
    """Forget the discovered plugins and built models; the next use discovers again.

    Also drops this process's cache of built networks
    (:func:`promethium.ml.cache.clear_model_cache`), so reinstalled weights or plugin
    code take effect.
    """
    from promethium.ml.cache import clear_model_cache

    loaded_plugins.cache_clear()
    clear_model_cache()


def default_registry() -> Registry:
    """Return the registry of every installed plugin's models, discovered on first use.

    Plugins that fail to load are skipped and reported by :func:`plugin_errors`.

    Returns
    -------
    Registry
        The cached registry of discovered models; the same object until
        :func:`clear_plugin_cache` is called.
    """
    return loaded_plugins().registry


def plugin_errors() -> list[PluginInfo]:
    """Return the plugins that failed to load, with their errors.

    Returns
    -------
    list of PluginInfo
        The broken plugins; each `error` holds the exception type and message.

    Examples
    --------
    >>> [p.name for p in plugin_errors()]  # doctest: +SKIP
    []
    """
    return loaded_plugins().errors


def list_plugins() -> list[PluginInfo]:
    """Return every installed plugin (loaded, broken or disabled), sorted by name.

    Returns
    -------
    list of PluginInfo
        One entry per entry point of the ``promethium`` group.
    """
    return sorted(loaded_plugins().plugins, key=lambda p: p.name)
