"""What a model is to Promethium: a :class:`ModelSpec` and a :class:`Reconstructor`.

A plugin registers a :class:`ModelSpec` per model; the spec's ``factory`` builds a
:class:`Reconstructor`, the object whose ``reconstruct`` fills missing traces, and its
``options`` schema (a :class:`~promethium.plugin.options.ModelOptions` subclass)
declares what ``reconstruct`` accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from promethium.plugin.options import ModelOptions

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["ModelSpec", "Reconstructor"]


@runtime_checkable
class Reconstructor(Protocol):
    """An object that fills missing traces.

    It has one method. Its options are declared by the :class:`ModelSpec` that
    registers it (``ModelSpec.options``), never checked by the model itself.
    """

    def reconstruct(self, da: xr.DataArray, options: Any) -> xr.DataArray | xr.Dataset:
        """Fill the missing traces of `da`.

        Parameters
        ----------
        da : xarray.DataArray
            Validated, floating point, with a boolean ``trace_mask`` coordinate (True =
            live) and zeros in the missing traces; NumPy- or dask-backed.
        options : ModelOptions
            A validated, frozen instance of the spec's ``options`` schema: read its
            fields as attributes (``options.n_iter``).

        Returns
        -------
        xarray.DataArray or xarray.Dataset
            The same dims, shape and coordinates, with a value for every trace (the
            front door restores live traces when ``keep_observed``), dask-backed when
            `da` is, nothing computed. With a ``return_uncertainty`` option set, a
            Dataset with ``mean`` and ``std`` variables.
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
    options : type of ModelOptions
        The schema of the options ``reconstruct`` accepts, with their defaults, ranges,
        units and help; :class:`ModelOptions` itself for a model without options.
    version : str
        Version of the model (not of the plugin).
    config : Mapping
        Default configuration passed to `factory` (how the model is built, e.g. a
        network's width; fixed by its weights), as opposed to `options` (how it runs).
    description : str
        One line shown by ``promethium plugins``.
    weights : pathlib.Path or None
        Shipped weights (safetensors, with a JSON sidecar beside it), if any.
    network : str
        ``"module:QualName"`` of the ``torch.nn.Module`` class the model runs, if it is
        a network model: ``gan`` and ``pinn`` then accept the model's name as their
        generator or backbone (built with ``network(**params)``). Empty otherwise.
    candidate : bool
        Whether ``model="auto"`` tries the model on the survey by default (see
        :func:`promethium.models.auto.default_candidates`). Promethium's own networks
        that ship `weights` are tried whatever this says.
    plugin : str
        Name of the plugin that registered the model; filled in by the registry.
    plugin_version : str
        Version of that plugin's distribution; filled in by the registry.

    Examples
    --------
    >>> spec = ModelSpec(name="zero", family="demo", factory=dict)
    >>> spec.options.describe()
    ()
    """

    name: str
    family: str
    factory: Callable[..., Reconstructor]
    options: type[ModelOptions] = ModelOptions
    version: str = "0.1.0"
    config: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    weights: Path | None = None
    network: str = ""
    candidate: bool = False
    plugin: str = ""
    plugin_version: str = ""
