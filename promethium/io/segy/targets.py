"""What a :func:`to_segy` write writes: the layout, trace plan, headers and file headers.

Two kinds of write: a copy of a file's headers (``like=``), where the data may hold any
selection of that file's traces and holes it lacked, and a new file whose headers are
built from the coordinates.
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core.axis import sample_interval, vertical_values
from promethium.errors import InvalidDataError, PromethiumWarning
from promethium.io.segy.absent import GridHeaders, LikeHeaders, hole_headers
from promethium.io.segy.build import HeaderBuilder, binary_header
from promethium.io.segy.layout import HEADER_SIZE, SegyLayout, read_layout
from promethium.io.segy.plan import TracePlan, plan_traces
from promethium.io.segy.read import TRACE_INDEX
from promethium.io.segy.samples import FORMATS, get_format
from promethium.io.segy.text import text_header, text_lines

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["Prepared", "like_target", "new_target", "trace_index_of"]

#: Attribute ``open_segy`` sets to the file's sample interval in microseconds; used when a
#: single-sample trace leaves the vertical coordinate without an interval.
_DT_ATTR = "segy_sample_interval_us"
#: Sample formats that store integers (not IBM or IEEE floats).
_INTEGER_FORMATS = tuple(c for c, f in FORMATS.items() if not f.is_ibm and f.file_dtype[0] in "iu")
#: A prepared write: output layout, trace plan, headers by flat grid position, file headers.
Prepared = tuple[SegyLayout, TracePlan, Any, bytes]


def _dt_us(da: xr.DataArray) -> int:
    stored = da.attrs.get(_DT_ATTR)
    if da.shape[-1] == 1 and isinstance(stored, int | float | np.number) and stored > 0:
        if float(stored) != round(float(stored)):
            raise InvalidDataError(
                f"attrs[{_DT_ATTR!r}] of {da.name!r} is {stored}, not a whole number of "
                "microseconds; set it to the sample interval in whole microseconds."
            )
        return round(float(stored))
    if da.shape[-1] == 1:
        raise InvalidDataError(
            f"{da.name!r} has 1 sample per trace and no attrs[{_DT_ATTR!r}], so its "
            "sample interval is unknown; set that attribute (whole microseconds) or "
            "write like= the original file."
        )
    dt = sample_interval(da, "us")
    if abs(dt - round(dt)) > 1e-3:
        raise InvalidDataError(
            f"the sample interval of {da.name!r} is {dt:g} us, not a whole number of "
            "microseconds, which SEG-Y cannot store; resample to an integer interval."
        )
    return round(dt)


def trace_index_of(da: xr.DataArray) -> np.ndarray | None:
    """The ``trace_index`` coordinate over the trace dims (in their order), if any."""
    if TRACE_INDEX not in da.coords:
        return None
    coord = da.coords[TRACE_INDEX]
    if set(coord.dims) != set(da.dims[:-1]):
        return None
    return np.asarray(coord.transpose(*da.dims[:-1]).values, dtype=np.int64)


def _like_positions(
    trace_index: np.ndarray | None, shape: tuple[int, ...], layout: SegyLayout, what: str
) -> np.ndarray:
    """The file trace of each position of the data written `like` the file at `layout`."""
    if trace_index is None:
        if int(np.prod(shape)) == layout.n_traces:
            return np.arange(layout.n_traces, dtype=np.int64).reshape(shape)
        raise InvalidDataError(
            f"{what} has {int(np.prod(shape))} trace positions and no {TRACE_INDEX!r} "
            f"coordinate, but {layout.path} has {layout.n_traces} traces; write data "
            "opened with pm.open_segy (or a selection of it), or of the same trace count."
        )
    present = trace_index[trace_index >= 0]
    if present.size and present.max() >= layout.n_traces:
        raise InvalidDataError(
            f"{what} has {TRACE_INDEX}={int(present.max())} but {layout.path} has "
            f"{layout.n_traces} traces; write it like= the file it was read from."
        )
    if np.unique(present).size != present.size:
        raise InvalidDataError(
            f"{what} holds {present.size - np.unique(present).size} file trace(s) of "
            f"{layout.path} more than once ({TRACE_INDEX} repeats); to_segy(like=) writes "
            "each original trace at most once: select each trace once."
        )
    if not present.size:
        raise InvalidDataError(
            f"{what} holds no trace of {layout.path} (every {TRACE_INDEX} is -1), so no "
            "header can be copied from it; write without like= instead."
        )
    return trace_index


def like_target(
    da: xr.DataArray, like: str | os.PathLike[str], insert: bool, what: str
) -> Prepared:
    """Layout, plan, headers and file headers of a write that copies `like`'s headers."""
    layout = read_layout(like)
    if da.shape[-1] != layout.n_samples:
        raise InvalidDataError(
            f"{what} has {da.shape[-1]} samples per trace but {layout.path} has "
            f"{layout.n_samples}; write like= a file with the same sample count."
        )
    known_dt = da.shape[-1] > 1 or _DT_ATTR in da.attrs
    if da.dims[-1] == "time" and layout.dt_us > 0 and known_dt and _dt_us(da) != layout.dt_us:
        raise InvalidDataError(
            f"{what} has a sample interval of {_dt_us(da)} us but {layout.path} has "
            f"{layout.dt_us} us; resample the data or write without like=."
        )
    trace_index = _like_positions(trace_index_of(da), da.shape[:-1], layout, what)
    plan = plan_traces(trace_index, da.shape[:-1], insert)
    headers: Any = LikeHeaders(layout, trace_index)
    if insert and plan.holes.any():
        extra = hole_headers(da, plan.holes, headers, layout.endian)
        headers = GridHeaders(headers, plan.holes, extra)
    with open(layout.path, "rb") as f:
        head = f.read(layout.data_start)
    return layout, plan, headers, head


