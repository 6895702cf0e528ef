"""What a survey holds, at a glance: the summary behind ``promethium info``.

:class:`SurveyInfo` answers a geophysicist's first questions about a SEG-Y file
(:func:`~promethium.io.segy.segy_info`) or a Zarr store (:func:`zarr_info`): the
sampling, each header key in use and how regular it is, the geometry, fold and sort
order, coordinate extents, and how many traces are absent, dead or filled. For a SEG-Y
file it also holds the decoded textual header and the binary header essentials; for a
Zarr store, the processing history and reconstruction provenance.

``info.to_dict()`` is plain JSON-ready data (``promethium info --json``) and
``info.to_text()`` (``str(info)``) the readable report.
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core.dims import trace_dims, vertical_dim
from promethium.core.mask import TRACE_FILLED, TRACE_MASK
from promethium.errors import ConfigError

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "KEY_NAMES",
    "Extent",
    "FoldStats",
    "KeyStats",
    "SegyHeaders",
    "SurveyInfo",
    "TraceCounts",
    "fold_stats",
    "key_stats",
    "zarr_info",
]

logger = logging.getLogger(__name__)

#: Header keys a survey's geometry is built from, in the order they are reported.
KEY_NAMES = ("iline", "xline", "offset", "shot", "channel", "cdp")
#: Coordinates whose extents are reported (x/y and elevations, scalars applied).
EXTENT_NAMES = (
    "cdp_x",
    "cdp_y",
    "source_x",
    "source_y",
    "group_x",
    "group_y",
    "source_elevation",
    "group_elevation",
)
#: The coordinate that maps grid positions to file traces (-1 where absent).
TRACE_INDEX = "trace_index"


@dataclass(frozen=True)
class KeyStats:
    """How one header key's values are spread.

    Attributes
    ----------
    name : str
        The key, e.g. ``"iline"``.
    byte : int or None
        1-based trace-header byte (SEG-Y); None for a Zarr coordinate.
    min, max : float
        Smallest and largest value.
    step : float
        The spacing of the values: the greatest common divisor of the differences
        between distinct integer values, the smallest difference for floats; 0 when
        the key is constant.
    count : int
        Distinct values.
    regularity : float
        ``count`` over the number of values a regular axis from `min` to `max` with
        `step` has: 1.0 when every step is present.
    """

    name: str
    byte: int | None
    min: float
    max: float
    step: float
    count: int
    regularity: float

    @property
    def regular(self) -> bool:
        """Whether every value of the regular axis from `min` to `max` is present."""
        return self.regularity >= 1.0

    def describe(self) -> str:
        """The regularity in words, e.g. ``"regular"`` or ``"irregular: 5 of 8 steps"``."""
        if self.count < 2:
            return "constant"
        if self.regular:
            return "regular"
        slots = round(self.count / self.regularity)
        return f"irregular: {self.count} of {slots} values"


@dataclass(frozen=True)
class FoldStats:
    """Traces per bin (or per gather): ``bins`` names what was counted."""

    bins: str
    n_bins: int
    min: int
    max: int
    mean: float


@dataclass(frozen=True)
class Extent:
    """Range of one coordinate over the traces present, scalars applied."""

    name: str
    min: float
    max: float
    units: str


@dataclass(frozen=True)
class TraceCounts:
    """How many grid positions hold what.

    Attributes
    ----------
    positions : int
        Grid positions (the product of the trace dims).
    absent : int or None
        Positions the file has no trace for (``trace_index == -1``); None when unknown.
    dead : int or None
        Recorded traces whose samples are all zero or NaN; None when not counted
        (counting reads every sample).
    missing : int or None
        Positions not observed (``trace_mask`` False); None when it needs the samples
        and they were not read.
    filled : int or None
        Positions a model filled (the ``trace_filled`` coordinate); None when the data
        carry no such record.
    """

    positions: int
    absent: int | None = None
    dead: int | None = None
    missing: int | None = None
    filled: int | None = None


@dataclass(frozen=True)
class SegyHeaders:
    """The file-level headers of a SEG-Y file.

    Attributes
    ----------
    text : str
        The textual header decoded, one line per 80-byte card, trailing blanks removed.
    text_encoding : str
        ``"EBCDIC"``, ``"ASCII"`` or ``"blank"``.
    binary : dict of str to int
        Binary header essentials (job, line, reel, ensemble, sorting, revision, ...).
    format_code : int
        The sample format code (bytes 3225-3226).
    format_name : str
        What the format code means, e.g. ``"4-byte IBM float"``.
    endian : str
        ``"big"`` or ``"little"``.
    byte_locations : dict of str to tuple of int
        ``name -> (byte, size)`` of each key used to build the geometry.
    """

    text: str
    text_encoding: str
    binary: dict[str, int]
    format_code: int
    format_name: str
    endian: str
    byte_locations: dict[str, tuple[int, int]]


@dataclass
class SurveyInfo:
    """Summary of a SEG-Y file or Zarr store (see the module docs).

    Attributes
    ----------
    path : str
        The file or store.
    kind : str
        ``"SEG-Y"`` or ``"Zarr"``.
    dims : dict of str to int
        Dims and sizes of the array the file opens as.
    n_traces : int
        Traces recorded (SEG-Y: in the file; Zarr: positions that had a trace).
    n_samples : int
        Samples per trace.
    vertical_dim : str
        ``"time"`` or ``"depth"``.
    sample_interval : float
        Spacing of the vertical axis, in `units`.
    first_sample, last_sample : float
        First and last value of the vertical axis, in `units`.
    units : str
        Unit of the vertical axis.
    geometry : str
        ``"3d"``, ``"2d"``, ``"prestack"`` or ``"traces"`` (grid with holes included).
    sort_order : str
        Which dim varies slowest in the file, e.g. ``"iline-major"``.
    keys : list of KeyStats
        Each header key in use (varying, or constant but set).
    fold : FoldStats or None
        Traces per bin, when the keys give bins.
    extents : list of Extent
        Coordinate ranges.
    traces : TraceCounts
        Absent, dead, missing and filled positions.
    note : str
        How the geometry was found (holes, rejected candidates).
    suggestion : dict of str to int
        Byte locations :func:`~promethium.io.segy.scan_headers` proposes when the
        geometry fell back to trace order.
    segy : SegyHeaders or None
        Textual and binary header (SEG-Y only).
    history : list of str
        Processing history, a line per step (``attrs["history"]``).
    provenance : dict or None
        Reconstruction provenance (``attrs["promethium_reconstruction"]``).
    variables : list of str
        The data variables of a Zarr store holding several (e.g. ``mean`` and ``std``);
        the summary describes the first or the one asked for. Empty otherwise.
    variable : str or None
        The variable summarized, in a store of several.
    """

    path: str
    kind: str
    dims: dict[str, int]
    n_traces: int
    n_samples: int
    vertical_dim: str
    sample_interval: float
    first_sample: float
    last_sample: float
    units: str
    geometry: str
    sort_order: str
    keys: list[KeyStats]
    fold: FoldStats | None
    extents: list[Extent]
    traces: TraceCounts
    note: str = ""
    suggestion: dict[str, int] = field(default_factory=dict)
    segy: SegyHeaders | None = None
    history: list[str] = field(default_factory=list)
    provenance: dict[str, Any] | None = None
    variables: list[str] = field(default_factory=list)
    variable: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready data (NaN becomes None)."""
        return _plain(asdict(self))

    def to_text(self) -> str:
        """Render the summary as readable lines."""
        from promethium.io.summary_text import render_info

        return render_info(self)

    __str__ = to_text


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def key_stats(name: str, values: np.ndarray, byte: int | None = None) -> KeyStats:
    """Summarize the values of one key (NaN ignored).

    Parameters
    ----------
    name : str
        The key.
    values : numpy.ndarray
        Its values, one per trace or per axis position.
    byte : int, optional
        Its trace-header byte.

    Returns
    -------
    KeyStats
        Range, step, count and regularity.

    Examples
    --------
    >>> import numpy as np
    >>> s = key_stats("xline", np.array([10, 12, 14, 18]))
    >>> s.step, s.count, s.describe()
    (2.0, 4, 'irregular: 4 of 5 values')
    """
    v = np.asarray(values).ravel()
    if v.dtype.kind == "f":
        v = v[np.isfinite(v)]
    distinct = np.unique(v)
    if distinct.size == 0:
        return KeyStats(name, byte, math.nan, math.nan, 0.0, 0, 0.0)
    lo, hi = float(distinct[0]), float(distinct[-1])
    if distinct.size < 2:
        return KeyStats(name, byte, lo, hi, 0.0, 1, 1.0)
    diffs = np.diff(distinct)
    if distinct.dtype.kind in "iu":
        step = float(math.gcd(*(int(d) for d in diffs)))
    else:
        step = float(diffs.min())
    slots = round((hi - lo) / step) + 1
    return KeyStats(name, byte, lo, hi, step, int(distinct.size), distinct.size / slots)


