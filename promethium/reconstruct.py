"""The front door: :func:`reconstruct` fills missing traces with any registered model.

It looks the model up, checks the data and the options, gives the model a clean input
(float, ``trace_mask`` attached, missing traces zeroed, no NaN), puts the observed
traces back, and records provenance. Models only fill; everything else is here, once.
"""

from __future__ import annotations

import functools
import json
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast, overload

import numpy as np
from dask.base import is_dask_collection

from promethium.core import strict_json
from promethium.core.dims import trace_dims, vertical_dim
from promethium.core.energy import warn_weak_fills, weak_fills
from promethium.core.mask import TRACE_FILLED, TRACE_MASK, get_trace_mask, with_trace_mask
from promethium.core.validate import validate
from promethium.errors import ConfigError, InvalidDataError, PluginError, PromethiumWarning
from promethium.fill import (
    fill_targets,
    nothing_to_fill,
    plan_fill,
    restore_filled,
    with_filled,
)
from promethium.models.auto import AUTO_CHOICE_ATTR
from promethium.plugins import default_registry
from promethium.registry import Registry

if TYPE_CHECKING:
    import xarray as xr

    from promethium.plugin import ModelOptions, ModelSpec

__all__ = [
    "PROVENANCE_ATTR",
    "SAMPLING_ATTR",
    "model_options",
    "reconstruct",
    "run_reconstruction",
]

#: Attribute holding the provenance of a reconstruction, as a JSON string.
PROVENANCE_ATTR = "promethium_reconstruction"

#: Attribute a model may set on its output (JSON): how the survey's sampling compared
#: with what its weights were trained on, and any resampling it did. It goes into the
#: provenance's ``sampling`` entry (see :mod:`promethium.models.networks.sampled`).
SAMPLING_ATTR = "promethium_sampling"


@overload
def reconstruct(
    da: xr.DataArray,
    model: str = ...,
    *,
    return_uncertainty: Literal[False] = ...,
    keep_observed: bool = ...,
    extrapolate: bool = ...,
    refill: bool = ...,
    registry: Registry | None = ...,
    config: Mapping[str, Any] | None = ...,
    weights: str | os.PathLike[str] | None = ...,
    finetune: bool | Mapping[str, Any] = ...,
    **options: Any,
) -> xr.DataArray: ...


@overload
def reconstruct(
    da: xr.DataArray,
    model: str = ...,
    *,
    return_uncertainty: Literal[True],
    keep_observed: bool = ...,
    extrapolate: bool = ...,
    refill: bool = ...,
    registry: Registry | None = ...,
    config: Mapping[str, Any] | None = ...,
    weights: str | os.PathLike[str] | None = ...,
    finetune: bool | Mapping[str, Any] = ...,
    **options: Any,
) -> xr.Dataset: ...


@overload
def reconstruct(
    da: xr.DataArray,
    model: str = ...,
    *,
    return_uncertainty: bool,
    keep_observed: bool = ...,
    extrapolate: bool = ...,
    refill: bool = ...,
    registry: Registry | None = ...,
    config: Mapping[str, Any] | None = ...,
    weights: str | os.PathLike[str] | None = ...,
    finetune: bool | Mapping[str, Any] = ...,
    **options: Any,
) -> xr.DataArray | xr.Dataset: ...


