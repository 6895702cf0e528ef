"""Reconstruct: fill missing traces with a registered model, as a pipeline step."""

from __future__ import annotations

__all__ = ["Reconstruct"]

from typing import TYPE_CHECKING, Any

from pydantic import ConfigDict, Field, model_validator

from promethium.core.mask import TRACE_FILLED, TRACE_MASK
from promethium.ops.base import WholeArrayOperator
from promethium.ops.params import OperatorParams

if TYPE_CHECKING:
    from collections.abc import Mapping

    import xarray as xr

    from promethium.registry import Registry


class Reconstruct(WholeArrayOperator):
    """Fill missing traces with a registered model: :func:`promethium.reconstruct`.

    Parameters
    ----------
    model : str, default "auto"
        A registered model name (see :func:`promethium.list_models`); ``"auto"``
        runs the model that does best on a blind test of the survey.
    keep_observed : bool
        Keep live traces exactly as in the input.
    extrapolate : bool
        Also fill absent grid positions outside their line's recorded extent.
    refill : bool
        Refill traces a model filled before (``trace_filled``).
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
    >>> out.attrs["history"].splitlines()[-1]  # doctest: +ELLIPSIS
    "...Z promethium: Reconstruct(model='linear')"
    """

    class Params(OperatorParams):
        """Parameters of :class:`Reconstruct`; further options go to the model."""

        model_config = ConfigDict(extra="allow")

        model: str = Field(
            "auto",
            min_length=1,
            description="A registered model name, or 'auto' to choose on the survey.",
        )
        keep_observed: bool = Field(
            True, strict=True, description="Keep live traces exactly as input."
        )
        extrapolate: bool = Field(
            False,
            strict=True,
            description="Also fill absent positions beyond a line's recorded traces.",
        )
        refill: bool = Field(False, strict=True, description="Refill traces a model filled before.")
        config: dict[str, Any] | None = Field(
            None,
            description="Overrides of the model's configuration.",
            json_schema_extra={"allowed": "a mapping or None"},
        )
        registry: Any = Field(
            None,
            description="Where to look the model up; the installed plugins' by default.",
            json_schema_extra={"allowed": "a Registry or None"},
        )

        @model_validator(mode="before")
        @classmethod
        def _no_uncertainty(cls, values: Any) -> Any:
            if isinstance(values, dict) and values.get("return_uncertainty"):
                raise ValueError(
                    "it is a pipeline step and returns a DataArray, so it cannot "
                    "return_uncertainty; call pm.reconstruct(da, ..., return_uncertainty=True)"
                )
            return values

    parameters: Params
    writes_coords = (TRACE_MASK, TRACE_FILLED)

    def __init__(
        self,
        model: str = "auto",
        *,
        keep_observed: bool = True,
        extrapolate: bool = False,
        refill: bool = False,
        config: Mapping[str, Any] | None = None,
        registry: Registry | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            model=model,
            keep_observed=keep_observed,
            extrapolate=extrapolate,
            refill=refill,
            config=config,
            registry=registry,
            **options,
        )

    def params(self) -> dict[str, Any]:
        """The model name and the non-default settings, as recorded in the history.

        Returns
        -------
        dict of str to Any
            ``model`` and every setting that differs from its default.
        """
        p = self.parameters
        params: dict[str, Any] = {"model": p.model}
        if not p.keep_observed:
            params["keep_observed"] = False
        if p.extrapolate:
            params["extrapolate"] = True
        if p.refill:
            params["refill"] = True
        if p.config:
            params["config"] = p.config
        return {**params, **(p.model_extra or {})}

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

        p = self.parameters
        out = run_reconstruction(
            da,
            p.model,
            keep_observed=p.keep_observed,
            extrapolate=p.extrapolate,
            refill=p.refill,
            registry=p.registry,
            config=p.config or {},
            options=dict(p.model_extra or {}),
            history=False,
        )
        return out  # type: ignore[return-value]  # a DataArray: no uncertainty here
