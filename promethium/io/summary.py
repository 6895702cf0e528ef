"""What a survey holds, at a glance: the summary behind ``promethium info``.

:class:`SurveyInfo` answers a geophysicist's first questions about a SEG-Y file
(:func:`~promethium.io.segy.segy_info`) or a Zarr store
(:func:`~promethium.io.zarr_info.zarr_info`): the
sampling, each header key in use and how regular it is, the geometry, fold and sort
order, coordinate extents, and how many traces are absent, dead or filled. For a SEG-Y
file it also holds the decoded textual header and the binary header essentials; for a
Zarr store, the processing history and reconstruction provenance.

``info.to_dict()`` is plain JSON-ready data (``promethium info --json``) and
``info.to_text()`` (``str(info)``) the readable report.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "KEY_NAMES",
    "Extent",
    "FoldStats",
    "KeyStats",
    "SegyHeaders",
    "SurveyInfo",
    "TraceCounts",
]

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