def reconstruct(
    da: xr.DataArray,
    model: str = "auto",
    *,
    keep_observed: bool = True,
    extrapolate: bool = False,
    refill: bool = False,
    registry: Registry | None = None,
    config: Mapping[str, Any] | None = None,
    weights: str | os.PathLike[str] | None = None,
    finetune: bool | Mapping[str, Any] = False,
    **options: Any,
) -> xr.DataArray | xr.Dataset:
    """Fill the missing traces of `da` with a registered model.

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data, vertical dim last, NumPy- or dask-backed. Missing traces are
        given by the ``trace_mask`` coordinate (True = live), or inferred (all-zero or
        all-NaN traces are missing).
    model : str, default "auto"
        A registered model name (see :func:`promethium.list_models`), or
        ``"plugin:name"`` to pin the plugin. ``"auto"`` hides a few live traces of a
        sample of gathers, reconstructs the sample with each candidate (the networks
        that ship weights, ``pocs``, ``linear``) and runs the one with the best SNR on
        them; its options are ``candidates``, ``holdout``, ``seed`` and
        ``max_gathers`` (see ``docs/inference.md``). A Model Registry URI,
        ``"models:/name/1"`` or ``"models:/name@alias"``, runs a network logged by
        :mod:`promethium.tracking`: its architecture's plugin, its config, and its
        safetensors weights, verified (see ``docs/mlflow.md``).
    keep_observed : bool
        Keep the live traces exactly as in the input (default); otherwise return the
        model's output on them too.
    extrapolate : bool
        Also fill grid positions absent from the file (``trace_index == -1``) that lie
        outside the recorded extent of their line along the trace axis. By default they
        are left unfilled, with a warning (see :mod:`promethium.fill`).
    refill : bool
        Refill traces a model filled before (``trace_filled`` True on the input). By
        default they are kept as they are.
    registry : Registry, optional
        Where to look the model up; the installed plugins' registry by default.
    config : mapping, optional
        Overrides of the model's configuration, passed to its factory. Built models
        are cached per name and config.
    weights : str or path-like, optional
        Trained weights for a network model (``.safetensors`` with its JSON sidecar,
        as ``promethium train`` writes them): the same as ``config={"weights": ...}``.
        Without it the built-in networks run their shipped weights (the provenance
        names the set); weights trained for another architecture, or with another
        value of a config key given, are a ``ConfigError`` naming both.
    finetune : bool or mapping, default False
        Fine-tune the network `model` on `da` itself first (:func:`promethium.finetune`:
        held-out live traces, no ground truth needed) and reconstruct with the new
        weights, starting from `weights`. A mapping gives the fine-tuning settings
        (``{"steps": 200, "output": "weights/line7"}``). When the new weights do not
        restore the held-out traces better, the starting weights are used, with a
        warning; the provenance's ``finetune`` entry records the new weights, their
        scores before and after, and which were used (see ``docs/finetune.md``).
    **options
        Options of the model's ``reconstruct`` (e.g. ``patch_size``, ``batch_size``,
        ``device``, ``return_uncertainty``); the model's defaults fill the rest.

    Returns
    -------
    xarray.DataArray or xarray.Dataset
        Same dims, coords, name and attrs as `da` (with ``trace_mask``, inferred if it
        was absent), the missing traces filled, dask-backed when `da` is, nothing
        computed. The boolean ``trace_filled`` coordinate marks the traces a model
        filled (now, or before and kept); a trace neither observed nor filled was left
        as in the input. ``attrs["promethium_reconstruction"]`` holds the provenance
        as JSON (model, family, plugin and version, model version, weights sha256,
        config, options, resolved device and precision, what ``auto`` chose, what was
        left unfilled; for a network, its ``sampling``: the survey's sample interval
        and trace spacing against those its weights were trained on, and any time
        resampling) and ``attrs["history"]`` gains a line (under ``auto``, ending
        with the model it ran). With
        ``return_uncertainty=True`` a Dataset with ``mean`` and ``std`` (zero on the
        traces not filled when `keep_observed`) is returned. Type checkers see the
        same: typed overloads give ``Dataset`` for ``return_uncertainty=True`` and
        ``DataArray`` otherwise, so callers need no cast.

    Raises
    ------
    ModelNotFoundError
        If no model has that name; the message lists the available names.
    ConfigError
        For an option or config key the model does not accept.
    InvalidDataError
        If `da` breaks the data conventions, every trace is missing, a live trace
        holds NaN samples, or the model returns NaN or infinite values for a trace it
        fills (at compute time on dask data).

    Warns
    -----
    PromethiumWarning
        If no trace is to be filled (`da` is returned with ``trace_filled``); if
        absent positions are left unfilled; if filled traces have far less energy than
        the live traces around them (:func:`promethium.core.energy.weak_fills`; at
        once on NumPy data, at write time in ``promethium reconstruct``).

    Notes
    -----
    The mask checks (all missing, nothing to fill), the NaN check and the energy check
    run at once when the mask and data are in memory. When the mask has to be inferred
    from dask data, nothing is computed: the mask is inferred lazily, NaN samples in
    live traces and non-finite model output raise :class:`InvalidDataError` when the
    result is computed, and the all-missing and nothing-to-fill checks are skipped.
    Attach ``trace_mask`` (e.g. ``pm.infer_trace_mask(da).compute()``) to have them.

    Examples
    --------
    >>> import promethium as pm
    >>> da = pm.synthetic_gather(n_traces=32, n_samples=64)
    >>> holed = pm.apply_trace_mask(da, pm.regular_mask(da, 2))
    >>> out = pm.reconstruct(holed, model="linear")
    >>> out.dims == holed.dims, bool(abs(out).sum("time").all())
    (True, True)
    >>> json.loads(out.attrs["promethium_reconstruction"])["plugin"]
    'builtin-classical'
    """
    if weights is not None:
        config = {**(config or {}), "weights": os.fspath(weights)}
    tuned = None
    if finetune is not False:
        from promethium.finetuning.front import finetuned_model

        config, tuned = finetuned_model(da, model, finetune, config, options)
    result = run_reconstruction(
        da, model, keep_observed=keep_observed, extrapolate=extrapolate, refill=refill,
        registry=registry, config=config, options=options, history=True,
    )  # fmt: skip
    if tuned is not None:  # the provenance says which weights were fine-tuned, and how
        record = json.loads(result.attrs[PROVENANCE_ATTR])
        result.attrs[PROVENANCE_ATTR] = strict_json.dumps(
            {**record, "finetune": tuned}, sort_keys=True, default=str
        )
    return result


