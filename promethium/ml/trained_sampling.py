"""The sampling a weight set was trained on, and a survey's, read in physical units.

A network sees samples and traces, not milliseconds and metres: a wavelet or a
moveout that spans a given number of samples in training spans another number on a
survey sampled differently. :class:`TrainedSampling` is the range of sample intervals
and trace spacings a weight set was trained on, derived from the ``data.synthetic``
section its sidecar records (``promethium train`` writes it; the shipped sets carry
it), so nothing is retrained or rewritten. :func:`survey_sampling` reads a survey's
sample interval and trace spacing from its coordinates, with their units;
:func:`trace_steps` is the one reader of trace positions (the physics losses'
:class:`~promethium.models.networks.sampling.Sampling` uses it too).

Nothing here imports torch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from dask.base import is_dask_collection

from promethium.core.axis import sample_interval
from promethium.core.dims import trace_dim, vertical_dim
from promethium.core.units import convert, is_time_unit, parse_unit, unit_of
from promethium.errors import InvalidDataError, UnitError

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "POSITION_PAIRS",
    "SurveySampling",
    "TraceSteps",
    "TrainedSampling",
    "span",
    "survey_sampling",
    "trace_steps",
]

#: Relative tolerance of "within the trained range" (rounding of SEG-Y microseconds).
_RTOL = 1e-6

#: (x, y) coordinate pairs giving trace positions, tried in this order when the trace
#: dim has no other position coordinate: receiver (a shot gather's spacing; its CDPs
#: are half as far apart), CDP (stacked data), source.
POSITION_PAIRS: tuple[tuple[str, str], ...] = (
    ("group_x", "group_y"),
    ("receiver_x", "receiver_y"),
    ("cdp_x", "cdp_y"),
    ("source_x", "source_y"),
)


@dataclass(frozen=True)
class TrainedSampling:
    """The sample intervals and trace spacings a weight set was trained on.

    Parameters
    ----------
    sample_interval_ms : tuple of float
        The sample intervals of the training data, in milliseconds (sorted).
    trace_spacing_m : tuple of float
        Their trace spacings, in metres (sorted); empty when not recorded.

    Notes
    -----
    The range is ``[min, max]`` of each: an interval between two trained values is
    within it.

    Examples
    --------
    >>> trained = TrainedSampling.from_sidecar(
    ...     {"data": {"synthetic": {"kind": "fd", "dt_ms": [4.0, 2.0],
    ...                             "trace_spacing_m": [12.5, 25.0]}}})
    >>> trained.describe()
    'sample interval 2-4 ms, trace spacing 12.5-25 m'
    >>> trained.interval_within(1.0), trained.nearest_interval_ms(1.0)
    (False, 2.0)
    """

    sample_interval_ms: tuple[float, ...]
    trace_spacing_m: tuple[float, ...] = ()

    @classmethod
    def from_sidecar(cls, info: Mapping[str, Any]) -> TrainedSampling | None:
        """The trained sampling a weights sidecar records, or None when it records none.

        Read from ``metadata.trained_sampling`` where a fine-tuning recorded it
        (:meth:`as_dict`'s layout), else from ``data.synthetic``: ``dt_ms`` (every
        ``kind``) and, for ``kind: fd``, ``trace_spacing_m``. Weights trained on files,
        fine-tuned from such weights, or saved without a training recipe record none.
        """
        metadata = info.get("metadata")
        recorded = metadata.get("trained_sampling") if isinstance(metadata, Mapping) else None
        if isinstance(recorded, Mapping):
            intervals = _positive_values(recorded.get("sample_interval_ms"))
            if intervals:
                spacings = _positive_values(recorded.get("trace_spacing_m"))
                return cls(sample_interval_ms=intervals, trace_spacing_m=spacings)
        data = info.get("data")
        synthetic = data.get("synthetic") if isinstance(data, Mapping) else None
        if not isinstance(synthetic, Mapping):
            return None
        intervals = _positive_values(synthetic.get("dt_ms", 4.0))
        if not intervals:
            return None
        spacings = (
            _positive_values(synthetic.get("trace_spacing_m"))
            if synthetic.get("kind") == "fd"
            else ()
        )
        return cls(sample_interval_ms=intervals, trace_spacing_m=spacings)

    def including(self, survey: SurveySampling) -> TrainedSampling:
        """The sampling seen once a network trained on this has also trained on `survey`.

        The survey's sample interval and trace spacing join the trained values, where
        the survey has them; an unrecorded trace spacing stays unrecorded (the
        original training data's is unknown).

        Examples
        --------
        >>> trained = TrainedSampling((2.0, 4.0), (12.5, 25.0))
        >>> trained.including(SurveySampling(8.0, 50.0, "offset")).describe()
        'sample interval 2-8 ms, trace spacing 12.5-50 m'
        """
        intervals = self.sample_interval_ms
        if survey.sample_interval_ms is not None:
            intervals = _positive_values([*intervals, survey.sample_interval_ms])
        spacings = self.trace_spacing_m
        if spacings and survey.trace_spacing_m is not None:
            spacings = _positive_values([*spacings, survey.trace_spacing_m])
        return TrainedSampling(intervals, spacings)

    def interval_within(self, interval_ms: float) -> bool:
        """Whether `interval_ms` lies in the trained range of sample intervals."""
        return _within(interval_ms, self.sample_interval_ms)

    def spacing_within(self, spacing_m: float) -> bool:
        """Whether `spacing_m` lies in the trained range of trace spacings (True if unknown)."""
        return not self.trace_spacing_m or _within(spacing_m, self.trace_spacing_m)

    def nearest_interval_ms(self, interval_ms: float) -> float:
        """The sample interval in the trained range nearest to `interval_ms`."""
        low, high = self.sample_interval_ms[0], self.sample_interval_ms[-1]
        return float(min(max(interval_ms, low), high))

    def describe(self) -> str:
        """The range in words, e.g. ``"sample interval 2-4 ms, trace spacing 6.25-25 m"``."""
        text = f"sample interval {span(self.sample_interval_ms)} ms"
        if self.trace_spacing_m:
            text += f", trace spacing {span(self.trace_spacing_m)} m"
        return text

    def as_dict(self) -> dict[str, list[float]]:
        """JSON-ready: ``{"sample_interval_ms": [...], "trace_spacing_m": [...]}``."""
        return {
            "sample_interval_ms": list(self.sample_interval_ms),
            "trace_spacing_m": list(self.trace_spacing_m),
        }


@dataclass(frozen=True)
class SurveySampling:
    """A survey's sample interval and trace spacing (None where it cannot be read).

    Parameters
    ----------
    sample_interval_ms : float or None
        The vertical sample interval in milliseconds; None on a depth axis or an
        irregularly sampled one.
    trace_spacing_m : float or None
        The median distance between neighbouring traces along the trace dim, in
        metres; None when no coordinate gives positions in a length unit.
    spacing_from : str or None
        The coordinate(s) the spacing was read from, e.g. ``"offset"`` or
        ``"cdp_x, cdp_y"``.
    """

    sample_interval_ms: float | None
    trace_spacing_m: float | None
    spacing_from: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "sample_interval_ms": self.sample_interval_ms,
            "trace_spacing_m": self.trace_spacing_m,
            "trace_spacing_from": self.spacing_from,
        }


def survey_sampling(da: xr.DataArray) -> SurveySampling:
    """Read the sample interval and trace spacing of `da` from its coordinates.

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data, vertical dim last, the trace dim before it.

    Returns
    -------
    SurveySampling
        The sample interval (ms) of a regular time axis, and the median distance (m) between
        neighbouring traces along the trace dim: from its own coordinate or another
        1-D coordinate along it with a length unit (e.g. ``offset``), else from the
        first of :data:`POSITION_PAIRS` present in a length unit and varying along
        it (e.g. ``cdp_x``, ``cdp_y`` of a stacked 3-D survey). Positions held in
        dask arrays are not read (nothing is computed): the spacing is then None.

    Raises
    ------
    UnitError
        If the vertical coordinate has no known unit.

    Examples
    --------
    >>> import promethium as pm
    >>> survey_sampling(pm.synthetic_gather(n_traces=8, n_samples=16))
    SurveySampling(sample_interval_ms=4.0, trace_spacing_m=25.0, spacing_from='offset')
    """
    vertical = vertical_dim(da)
    is_time = vertical in da.coords and is_time_unit(
        unit_of(da.coords[vertical]), what=f"coordinate {vertical!r}"
    )
    interval = None
    if is_time:
        try:
            interval = sample_interval(da, "ms")
        except InvalidDataError:  # irregular, or a single sample: no interval to compare
            interval = None
    found = trace_steps(da)
    if found is None:
        return SurveySampling(interval, None, None)
    return SurveySampling(interval, found.spacing_m, found.source)


@dataclass(frozen=True)
class TraceSteps:
    """The distances between neighbouring traces along the trace dim, and their source.

    Parameters
    ----------
    steps_m : numpy.ndarray
        Distances in metres between each trace and the next along the trace dim (one
        axis shorter there than the coordinate(s) read).
    source : str
        The coordinate(s) the positions came from, e.g. ``"offset"`` or
        ``"cdp_x, cdp_y"``.
    """

    steps_m: np.ndarray
    source: str

    @property
    def spacing_m(self) -> float | None:
        """The median of the finite, non-zero steps; None when there are none."""
        return _median_step(self.steps_m)


def trace_steps(
    da: xr.DataArray, dim: str | None = None, *, compute: bool = False
) -> TraceSteps | None:
    """Read the distances between neighbouring traces of `da` from its coordinates.

    The positions are the first found, in this order, that has a length unit and gives
    a non-zero step: the trace dim's own coordinate, another 1-D coordinate along it
    (e.g. ``offset``), then the first of :data:`POSITION_PAIRS` whose ``x`` spans the
    dim (the distance in the plane, with its ``y`` where that has the same dims).

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data.
    dim : str, optional
        The trace dim (default: :func:`~promethium.core.dims.trace_dim`).
    compute : bool, default False
        Read positions held in dask arrays (computing them); by default such
        coordinates are skipped.

    Returns
    -------
    TraceSteps or None
        None when no coordinate gives positions in a length unit.

    Examples
    --------
    >>> import promethium as pm
    >>> found = trace_steps(pm.synthetic_gather(n_traces=4, n_samples=8))
    >>> found.source, found.steps_m.tolist(), found.spacing_m
    ('offset', [25.0, 25.0, 25.0], 25.0)
    """
    dim = trace_dim(da) if dim is None else dim
    paired = {name for pair in POSITION_PAIRS for name in pair}
    along = [dim] if dim in da.coords else []
    along += [
        str(n) for n, c in da.coords.items() if n != dim and c.dims == (dim,) and n not in paired
    ]
    for name in along:
        positions = _metres(da, name, compute=compute)
        if positions is not None:
            found = TraceSteps(np.abs(np.diff(positions)), name)
            if found.spacing_m is not None:
                return found
    for x_name, y_name in POSITION_PAIRS:
        x = _metres(da, x_name, dim, compute=compute)
        if x is None:
            continue
        y = _metres(da, y_name, dim, compute=compute)
        axis = da.coords[x_name].dims.index(dim)
        steps = np.abs(np.diff(x, axis=axis))
        source = x_name
        if y is not None and da.coords[y_name].dims == da.coords[x_name].dims:
            steps = np.hypot(steps, np.diff(y, axis=axis))
            source = f"{x_name}, {y_name}"
        found = TraceSteps(steps, source)
        if found.spacing_m is not None:
            return found
    return None


def _metres(
    da: xr.DataArray, name: str, dim: str | None = None, *, compute: bool = False
) -> np.ndarray | None:
    """Coordinate `name` in metres, if it exists, spans `dim` and has a length unit."""
    if name not in da.coords:
        return None
    coord = da.coords[name]
    unit = coord.attrs.get("units")
    if dim is not None and dim not in coord.dims:
        return None
    if unit is None or (is_dask_collection(coord.data) and not compute):
        return None
    try:
        if parse_unit(unit).dimensionality != parse_unit("m").dimensionality:
            return None
        values = np.asarray(coord.values, dtype=np.float64)
    except (UnitError, TypeError, ValueError):
        return None
    return np.asarray(convert(values, unit, "m", what=f"coordinate {name!r}"))


def _median_step(steps: np.ndarray) -> float | None:
    """The median of the finite, non-zero steps; None when there are none."""
    finite = steps[np.isfinite(steps) & (steps > 0)]
    return float(round(float(np.median(finite)), 9)) if finite.size else None


def _positive_values(value: Any) -> tuple[float, ...]:
    items: Sequence[Any] = value if isinstance(value, (list, tuple)) else [value]
    numbers = []
    for item in items:
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            if math.isfinite(item) and item > 0:
                numbers.append(float(item))
    return tuple(sorted(set(numbers)))


def _within(value: float, trained: tuple[float, ...]) -> bool:
    low, high = trained[0], trained[-1]
    return low * (1 - _RTOL) <= value <= high * (1 + _RTOL)


def span(values: tuple[float, ...]) -> str:
    """Sorted `values` as a range in words: ``"2-4"``, or ``"4"`` for one value.

    Examples
    --------
    >>> span((2.0, 4.0)), span((4.0,))
    ('2-4', '4')
    """
    low, high = values[0], values[-1]
    return f"{low:g}" if math.isclose(low, high) else f"{low:g}-{high:g}"
