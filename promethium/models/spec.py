"""What a model is to Promethium: a :class:`ModelSpec` and a :class:`Reconstructor`.

A plugin registers a :class:`ModelSpec` per model; the spec's ``factory`` builds a
:class:`Reconstructor`, the object whose ``reconstruct`` fills missing traces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["ModelSpec", "Reconstructor"]


@runtime_checkable
class Reconstructor(Protocol):
    """An object that fills missing traces.

    Attributes
    ----------
    options : Mapping[str, Any]
        Every option ``reconstruct`` accepts, with its default. The front door
        :func:`promethium.reconstruct` rejects unknown options with a
        :class:`~promethium.errors.ConfigError` and passes all of these, defaults
        merged with the caller's values.
    """

    options: Mapping[str, Any]

    def reconstruct(self, da: xr.DataArray, **options: Any) -> xr.DataArray | xr.Dataset:
        """Fill the missing traces of `da`.

        `da` is validated, floating point, and carries a boolean ``trace_mask``
        coordinate (True = live); it may be NumPy- or dask-backed. The result has the
        same dims, shape and coordinates, with a value for every trace (the caller
        restores live traces when ``keep_observed``), and is dask-backed when `da` is.
        With ``return_uncertainty=True`` (models that support it), a Dataset with
        ``mean`` and ``std`` variables is returned instead.
        """
        ...


@dataclass(frozen=True)
class ModelSpec:
    """A registered model.

    Parameters
    ----------
    name : str
        Unique name, used as ``pm.reconstruct(da, model=name)``.
    family : str
        Model family, e.g. ``"classical"``, ``"unet"``, ``"pinn"``.
    factory : callable
        ``factory(**config) -> Reconstructor``; called with `config` merged with the
        user's overrides.
    version : str
        Version of the model (not of the plugin).
    config : Mapping
        Default configuration passed to `factory`.
    description : str
        One line shown by ``promethium plugins``.
    weights : pathlib.Path or None
        Shipped weights (safetensors, with a JSON sidecar beside it), if any.
    plugin : str
        Name of the plugin that registered the model; filled in by the registry.
    plugin_version : str
        Version of that plugin's distribution; filled in by the registry.
    """

    name: str
    family: str
    factory: Callable[..., Reconstructor]
    version: str = "0.1.0"
    config: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    weights: Path | None = None
    plugin: str = ""
    plugin_version: str = ""