def run_reconstruction(
    da: xr.DataArray,
    model: str,
    *,
    keep_observed: bool = True,
    extrapolate: bool = False,
    refill: bool = False,
    registry: Registry | None = None,
    config: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
    history: bool = True,
) -> xr.DataArray | xr.Dataset:
    """Run :func:`reconstruct`, optionally without the history line (for operators).

    The engine behind :func:`reconstruct` and :class:`promethium.ops.Reconstruct`:
    model options come as a mapping rather than keyword arguments.

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data, vertical dim last, NumPy- or dask-backed.
    model : str
        A registered model name, ``"plugin:name"``, or a Model Registry URI
        (``"models:/name/1"``, ``"models:/name@alias"``).
    keep_observed : bool
        Keep the live traces exactly as in the input.
    extrapolate, refill : bool
        As for :func:`reconstruct`.
    registry : Registry, optional
        Where to look the model up; the installed plugins' registry by default.
    config : mapping, optional
        Overrides of the model's configuration, passed to its factory.
    options : mapping, optional
        Options of the model's ``reconstruct``; the model's defaults fill the rest.
    history : bool
        Append a ``reconstruct(...)`` line to ``attrs["history"]`` (operators record
        their own line instead).

    Returns
    -------
    xarray.DataArray or xarray.Dataset
        As for :func:`reconstruct`.

    Raises
    ------
    ModelNotFoundError
        If no model has that name.
    ConfigError
        For an option or config key the model does not accept.
    InvalidDataError
        If `da` breaks the data conventions, every trace is missing, or a live trace
        holds NaN samples.
    PluginError
        If the model returns something of the wrong kind or shape (e.g. no ``mean``
        and ``std`` when asked for uncertainty).
    """
    import xarray as xr

    for name, flag in (("keep_observed", keep_observed), ("extrapolate", extrapolate)):
        _check_flag(name, flag)
    _check_flag("refill", refill)
    registry = default_registry() if registry is None else registry
    if isinstance(model, str) and model.startswith("models:/"):  # MLflow Model Registry
        from promethium.tracking.resolve import registered_model_config

        model, config = registered_model_config(model, config)
    spec = registry.get(model)
    validate(da, check_mask=False)
    opts = model_options(spec, options)
    reconstructor = registry.build(model, config)
    uncertainty = bool(getattr(opts, "return_uncertainty", False))
    data = da if np.issubdtype(da.dtype, np.floating) else da.astype(np.float32)
    mask = get_trace_mask(data).transpose(*trace_dims(data))
    plan = plan_fill(data, extrapolate=extrapolate, refill=refill)
    leave = plan.leave()
    if not is_dask_collection(mask.data):
        mask = mask.copy(data=np.asarray(mask.values, dtype=bool))
        if _check_mask(da, mask, leave):
            return nothing_to_fill(da, plan, uncertainty)
    data = with_trace_mask(data, mask)
    targets = fill_targets(mask, leave)
    out = reconstructor.reconstruct(_model_input(data, mask), opts)
    use = targets if keep_observed else targets | mask
    restore = functools.partial(restore_filled, data, use, model=spec.name)
    if uncertainty:
        missing = {"mean", "std"} - set(getattr(out, "data_vars", ()))
        if missing:
            raise PluginError(
                f"model {spec.name!r} was asked for uncertainty but did not return a "
                f"Dataset with 'mean' and 'std' variables; got {type(out).__name__}."
            )
        mean = restore(_checked(spec, data, out["mean"]))
        std = restore(_checked(spec, data, out["std"]), fill=0.0)
        # Variable attrs the model set (e.g. how members were aggregated) stay on them.
        mean.attrs.update(out["mean"].attrs)
        std.attrs.update(out["std"].attrs)
        filled = targets if plan.kept is None else targets | plan.kept
        result: xr.DataArray | xr.Dataset = xr.Dataset(
            {"mean": with_filled(mean, filled), "std": with_filled(std, filled)}
        )
        checked = result["mean"]
    else:
        result = with_filled(restore(_checked(spec, data, out)), targets, plan.kept)
        checked = result
    if not is_dask_collection(checked.data):
        weak = weak_fills(checked)
        warn_weak_fills(int(weak.sum()), int(checked.coords[TRACE_FILLED].sum()), stacklevel=3)
    merged = opts.model_dump(mode="json")
    provenance = _provenance(
        spec,
        {**spec.config, **(config or {})},
        merged,
        getattr(out, "attrs", {}),
        {"keep_observed": keep_observed, "extrapolate": extrapolate, "refill": refill},
        plan.record(),
    )
    # Keep what the model added (e.g. how it interpolated, any rechunking it did).
    added = {
        k: v
        for k, v in getattr(out, "attrs", {}).items()
        if k not in da.attrs and k not in (AUTO_CHOICE_ATTR, SAMPLING_ATTR)
    }
    result.attrs = {**da.attrs, **added, PROVENANCE_ATTR: provenance}
    if history:
        from promethium.core.history import append_history

        given = {**({"config": dict(config)} if config else {}), **dict(options or {})}
        args = "".join(f", {k}={v!r}" for k, v in given.items())
        # append_history only touches attrs, which a Dataset has too.
        entry = f"reconstruct(model={spec.name!r}{args})"
        chosen = json.loads(provenance).get("auto", {}).get("models")
        if chosen:  # what auto ran, in the history line too
            entry += f" -> {', '.join(chosen)}"
        result = append_history(cast("xr.DataArray", result), entry)
    return result


