"""Geometry from trace headers: a regular grid, a masked grid with holes, or traces.

Header key values (inline, crossline, offset, ...) are mapped onto the product of their
regularized value axes. Positions with no trace get ``trace_index == -1``; they are the
holes reconstruction fills. When no candidate key set gives a grid (duplicate keys, too
sparse), the geometry is one ``trace`` dim with a note saying why; ``open_segy`` refuses
it unless ``geometry="traces"`` was asked for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from promethium.errors import ConfigError

__all__ = ["GEOMETRIES", "Geometry", "build_geometry", "fit_grid"]

#: Accepted values of the ``geometry`` argument.
GEOMETRIES = ("auto", "3d", "2d", "prestack", "traces")

_GATHERS = [("shot", "offset"), ("shot", "channel"), ("cdp", "offset")]
_CANDIDATES: dict[str, list[tuple[str, ...]]] = {
    "3d": [("iline", "xline", "offset"), ("iline", "xline")],
    "prestack": [*_GATHERS, ("iline", "xline", "offset"), ("offset",), ("channel",)],
    "2d": [("cdp",), ("xline",), ("iline",)],
}
#: ``geometry="auto"``: 3-D, then pre-stack gathers (a shot key, or cdp with several
#: offsets), then a 2-D line (cdp, xline or iline), and only then one gather indexed by
#: offset or channel alone. A channel counter or offsets that run along a line with a
#: varying cdp are no pre-stack evidence.
_AUTO: list[tuple[str, ...]] = [
    *_CANDIDATES["3d"],
    *_GATHERS,
    *_CANDIDATES["2d"],
    ("offset",),
    ("channel",),
]
_KIND = {("iline", "xline"): "3d", ("cdp",): "2d", ("xline",): "2d", ("iline",): "2d"}


@dataclass
class Geometry:
    """How the traces of a file map onto the dims of a DataArray, and why.

    Attributes
    ----------
    kind : str
        ``"3d"``, ``"2d"``, ``"prestack"`` or ``"traces"``.
    dims : tuple of str
        The trace dims, slowest first.
    axes : dict of str to numpy.ndarray
        Coordinate values of each dim.
    trace_index : numpy.ndarray
        int64 array over `dims`: the file trace at each position, -1 where none.
    n_traces : int
        Traces in the file.
    sort_order : str
        Which dim varies slowest in the file, e.g. ``"iline-major"``, or ``"unsorted"``.
    note : str
        A sentence on holes, fallbacks and rejected candidates.
    """

    kind: str
    dims: tuple[str, ...]
    axes: dict[str, np.ndarray]
    trace_index: np.ndarray
    n_traces: int
    sort_order: str = "file order"
    note: str = ""
    tried: list[str] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, ...]:
        """Grid shape over :attr:`dims`."""
        return tuple(self.trace_index.shape)

    @property
    def n_absent(self) -> int:
        """Grid positions with no trace in the file."""
        return int(np.count_nonzero(self.trace_index < 0))

    def to_text(self) -> str:
        """Render the geometry as readable report lines."""
        sizes = ", ".join(f"{d}={n}" for d, n in zip(self.dims, self.shape, strict=True))
        lines = [
            f"geometry: {self.kind} ({sizes}), sort order {self.sort_order}",
            f"traces: {self.n_traces} in file, {self.n_absent} absent grid positions",
        ]
        if self.note:
            lines.append(f"note: {self.note}")
        return "\n".join(lines)


def _axis(values: np.ndarray) -> np.ndarray:
    """Unique values, made regular (filling missing steps) when that stays compact."""
    unique = np.unique(values)
    if unique.size < 3:
        return unique
    step = math.gcd(*np.diff(unique).tolist())
    n_full = (int(unique[-1]) - int(unique[0])) // step + 1
    if step > 0 and n_full <= 2 * unique.size:
        return np.arange(unique[0], unique[-1] + step, step, dtype=np.int64)
    return unique


def fit_grid(
    keys: dict[str, np.ndarray], min_fill: float
) -> tuple[dict[str, np.ndarray], np.ndarray] | str:
    """Map traces onto the grid of their key values.

    Parameters
    ----------
    keys : dict of str to numpy.ndarray
        One int array per dim (slowest first), one value per trace.
    min_fill : float
        Smallest accepted fraction of grid positions holding a trace.

    Returns
    -------
    tuple or str
        ``(axes, trace_index)`` on success, else the reason the grid does not fit.
    """
    axes = {name: _axis(values) for name, values in keys.items()}
    shape = tuple(a.size for a in axes.values())
    n = next(iter(keys.values())).size
    n_cells = math.prod(shape)
    if n_cells * min_fill > n:
        return (
            f"{'/'.join(keys)} would fill only {n / n_cells:.1%} of a "
            f"{' x '.join(map(str, shape))} grid"
        )
    position = np.ravel_multi_index(
        tuple(np.searchsorted(axes[k], v) for k, v in keys.items()), shape
    )
    counts = np.bincount(position, minlength=n_cells)
    n_dup = int(np.count_nonzero(counts > 1))
    if n_dup:
        first = np.unravel_index(int(np.argmax(counts > 1)), shape)
        where = ", ".join(f"{k}={axes[k][i]}" for k, i in zip(keys, first, strict=True))
        return f"{'/'.join(keys)} has {n_dup} positions holding several traces (e.g. {where})"
    trace_index = np.full(n_cells, -1, dtype=np.int64)
    trace_index[position] = np.arange(n, dtype=np.int64)
    return axes, trace_index.reshape(shape)


def _sort_order(dims: tuple[str, ...], trace_index: np.ndarray) -> str:
    if len(dims) == 1:
        return "file order" if np.all(np.diff(trace_index[trace_index >= 0]) > 0) else "unsorted"
    for perm in (tuple(range(len(dims))), tuple(reversed(range(len(dims))))):
        order = trace_index.transpose(perm).ravel()
        if np.all(np.diff(order[order >= 0]) > 0):
            return f"{dims[perm[0]]}-major"
    return "unsorted"


def _no_evidence(values: np.ndarray) -> bool:
    """Whether a key says nothing about the layout.

    That is a key constant over several traces, or a single trace's zero (an unset header
    word), so that 1 trace reads like 5 such traces.
    """
    if values.size == 0:
        return False
    if values.size == 1:
        return bool(values[0] == 0)
    return bool(np.all(values == values[0]))


def build_geometry(
    keys: dict[str, np.ndarray], mode: str = "auto", *, min_fill: float = 0.5
) -> Geometry:
    """Choose the geometry of a file from its trace header key values.

    Parameters
    ----------
    keys : dict of str to numpy.ndarray
        Header values per trace for ``iline``, ``xline``, ``offset``, ``cdp``, ``shot``
        and ``channel`` (any subset).
    mode : {"auto", "3d", "2d", "prestack", "traces"}
        Which geometry to try. ``"auto"`` tries 3-D, then pre-stack gathers (a shot
        key, or cdp with several offsets), then a 2-D line (cdp, xline or iline),
        and last one gather indexed by offset or channel alone.
    min_fill : float, optional
        Smallest fraction of live grid positions for a masked grid to be accepted.

    Returns
    -------
    Geometry
        A (possibly masked) grid, or the trace-indexed fallback with a note saying why.

    Raises
    ------
    ConfigError
        If `mode` is unknown or `min_fill` is not in (0, 1].
    """
    if mode not in GEOMETRIES:
        raise ConfigError(f"geometry={mode!r} is unknown; use one of {GEOMETRIES}.")
    if not 0 < min_fill <= 1:
        raise ConfigError(f"min_fill must be in (0, 1]; got {min_fill}.")
    n = next(iter(keys.values())).size if keys else 0
    candidates = _AUTO if mode == "auto" else _CANDIDATES.get(mode, [])
    tried: list[str] = []
    for names in candidates:
        if not all(k in keys for k in names):
            continue
        constant = [k for k in names if _no_evidence(keys[k])]
        if constant:
            if mode != "auto":
                tried.append(f"{'/'.join(names)}: {', '.join(constant)} constant")
            continue
        fitted = fit_grid({k: keys[k] for k in names}, min_fill)
        if isinstance(fitted, str):
            tried.append(fitted)
            continue
        axes, trace_index = fitted
        geometry = Geometry(
            kind=_KIND.get(names, "prestack"),
            dims=names,
            axes=axes,
            trace_index=trace_index,
            n_traces=n,
            sort_order=_sort_order(names, trace_index),
            tried=tried,
        )
        if geometry.n_absent:
            geometry.note = (
                f"masked grid: {geometry.n_absent} of {trace_index.size} positions have "
                "no trace (trace_mask False, samples zero)"
            )
        if tried:
            geometry.note = "; ".join([*tried, geometry.note]).strip("; ")
        return geometry
    reason = "geometry='traces' requested" if mode == "traces" else "no regular grid fits"
    detail = "; ".join(tried) if tried else "no header key varies"
    note = reason if mode == "traces" else f"{reason} ({detail}); traces kept in file order"
    return Geometry(
        kind="traces",
        dims=("trace",),
        axes={"trace": np.arange(n, dtype=np.int64)},
        trace_index=np.arange(n, dtype=np.int64),
        n_traces=n,
        note=note,
        tried=tried,
    )