def fold_stats(bins: str, labels: list[np.ndarray]) -> FoldStats | None:
    """Count traces per bin, a bin being one combination of the `labels` values.

    Parameters
    ----------
    bins : str
        What a bin is, for the report, e.g. ``"iline/xline bin"``.
    labels : list of numpy.ndarray
        One array per key, a value per trace.

    Returns
    -------
    FoldStats or None
        None when there are no traces.
    """
    if not labels or labels[0].size == 0:
        return None
    _, counts = np.unique(np.stack(labels, axis=1), axis=0, return_counts=True)
    return FoldStats(bins, int(counts.size), int(counts.min()), int(counts.max()),
                     float(counts.mean()))  # fmt: skip


def keys_in_use(stats: list[KeyStats]) -> list[KeyStats]:
    """The keys that vary, or that are constant but set (non-zero)."""
    return [s for s in stats if s.count > 1 or (s.count == 1 and s.min != 0)]


def extents(da: xr.DataArray, present: np.ndarray | None) -> list[Extent]:
    """The x/y and elevation coordinates of `da` over the positions with a trace."""
    out = []
    for name in EXTENT_NAMES:
        if name not in da.coords:
            continue
        coord = da.coords[name]
        values = np.asarray(coord.values, dtype=np.float64)
        if present is not None and values.shape == present.shape:
            values = values[present]
        values = values[np.isfinite(values)]
        if values.size:
            units = str(coord.attrs.get("units", ""))
            out.append(Extent(name, float(values.min()), float(values.max()), units))
    return out


def sampling(da: xr.DataArray) -> dict[str, Any]:
    """The vertical axis of `da`: dim, sample count, interval, first, last, units."""
    vdim = vertical_dim(da)
    axis = np.asarray(da.coords[vdim].values, dtype=np.float64)
    interval = float(np.diff(axis).mean()) if axis.size > 1 else math.nan
    return {
        "vertical_dim": vdim,
        "n_samples": int(axis.size),
        "sample_interval": round(interval, 9),
        "first_sample": float(axis[0]) if axis.size else math.nan,
        "last_sample": float(axis[-1]) if axis.size else math.nan,
        "units": str(da.coords[vdim].attrs.get("units", "")),
    }


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