def model_options(spec: ModelSpec, options: Mapping[str, Any] | None) -> ModelOptions:
    """Validate the user's `options` against the model's schema, once, at the front door.

    Parameters
    ----------
    spec : ModelSpec
        The model; ``spec.options`` is its option schema.
    options : mapping, optional
        The options the user gave; the schema's defaults fill the rest.

    Returns
    -------
    ModelOptions
        The validated, frozen options the model receives.

    Raises
    ------
    ConfigError
        For an unknown option (a config key given as an option says to pass it as
        ``config=``), a wrong type or an out-of-range value, naming the option, the
        value and what is allowed.
    """
    given = dict(options or {})
    misplaced = sorted((set(given) & set(spec.config)) - set(spec.options.model_fields))
    if misplaced:
        raise ConfigError(
            f"{misplaced[0]!r} is a config key of model {spec.name!r}, not an option: "
            f"pass config={{{misplaced[0]!r}: ...}}."
        )
    return spec.options.parse(given, owner=f"model {spec.name!r}")


def _check_mask(da: xr.DataArray, mask: xr.DataArray, leave: np.ndarray | None) -> bool:
    """Check an in-memory mask; return True when there is nothing to fill."""
    n_live, n = int(mask.values.sum()), int(mask.size)
    source = "its trace_mask" if TRACE_MASK in da.coords else "the data (all zero/NaN)"
    if n == 0:
        sizes = ", ".join(f"{d}={da.sizes[d]}" for d in mask.dims)
        raise InvalidDataError(f"the data have no trace ({sizes}); select a non-empty part.")
    if not is_dask_collection(da.data):
        finite = da.copy(data=np.isfinite(np.asarray(da.values)))
        bad = (~finite & mask).any(vertical_dim(da))
        if bool(bad.any()):
            raise InvalidDataError(_nan_message(int(bad.sum()), _first_bad(bad)))
    if n_live == 0:
        raise InvalidDataError(
            f"all {n} traces are missing according to {source}; there is nothing to "
            "reconstruct from. Check the trace_mask coordinate."
        )
    n_left = 0 if leave is None else int((leave & ~mask.values).sum())
    if n_live == n or n_live + n_left == n:
        why = (
            f"no trace is missing according to {source}"
            if n_live == n
            else f"the {n_left} missing trace(s) were filled before (refill=True refills "
            "them) or lie outside their line's recorded extent (extrapolate=True)"
        )
        warnings.warn(
            f"nothing to fill: {why}; the data are returned unchanged. Mark missing "
            "traces with pm.apply_trace_mask(da, mask).",
            PromethiumWarning,
            stacklevel=4,
        )
        return True
    return False


