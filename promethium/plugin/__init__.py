"""The plugin contract: everything a package imports to add models to Promethium.

A plugin is an installed distribution that declares an entry point in the
``promethium`` group. The entry point names a module (or any object) holding hook
implementations marked with :data:`hookimpl`. Promethium discovers entry points the
first time models are needed (never at ``import promethium``), loads each one in
isolation, and calls its hooks. Built-in models register through the very same hook.

This package depends on nothing in Promethium but :mod:`promethium.errors`; every name
is also exported at the top level (``pm.hookimpl``, ``pm.ModelSpec``,
``pm.ModelOptions``, ...).

Writing a plugin takes three steps.

1. Declare the entry point in the plugin's ``pyproject.toml``::

       [project.entry-points.promethium]
       my-models = "my_package.plugin"

2. Declare the model's options once, as data, and implement the hook in
   ``my_package/plugin.py``::

       from typing import Literal

       from pydantic import Field

       import promethium as pm

       PROMETHIUM_PLUGIN_API = 2  # the plugin API version this plugin is written for


       class MyOptions(pm.ModelOptions):
           depth: int = Field(4, ge=1, le=8, description="Levels of the U-Net.")
           mode: Literal["fast", "exact"] = Field("fast", description="Speed or accuracy.")


       def _build(**config):
           from my_package.model import MyReconstructor  # heavy imports go here

           return MyReconstructor(**config)  # .reconstruct(da, options: MyOptions)


       @pm.hookimpl
       def promethium_register_models(registry):
           registry.add(
               pm.ModelSpec(name="my-model", family="unet", factory=_build,
                            options=MyOptions, version="1.0.0",
                            description="My U-Net for land data")
           )

3. Install the package; ``pm.list_models()`` lists ``my-model`` with its options and
   ``pm.reconstruct(da, model="my-model", depth=6)`` uses it. Test it with
   :func:`promethium.testing.assert_reconstruction_contract` (``pm.testing``), the
   suite every model passes.

Compatibility contract
----------------------
- Hooks are only ever *added*; an existing hook may gain new arguments, which are
  passed by keyword. pluggy calls an implementation with only the arguments it names,
  so a plugin written against an older hook keeps working when arguments are added.
  Name only the arguments you use.
- :data:`PROMETHIUM_PLUGIN_API` is incremented when a change would break plugins.
  A plugin module may set ``PROMETHIUM_PLUGIN_API`` to the version it is written for;
  a plugin that needs a newer API than the installed Promethium provides, or one older
  than :data:`MIN_PLUGIN_API`, is reported as broken (see
  :func:`promethium.plugin_errors`) and skipped, without stopping the other plugins.
  API 2 passes a model its options as one validated object (API 1 passed keywords).
- Keep the plugin module light: import torch and other heavy dependencies inside
  the model factory, so that listing models stays fast.
"""

from __future__ import annotations

from promethium.plugin.contract import assert_options_schema
from promethium.plugin.hooks import (
    MIN_PLUGIN_API,
    PROJECT,
    PROMETHIUM_PLUGIN_API,
    ModelRegistry,
    hookimpl,
    hookspec,
)
from promethium.plugin.options import ModelOptions, OptionInfo, Options
from promethium.plugin.spec import ModelSpec, Reconstructor

__all__ = [
    "MIN_PLUGIN_API",
    "PROJECT",
    "PROMETHIUM_PLUGIN_API",
    "ModelOptions",
    "ModelRegistry",
    "ModelSpec",
    "OptionInfo",
    "Options",
    "Reconstructor",
    "assert_options_schema",
    "hookimpl",
    "hookspec",
]
