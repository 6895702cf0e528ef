"""``zarr_info``: what a Promethium Zarr store holds, with history and provenance."""

from __future__ import annotations

import json
import logging
import math
import os
from typing import Any

import numpy as np

from promethium.core.dims import trace_dims
from promethium.core.mask import TRACE_FILLED, TRACE_MASK
from promethium.errors import ConfigError
from promethium.io.summary import KEY_NAMES, TRACE_INDEX, FoldStats, SurveyInfo, TraceCounts
from promethium.io.survey_stats import extents, key_stats, keys_in_use, sampling

__all__ = ["zarr_info"]

logger = logging.getLogger(__name__)


def _count(coord: Any) -> int:
    return int(np.count_nonzero(np.asarray(coord)))


def _provenance(attrs: dict[str, Any]) -> dict[str, Any] | None:
    from promethium.reconstruct import PROVENANCE_ATTR

    raw = attrs.get(PROVENANCE_ATTR)
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            loaded = json.loads(raw)
        except json.JSONDecodeError:
            return {"text": raw}
        return loaded if isinstance(loaded, dict) else {"value": loaded}
    return dict(raw) if isinstance(raw, dict) else {"value": raw}


def _geometry_of(dims: tuple[str, ...]) -> str:
    """The geometry kind a grid with these trace dims has (for stores without the attr)."""
    if dims == ("trace",):
        return "traces"
    if dims[:2] == ("iline", "xline") and len(dims) == 2:
        return "3d"
    if len(dims) == 1 and dims[0] in ("cdp", "iline", "xline"):
        return "2d"
    return "prestack"


def zarr_info(
    path: str | os.PathLike[str], *, dead_traces: bool = False, variable: str | None = None
) -> SurveyInfo:
    """Summarize a Promethium Zarr store: sampling, keys, geometry, traces, provenance.

    Reads the coordinates only, unless `dead_traces` asks for the samples.

    Parameters
    ----------
    path : str or os.PathLike
        The store.
    dead_traces : bool, optional
        Count the recorded traces whose samples are all zero or NaN (reads every
        sample, chunk by chunk).
    variable : str, optional
        Which variable to summarize in a store of several (e.g. ``"std"`` of an
        uncertainty store); the first by default.

    Returns
    -------
    SurveyInfo
        The summary; ``history`` and ``provenance`` come from the store's attrs.

    Raises
    ------
    PromethiumError
        If the store cannot be opened (see :func:`~promethium.io.zarr.open_zarr`), or
        `variable` is not one of its variables.

    Examples
    --------
    >>> info = zarr_info("filled.zarr")  # doctest: +SKIP
    >>> info.traces.filled, info.provenance["model"]  # doctest: +SKIP
    """
    from promethium.core.mask import infer_trace_mask
    from promethium.io.zarr import open_zarr

    names = [str(v) for v in open_zarr(path, dataset=True).data_vars]
    several = len(names) > 1
    if variable is not None and variable not in names:
        raise ConfigError(f"{os.fspath(path)} has no variable {variable!r}; it holds {names}.")
    da = open_zarr(path, variable=variable or names[0]) if several else open_zarr(path)
    logger.info("%s: a Zarr store of dims %s", os.fspath(path), dict(da.sizes))
    tdims = trace_dims(da)
    positions = math.prod(da.sizes[d] for d in tdims)
    present = None
    if TRACE_INDEX in da.coords:
        present = np.asarray(da.coords[TRACE_INDEX].values) >= 0
    missing = None
    if TRACE_MASK in da.coords:
        missing = positions - _count(da.coords[TRACE_MASK].values)
    filled = _count(da.coords[TRACE_FILLED].values) if TRACE_FILLED in da.coords else None
    dead = None
    if dead_traces:
        blank = ~infer_trace_mask(da).values
        if filled is not None:
            blank &= ~np.asarray(da.coords[TRACE_FILLED].values, dtype=bool)
        dead = int(np.count_nonzero(blank & present if present is not None else blank))
    stats = [key_stats(d, np.asarray(da.coords[d].values)) for d in tdims if d in da.coords]
    for name in KEY_NAMES:
        if name in da.coords and name not in tdims and da.coords[name].dims == tdims:
            values = np.asarray(da.coords[name].values)
            stats.append(key_stats(name, values[present] if present is not None else values))
    fold = None
    if len(tdims) > 1 and tdims[-1] in ("offset", "channel"):
        mask = present if present is not None else np.ones(da.shape[:-1], bool)
        per_bin = mask.reshape(-1, mask.shape[-1]).sum(axis=1)
        if per_bin.size:
            fold = FoldStats("/".join(tdims[:-1]), int(per_bin.size), int(per_bin.min()),
                             int(per_bin.max()), float(per_bin.mean()))  # fmt: skip
    history = [line for line in str(da.attrs.get("history", "")).splitlines() if line]
    return SurveyInfo(
        path=os.fspath(path),
        kind="Zarr",
        dims={str(d): int(n) for d, n in da.sizes.items()},
        n_traces=int(present.sum()) if present is not None else positions,
        **sampling(da),
        geometry=str(da.attrs.get("geometry", _geometry_of(tdims))),
        sort_order=str(da.attrs.get("geometry_sort_order", "")),
        keys=keys_in_use(stats),
        fold=fold,
        extents=extents(da, present),
        traces=TraceCounts(
            positions,
            absent=int((~present).sum()) if present is not None else None,
            dead=dead,
            missing=missing,
            filled=filled,
        ),
        note=str(da.attrs.get("geometry_note", "")),
        history=history,
        provenance=_provenance(da.attrs),
        variables=names if several else [],
        variable=(variable or names[0]) if several else None,
    )