def _first_bad(bad: xr.DataArray) -> str:
    index = tuple(int(i[0]) for i in np.nonzero(bad.values))
    where = {d: bad[d].values[i].item() if d in bad.coords else i for d, i in zip(bad.dims, index)}
    return ", ".join(f"{d}={v!r}" for d, v in where.items())


def _nan_message(count: int, where: str) -> str:
    first = f" (first at {where})" if where else ""
    return (
        f"{count} live trace(s) contain NaN or infinite samples{first}; models never "
        "see them. Mark those traces missing with pm.apply_trace_mask(da, mask), or "
        "replace the values (da.where(np.isfinite(da), 0))."
    )


def _fill_block(block: np.ndarray, live: np.ndarray) -> np.ndarray:
    bad = ~np.isfinite(block) & live
    if bad.any():
        raise InvalidDataError(_nan_message(int(bad.any(axis=-1).sum()), ""))
    return np.where(live, block, 0).astype(block.dtype, copy=False)


def _model_input(data: xr.DataArray, mask: xr.DataArray) -> xr.DataArray:
    """Missing traces zeroed; on dask, NaN in a live trace raises at compute."""
    if not is_dask_collection(data.data):
        return data.copy(data=np.where(mask.values[..., None], data.values, 0).astype(data.dtype))
    import dask.array as dska

    array = data.data
    live = dska.asarray(mask.data).rechunk(array.chunks[:-1])[..., None]
    filled = dska.map_blocks(_fill_block, array, live, dtype=array.dtype)
    return data.copy(data=filled)


def _checked(spec: ModelSpec, data: xr.DataArray, out: Any) -> xr.DataArray:
    import xarray as xr

    if not isinstance(out, xr.DataArray) or set(out.dims) != set(data.dims):
        got = f"dims {tuple(out.dims)}" if isinstance(out, xr.DataArray) else type(out).__name__
        raise PluginError(
            f"model {spec.name!r} (plugin {spec.plugin!r}) returned {got}; expected a "
            f"DataArray with dims {tuple(data.dims)}."
        )
    out = out.transpose(*data.dims)
    if out.shape != data.shape:
        raise PluginError(
            f"model {spec.name!r} (plugin {spec.plugin!r}) returned shape {out.shape}; "
            f"expected the input's {data.shape}."
        )
    return out


def _provenance(
    spec: ModelSpec,
    config: Mapping[str, Any],
    options: Mapping[str, Any],
    model_attrs: Mapping[str, Any],
    settings: Mapping[str, bool],
    plan: Mapping[str, int],
) -> str:
    from promethium import __version__
    from promethium.ml.weights import weights_sha256

    given = config.get("weights")  # weights passed to a network model
    weights = Path(given) if isinstance(given, (str, Path)) else spec.weights
    # Which weight set ran: the file given, or the set shipped with the model.
    weight_set = (
        str(given)
        if given is not None
        else (f"shipped:{spec.name}" if spec.weights is not None else None)
    )

    record = {
        "model": spec.name,
        "family": spec.family,
        "plugin": spec.plugin,
        "plugin_version": spec.plugin_version,
        "model_version": spec.version,
        "weights": weight_set,
        "weights_sha256": (
            weights_sha256(weights) if weights is not None and Path(weights).is_file() else None
        ),
        "config": dict(config),
        "options": dict(options),
        **_resolved(options),
        **settings,
        **plan,
        "promethium_version": __version__,
    }
    if AUTO_CHOICE_ATTR in model_attrs:  # what auto chose: candidates, scores, sample
        record["auto"] = json.loads(model_attrs[AUTO_CHOICE_ATTR])
    if SAMPLING_ATTR in model_attrs:  # the survey's sampling against the weights', resampling
        record["sampling"] = json.loads(model_attrs[SAMPLING_ATTR])
    return strict_json.dumps(record, sort_keys=True, default=str)


def _resolved(options: Mapping[str, Any]) -> dict[str, Any]:
    """The device and precision a torch model runs at, resolved here (None: no option)."""
    if "device" not in options:
        return {"device": None, "precision": None}
    from promethium.ml.device import resolve_device, resolve_precision

    device = resolve_device(options["device"])
    precision = options.get("precision")
    return {
        "device": device,
        "precision": None if precision is None else resolve_precision(precision, device),
    }


def _check_flag(name: str, value: object) -> None:
    if not isinstance(value, (bool, np.bool_)):
        hint = " (linear's option for line ends is 'edges')" if name == "extrapolate" else ""
        raise ConfigError(f"{name} must be True or False; got {value!r}{hint}.")
