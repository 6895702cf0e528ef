"""``auto``'s fallback: choose a model per gather from its missing-trace pattern.

Regular (periodic) decimation aliases: Fourier methods such as POCS return near-zero
traces for it, while interpolation along the trace coordinate handles it. Random
missing traces and gaps are the opposite case. :class:`PatternRule` classifies each
gather (each index of the batch dims) with
:func:`promethium.core.pattern.missing_pattern` and runs, for each pattern, the first
registered model of a preference list. The ``auto`` model
(:mod:`promethium.models.auto`) uses it when it cannot score its candidates on the
survey (too few live traces to hide some), and to run the model it chose.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from dask.base import is_dask_collection

from promethium.core.dims import trace_dims
from promethium.core.mask import TRACE_MASK, get_trace_mask
from promethium.core.pattern import FOURIER_UNFIT, gather_patterns, missing_pattern
from promethium.errors import ConfigError, PluginError
from promethium.holdout import index_ranges

if TYPE_CHECKING:
    import xarray as xr

    from promethium.registry import Registry

__all__ = ["DEFAULT_PREFERENCES", "PatternRule"]

#: Models tried, in order, for each pattern: the first registered one is used.
DEFAULT_PREFERENCES: dict[str, tuple[str, ...]] = {
    "regular": ("linear",),
    "irregular": ("pocs", "linear"),
}

_GATHER = "__promethium_gather__"


class PatternRule:
    """Choose, per gather, a model suited to its missing-trace pattern, and run it.

    Parameters
    ----------
    registry : Registry
        Where the models are looked up and built.
    regular, irregular : sequence of str
        Preference lists for regular and irregular patterns (see
        :data:`DEFAULT_PREFERENCES`); the first registered name is used.

    Raises
    ------
    ConfigError
        If a preference list is not a non-empty list of model names, names ``auto``,
        or names no registered model.

    Notes
    -----
    Gathers with regular (periodic) missing traces, or with too few live traces for a
    Fourier method (``"sparse"``, see :func:`~promethium.core.pattern.missing_pattern`),
    get the ``regular`` choice; all others (irregular, complete, or without a live
    trace) the ``irregular`` one.

    With the trace mask in memory (a NumPy ``trace_mask`` coordinate) the choice is
    made at once: gathers choosing different models are reconstructed separately
    (selected along the batch dims, lazily on dask data) and put back in place, and
    the record lists the gathers of each model. With a lazy mask (inferred from dask
    data, or as read by :func:`promethium.open_segy`) nothing is computed: each gather
    is classified when the result is computed, both models run (each sees the other's
    gathers as complete, so does almost no work there) and each gather takes its
    model's result; the record then holds the rule, not the per-gather outcome.
    Either way, a gather's result does not depend on how the others were chosen.
    """

    def __init__(
        self,
        registry: Registry,
        *,
        regular: Sequence[str] = DEFAULT_PREFERENCES["regular"],
        irregular: Sequence[str] = DEFAULT_PREFERENCES["irregular"],
    ) -> None:
        self.registry = registry
        self.preferences = {
            "regular": _names("regular", regular),
            "irregular": _names("irregular", irregular),
        }

    def choose(self, pattern: str) -> str:
        """Return the model used for gathers of `pattern` ("regular" or "irregular").

        Raises
        ------
        ConfigError
            If no model of the preference list is registered.
        """
        names = self.preferences[pattern]
        for name in names:
            if name in self.registry:
                return name
        raise ConfigError(
            f"auto: none of the models preferred for {pattern} patterns ({', '.join(names)}) "
            f"is registered; registered: {', '.join(self.registry)}. Pass "
            f"config={{{pattern!r}: [<model>]}} or choose a model by name."
        )

    def apply(self, da: xr.DataArray) -> tuple[xr.DataArray, dict[str, Any]]:
        """Fill the missing traces of `da`, each gather with the model its pattern needs.

        Parameters
        ----------
        da : xarray.DataArray
            Seismic data with a ``trace_mask`` coordinate (inferred if absent).

        Returns
        -------
        xarray.DataArray
            Same dims, coords and shape as `da`, lazy when `da` is.
        dict
            What was chosen: the preferences, the rule, and per gather (mask in memory)
            or ``"lazily, per gather"``.

        Raises
        ------
        ConfigError
            If no preferred model is registered.
        """
        mask = get_trace_mask(da).transpose(*trace_dims(da))
        rule = {"regular": self.choose("regular"), "irregular": self.choose("irregular")}
        record: dict[str, Any] = {
            "preferences": {k: list(v) for k, v in self.preferences.items()},
            "rule": rule,
        }
        if is_dask_collection(mask.data):
            out = self._run_lazy(da, mask, rule)  # the record keeps the rule only
            record.update(decided="lazily, per gather", models=sorted(set(rule.values())))
        else:
            patterns = gather_patterns(mask)
            unfit = np.isin(patterns, list(FOURIER_UNFIT))
            chosen = np.where(unfit, rule["regular"], rule["irregular"])
            groups = {str(n): np.flatnonzero(chosen.ravel() == n) for n in np.unique(chosen)}
            if len(groups) == 1:
                out = self.run(next(iter(groups)), da)
            else:
                out = self._run_groups(da, groups)
            record.update(
                decided="per gather",
                models=sorted(groups),
                gathers={name: index_ranges(index) for name, index in groups.items()},
                patterns={str(p): int((patterns == p).sum()) for p in np.unique(patterns)},
            )
        return out, record

    def _run_lazy(self, da: xr.DataArray, mask: xr.DataArray, rule: dict[str, str]) -> xr.DataArray:
        """Run both models, each seeing the other's gathers as complete; pick per gather."""
        import xarray as xr

        if rule["regular"] == rule["irregular"]:
            return self.run(rule["regular"], da)
        axis = mask.ndim - 1
        lines = mask.data.rechunk({axis: -1})
        regular = lines.map_blocks(_regular_lines, drop_axis=axis, dtype=bool)
        regular = xr.DataArray(regular, dims=mask.dims[:-1])
        outs = {}
        for pattern, theirs in (("regular", ~regular), ("irregular", regular)):
            seen = (mask | theirs).transpose(*mask.dims)
            outs[pattern] = self.run(rule[pattern], da.assign_coords({TRACE_MASK: seen}))
        picked = xr.where(regular, outs["regular"].variable, outs["irregular"].variable)
        result = da.copy(data=picked.transpose(*da.dims).data)
        result.attrs = {**da.attrs, **outs["irregular"].attrs, **outs["regular"].attrs}
        return result

    def run(self, name: str, da: xr.DataArray) -> xr.DataArray:
        """Run model `name` with its default options on `da` (lazy when `da` is).

        Raises
        ------
        PluginError
            If the model returns something other than a DataArray.
        """
        import xarray as xr

        model = self.registry.build(name)
        out = model.reconstruct(da, self.registry.get(name).options())
        if not isinstance(out, xr.DataArray):
            raise PluginError(
                f"auto: model {name!r} returned {type(out).__name__}, expected a DataArray."
            )
        return out.transpose(*da.dims)

    def _run_groups(self, da: xr.DataArray, groups: dict[str, np.ndarray]) -> xr.DataArray:
        """Run each model on its gathers (selected pointwise), then put them back."""
        import xarray as xr

        batch = trace_dims(da)[:-1]
        shape = tuple(da.sizes[d] for d in batch)
        parts, order = [], []
        for name, flat in groups.items():
            index = np.unravel_index(flat, shape)
            picks = {d: xr.DataArray(i, dims=_GATHER) for d, i in zip(batch, index)}
            part = da.isel(picks).transpose(_GATHER, *da.dims[len(batch) :])
            out = self.run(name, part)
            parts.append(out.drop_vars(list(out.coords)).variable)
            order.append(flat)
        stacked = xr.Variable.concat(parts, dim=_GATHER)
        inverse = np.argsort(np.concatenate(order), kind="stable")
        values = stacked[inverse].data
        result = da.copy(data=values.reshape(shape + values.shape[1:]))
        attrs: dict[str, Any] = {}
        for part_out in parts:
            attrs.update(part_out.attrs)
        result.attrs = {**da.attrs, **attrs}
        return result


def _regular_lines(live: np.ndarray) -> np.ndarray:
    """Whether each line of a mask block (trace axis last, whole) needs the regular choice.

    That is, whether its pattern is one Fourier methods fill badly (regular or sparse).
    """
    out = np.zeros(live.shape[:-1], dtype=bool)
    for index in np.ndindex(out.shape):
        out[index] = missing_pattern(live[index]) in FOURIER_UNFIT
    return out


def _names(pattern: str, names: Sequence[str]) -> tuple[str, ...]:
    if isinstance(names, str):
        names = (names,)
    ok = isinstance(names, Sequence) and names and all(isinstance(n, str) for n in names)
    if not ok:
        raise ConfigError(
            f"auto: {pattern} must be a non-empty list of model names; got {names!r}."
        )
    if "auto" in names:
        raise ConfigError(f"auto: {pattern} cannot name 'auto' itself; got {list(names)}.")
    return tuple(names)
