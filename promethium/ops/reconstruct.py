"""Reconstruct: fill missing traces with a registered model, as a pipeline step."""

from __future__ import annotations

__all__ = ["Reconstruct"]

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from promethium.errors import ConfigError
from promethium.ops.base import WholeArrayOperator

if TYPE_CHECKING:
    import xarray as xr

    from promethium.registry import Registry


class Reconstruct(WholeArrayOperator):
    """Fill missing traces with a registered model: :func:`promethium.reconstruct`.

    Parameters
    ----------
    model : str, default "auto"
        A registered model name (see :func:`promethium.list_models`); ``"auto"``
        chooses per gather from the missing-trace pattern.
    keep_observed : bool
        Keep live traces exactly as in the input.
    config : mapping, optional
        Overrides of the model's configuration.
    registry : Registry, optional
        Where to look the model up; the installed plugins' registry by default.
    **options
        Options of the model's ``reconstruct`` (``patch_size``, ``device``, ...),
        checked when the operator is applied.

    Raises
    ------
    ConfigError
        For ``return_uncertainty=True``: an operator returns a DataArray; call
        :func:`promethium.reconstruct` for the uncertainty.

    Examples
    --------
    >>> import promethium as pm
    >>> from promethium.ops.reconstruct import Reconstruct
    >>> step = Reconstruct("linear")
    >>> step
    Reconstruct(model='linear')
    >>> gather = pm.synthetic_gather()
    >>> holed = pm.apply_trace_mask(gather, pm.regular_mask(gather, 2))
    >>> out = step(holed)
    >>> out.attrs["history"].splitlines()[-1]
    "promethium: Reconstruct(model='linear')"
    """

    def __init__(
        self,
        model: str = "auto",
        *,
        keep_observed: bool = True,
        config: Mapping[str, Any] | None = None,
        registry: Registry | None = None,
        **options: Any,
    ) -> None:
        if options.get("return_uncertainty"):
            raise ConfigError(
                "Reconstruct is a pipeline step and returns a DataArray, so it cannot "
                "return_uncertainty; call pm.reconstruct(da, ..., return_uncertainty=True)."
            )
        self.model = model
        self.keep_observed = keep_observed
        self.config = dict(config or {})
        self.registry = registry
        self.options = dict(options)

    def params(self) -> dict[str, Any]:
        """The model name and the non-default settings, as recorded in the history.

        Returns
        -------
        dict of str to Any
            ``model`` and every setting that differs from its default.
        """
        params: dict[str, Any] = {"model": self.model}
        if not self.keep_observed:
            params["keep_observed"] = False
        if self.config:
            params["config"] = self.config
        return {**params, **self.options}

    def apply(self, da: xr.DataArray) -> xr.DataArray:
        """Reconstruct `da` (lazily on dask input), without a history line.

        Returns
        -------
        xarray.DataArray or xarray.Dataset
            As for :func:`promethium.reconstruct`.

        Raises
        ------
        ModelNotFoundError
            If the model is not registered.
        ConfigError
            For an option or config key the model does not accept.
        InvalidDataError
            If the data break the conventions or every trace is missing.
        """
        from promethium.reconstruct import run_reconstruction

        out = run_reconstruction(
            da,
            self.model,
            keep_observed=self.keep_observed,
            registry=self.registry,
            config=self.config,
            options=self.options,
            history=False,
        )
        return out  # type: ignore[return-value]  # a DataArray: no uncertainty here
