"""The plugin contract: how a package adds reconstruction models to Promethium.

A plugin is an installed distribution that declares an entry point in the
``promethium`` group. The entry point names a module (or any object) holding hook
implementations marked with :data:`hookimpl`. Promethium discovers entry points the
first time models are needed (never at ``import promethium``), loads each one in
isolation, and calls its hooks. Built-in models register through the very same hook.

Writing a plugin takes three steps.

1. Declare the entry point in the plugin's ``pyproject.toml``::

       [project.entry-points.promethium]
       my-models = "my_package.plugin"

2. Implement the hook in ``my_package/plugin.py``::

       import promethium as pm

       PROMETHIUM_PLUGIN_API = 1  # the plugin API version this plugin is written for


       def _build(**config):
           from my_package.model import MyReconstructor  # heavy imports go here

           return MyReconstructor(**config)


       @pm.hookimpl
       def promethium_register_models(registry):
           registry.add(
               pm.ModelSpec(name="my-model", family="unet", factory=_build,
                            version="1.0.0", config={"depth": 4},
                            description="My U-Net for land data")
           )

3. Install the package; ``pm.list_models()`` now lists ``my-model`` and
   ``pm.reconstruct(da, model="my-model")`` uses it.

Compatibility contract
----------------------
- Hooks are only ever *added*; an existing hook may gain new arguments, which are
  passed by keyword. pluggy calls an implementation with only the arguments it names,
  so a plugin written against an older hook keeps working when arguments are added.
  Name only the arguments you use.
- :data:`PROMETHIUM_PLUGIN_API` is incremented when a change would break plugins.
  A plugin module may set ``PROMETHIUM_PLUGIN_API`` to the version it needs; a plugin
  that needs a newer API than the installed Promethium provides is reported as broken
  (see :func:`promethium.plugins.plugin_errors`) and skipped, without stopping the
  other plugins.
- Keep the plugin module light: import torch and other heavy dependencies inside
  the model factory, so that listing models stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from promethium.registry import Registry

__all__ = ["PROJECT", "PROMETHIUM_PLUGIN_API", "hookimpl", "hookspec"]

#: Name of the pluggy project and of the entry-point group.
PROJECT = "promethium"

#: Version of the plugin API provided by this Promethium.
PROMETHIUM_PLUGIN_API = 1

#: Marker for hook specifications (used by Promethium itself).
hookspec = pluggy.HookspecMarker(PROJECT)

#: Marker for hook implementations; exported as ``promethium.hookimpl``.
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def promethium_register_models(registry: Registry) -> None:
    """Register reconstruction models.

    Called once per plugin when the model registry is built. Each model is added with
    ``registry.add(ModelSpec(...))``; the registry fills in the plugin's name and its
    distribution's version.

    Parameters
    ----------
    registry : promethium.registry.Registry
        The registry to add models to.

    Raises
    ------
    promethium.errors.PluginError
        From ``registry.add`` when a model name is already taken. Any exception raised
        here marks the plugin broken: the models it added are removed and the other
        plugins keep working.

    Examples
    --------
    >>> from promethium.hookspecs import hookimpl
    >>> from promethium.models.spec import ModelSpec
    >>> @hookimpl
    ... def promethium_register_models(registry):
    ...     registry.add(ModelSpec(name="mine", family="demo", factory=dict))
    """