def _new_format(da: xr.DataArray, format: int | None) -> int:
    """The sample format of a new file; warn when an integer source becomes IEEE."""
    source = da.attrs.get("segy_format")
    if format is None and source in _INTEGER_FORMATS:
        name = FORMATS[source].name
        warnings.warn(
            f"{da.name!r} was read from a SEG-Y file of format {source} ({name}); it is "
            f"written as IEEE floats (format 5). Pass format={source} to keep the "
            "integer format (values must then be integers in its range), or format=5 "
            "to silence this warning.",
            PromethiumWarning,
            stacklevel=4,
        )
    return 5 if format is None else format


def new_target(
    da: xr.DataArray, path: str, format: int | None, endian: str, insert: bool, what: str
) -> Prepared:
    """Layout, plan, headers and file headers of a new file built from the coordinates."""
    if da.dims[-1] != "time":
        raise InvalidDataError(
            f"{what} has a {da.dims[-1]!r} axis; a new SEG-Y file needs a time axis "
            "(write like= an existing depth file instead)."
        )
    fmt = get_format(_new_format(da, format), source="to_segy(format=...)")
    dt_us = _dt_us(da)
    t0 = float(vertical_values(da, "ms")[0])
    if t0 != round(t0) or abs(t0) > 32767:
        raise InvalidDataError(
            f"{what} starts at {t0:g} ms; SEG-Y stores the delay as whole milliseconds "
            "(-32768..32767); shift the time axis to a whole millisecond."
        )
    builder = HeaderBuilder(da, dt_us, round(t0), endian)
    plan = plan_traces(trace_index_of(da), da.shape[:-1], insert)
    layout = SegyLayout(
        path, endian, fmt.code, da.shape[-1], dt_us, HEADER_SIZE, plan.n_slots, 0, 0
    )
    binary = binary_header(
        dt_us=dt_us, n_samples=da.shape[-1], format_code=fmt.code, endian=endian,
        measurement=builder.measurement,
    )  # fmt: skip
    headers: Any = builder.headers
    if insert and plan.holes.any():
        headers = GridHeaders(headers, plan.holes, hole_headers(da, plan.holes, headers, endian))
    return layout, plan, headers, text_header(text_lines(da)) + binary
