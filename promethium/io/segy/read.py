"""``open_segy``: a SEG-Y file as a lazy, labeled, dask-backed DataArray."""

from __future__ import annotations

import json
import math
import os
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core.mask import TRACE_FILLED, TRACE_MASK
from promethium.errors import ConfigError, PromethiumWarning, SegyFormatError
from promethium.io.segy.filled import TRACE_ID_WORD, filled_marker
from promethium.io.segy.geometry import Geometry, build_geometry
from promethium.io.segy.headers import TRACE_FIELDS, read_words, resolve_byte_locations
from promethium.io.segy.layout import SegyLayout, read_layout
from promethium.io.segy.lazy import lazy_samples

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["SegyIndex", "from_index", "index_segy", "open_segy"]

#: Default size of one dask chunk, in bytes of decoded samples.
CHUNK_BYTES = 32 * 2**20
TRACE_INDEX = "trace_index"
_SCALED = {
    "cdp_x": "coordinate_scalar",
    "cdp_y": "coordinate_scalar",
    "source_x": "coordinate_scalar",
    "source_y": "coordinate_scalar",
    "group_x": "coordinate_scalar",
    "group_y": "coordinate_scalar",
    "group_elevation": "elevation_scalar",
    "source_elevation": "elevation_scalar",
}
#: Standard words read for every trace besides the keys, and for the first trace only.
_EVERY_TRACE = ("delay", *_SCALED, "coordinate_scalar", "elevation_scalar")
_FIRST_TRACE = ("sample_interval", "coordinate_units")
_LENGTH_UNITS = {1: "m", 2: "ft"}
_ANGLE_UNITS = {2: "arcsec", 3: "degree"}


@dataclass
class SegyIndex:
    """Everything known about a file from its headers alone."""

    layout: SegyLayout
    words: dict[str, tuple[int, int]]
    keys: dict[str, np.ndarray]
    fields: dict[str, np.ndarray]  # standard words (TRACE_FIELDS names), int64
    geometry: Geometry
    dt_us: int
    delay_ms: float
    #: Per file trace, whether a model filled it, when the file records it
    #: (``to_segy(..., mark_filled=True)``); None when it does not.
    filled: np.ndarray | None = None


def _read_fields(
    layout: SegyLayout, words: dict[str, tuple[int, int]], marker: int | None = None
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray | None]:
    """Read the key words and the standard words of every trace (one pass over the file).

    When `marker` is given, the same pass reads which traces carry it as their trace
    identification code (``to_segy(..., mark_filled=True)``).
    """
    ids = [TRACE_ID_WORD] if marker is not None else []
    every = read_words(layout, [*words.values(), *(TRACE_FIELDS[n] for n in _EVERY_TRACE), *ids])
    first = read_words(layout, [TRACE_FIELDS[n] for n in _FIRST_TRACE], stop=1)
    keys = {name: every[word] for name, word in words.items()}
    fields = {name: every[TRACE_FIELDS[name]] for name in _EVERY_TRACE}
    fields.update({name: first[TRACE_FIELDS[name]] for name in _FIRST_TRACE})
    filled = every[TRACE_ID_WORD] == marker if marker is not None else None
    return keys, fields, filled


def _sample_axis(
    layout: SegyLayout, fields: dict[str, np.ndarray], dt: int | None
) -> tuple[int, float]:
    trace_dt = int(fields["sample_interval"][0])
    delays = fields["delay"]
    if dt is not None:
        if int(dt) != dt or dt <= 0:
            raise ConfigError(f"dt must be a positive integer of microseconds; got {dt!r}.")
        chosen = int(dt)
    elif layout.dt_us > 0:
        chosen = layout.dt_us
        if 0 < trace_dt != layout.dt_us:
            warnings.warn(
                f"{layout.path}: the binary header says the sample interval is "
                f"{layout.dt_us} us but the first trace header says {trace_dt} us; using "
                f"{layout.dt_us} us. Pass dt={trace_dt} to use the trace header's value.",
                PromethiumWarning,
                stacklevel=4,
            )
    elif trace_dt > 0:
        chosen = trace_dt
    else:
        raise ConfigError(
            f"{layout.path}: the sample interval is 0 in the binary header (bytes 3217-3218) "
            "and in the first trace header (bytes 117-118); pass dt=<microseconds>."
        )
    if delays.size and np.any(delays != delays[0]):
        warnings.warn(
            f"{layout.path}: the delay (lag time, bytes 109-110) varies between traces "
            f"({delays.min()} to {delays.max()} ms); the time axis starts at the first "
            f"trace's {delays[0]} ms.",
            PromethiumWarning,
            stacklevel=4,
        )
    return chosen, float(delays[0]) if delays.size else 0.0


def index_segy(
    path: str | os.PathLike[str],
    *,
    geometry: str = "auto",
    profile: str | None = None,
    dt: int | None = None,
    min_fill: float = 0.5,
    require_grid: bool = True,
    **byte_locations: Any,
) -> SegyIndex:
    """Read the headers of a SEG-Y file and choose its geometry (no samples are read).

    With `require_grid` (the default), a file of several traces whose header keys give
    no grid is refused unless ``geometry="traces"`` asks for trace order (see
    :func:`open_segy`); without it the trace-order fallback is returned, for summaries.
    """
    layout = read_layout(path)
    words = resolve_byte_locations(profile, byte_locations)
    # to_segy(mark_filled=True) records the filled traces: read their marks in this pass.
    keys, fields, filled = _read_fields(layout, words, filled_marker(layout))
    geom = build_geometry(keys, geometry, min_fill=min_fill)
    # One trace has one order: only an explicitly asked geometry is refused for it.
    several = geom.n_traces > 1 or geometry != "auto"
    if require_grid and geom.kind == "traces" and geometry != "traces" and several:
        raise SegyFormatError(_no_grid_message(layout.path, geometry, words, geom))
    dt_us, delay = _sample_axis(layout, fields, dt)
    return SegyIndex(layout, words, keys, fields, geom, dt_us, delay, filled)


def _no_grid_message(
    path: str, geometry: str, words: dict[str, tuple[int, int]], geom: Geometry
) -> str:
    """Why no grid fits, which byte locations a header scan suggests, and the way out."""
    from promethium.io.segy.scan import scan_headers  # the scan ranks candidate words

    used = ", ".join(f"{name}={byte}" for name, (byte, _) in words.items())
    suggestion = scan_headers(path).suggestion
    if suggestion and suggestion != {k: words[k][0] for k in suggestion if k in words}:
        args = ", ".join(f"{k}={v}" for k, v in suggestion.items())
        flags = " ".join(f"--{k} {v}" for k, v in suggestion.items())
        hint = (
            f"`promethium info` and scan_headers() suggest {args}: open_segy(path, {args}) "
            f"(CLI: {flags})"
        )
    else:
        hint = "scan_headers() finds no pair of 4-byte header words that forms a grid"
    asked = "no geometry fits" if geometry == "auto" else f"geometry={geometry!r} does not fit"
    return (
        f"{path}: {asked} the trace headers at byte locations {used} "
        f"({'; '.join(geom.tried) or 'no header key varies'}). {hint}. If the "
        "traces really are one line in file order, pass geometry='traces' (CLI: "
        "--geometry traces)."
    )


def _default_chunks(shape: tuple[int, ...], trace_bytes: int, budget: int) -> tuple[int, ...]:
    """Chunk the slowest dims first so that chunks follow the file order."""
    chunks = list(shape)
    for axis in range(len(shape)):
        inner = math.prod(shape[axis + 1 :]) * trace_bytes
        if inner * shape[axis] <= budget:
            break
        chunks[axis] = max(1, budget // max(inner, 1))
        if inner <= budget:
            break
        chunks[axis] = 1
    return tuple(chunks)


def _chunk_size(value: Any, name: str, size: int) -> int:
    """One chunk size: a positive int, or -1 / None for the whole dim (as in dask)."""
    if value is None or (isinstance(value, int | np.integer) and value == -1):
        return size
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ConfigError(
            f"chunks: {name}={value!r} is not a chunk size; give a positive number of "
            "elements (or -1 for the whole dim), e.g. chunks={'iline': 16}."
        )
    return min(int(value), max(size, 1))


def _chunks(spec: Any, dims: tuple[str, ...], shape: tuple[int, ...], trace_bytes: int) -> Any:
    if spec is None or (isinstance(spec, str) and spec == "auto"):
        return _default_chunks(shape, trace_bytes, CHUNK_BYTES)
    if isinstance(spec, int | np.integer) and not isinstance(spec, bool):
        return (_chunk_size(spec, dims[0], shape[0]), *shape[1:])
    if isinstance(spec, dict):
        unknown = set(spec) - set(dims) - {"time"}
        if unknown:
            raise ConfigError(f"chunks names unknown dims {sorted(unknown)}; dims are {dims}.")
        if "time" in spec:
            _chunk_size(spec["time"], "time", 1)
        return tuple(_chunk_size(spec.get(d, n), d, n) for d, n in zip(dims, shape, strict=True))
    raise ConfigError(
        f"chunks must be 'auto', a positive int or a dict of dim sizes; got {spec!r}."
    )


def _coord_values(index: SegyIndex, name: str) -> np.ndarray | None:
    if name in _SCALED:
        raw = index.fields[name].astype(np.float64)
        if not raw.any():
            return None
        scalar = index.fields[_SCALED[name]].astype(np.float64)
        divisor = np.where(scalar < 0, -scalar, 1.0)
        factor = np.where(scalar > 0, scalar, 1.0) / divisor
        return raw * factor
    values = index.keys[name]
    return values if values.any() else None


def _coord_units(index: SegyIndex, name: str) -> dict[str, str]:
    length = _LENGTH_UNITS.get(index.layout.measurement_system)
    if name.endswith(("_x", "_y")):
        counit = int(index.fields["coordinate_units"][0])
        unit = _ANGLE_UNITS.get(counit, length)
    elif name in ("offset", "group_elevation", "source_elevation"):
        unit = length
    else:
        return {}
    return {"units": unit} if unit else {}


def _grid(values: np.ndarray, trace_index: np.ndarray) -> np.ndarray:
    fill = np.nan if values.dtype.kind == "f" else 0
    out = np.where(trace_index >= 0, values[np.maximum(trace_index, 0)], fill)
    return out.astype(values.dtype)


def _coords(index: SegyIndex) -> dict[str, Any]:
    geom = index.geometry
    coords: dict[str, Any] = {}
    for dim in geom.dims:
        coords[dim] = (dim, geom.axes[dim], _coord_units(index, dim))
    for name in (*index.keys, *_SCALED):
        if name in geom.dims:
            continue
        values = _coord_values(index, name)
        if values is not None:
            coords[name] = (geom.dims, _grid(values, geom.trace_index), _coord_units(index, name))
    coords[TRACE_INDEX] = (geom.dims, geom.trace_index)
    ns = index.layout.n_samples
    time = index.delay_ms + np.arange(ns, dtype=np.float64) * (index.dt_us / 1000.0)
    coords["time"] = ("time", time, {"units": "ms"})
    return coords


def _attrs(index: SegyIndex) -> dict[str, Any]:
    layout, geom = index.layout, index.geometry
    return {
        "source": os.path.abspath(layout.path),
        "segy_format": layout.format_code,
        "segy_endian": layout.endian,
        "segy_n_samples": layout.n_samples,
        "segy_n_traces": layout.n_traces,
        "segy_sample_interval_us": index.dt_us,
        "segy_delay_ms": index.delay_ms,
        "segy_byte_locations": json.dumps({k: list(v) for k, v in index.words.items()}),
        "geometry": geom.kind,
        "geometry_sort_order": geom.sort_order,
        "geometry_note": geom.note,
    }


def open_segy(
    path: str | os.PathLike[str],
    *,
    chunks: int | dict[str, int] | str | None = "auto",
    geometry: str = "auto",
    iline: int | tuple[int, int] | None = None,
    xline: int | tuple[int, int] | None = None,
    offset: int | tuple[int, int] | None = None,
    cdp: int | tuple[int, int] | None = None,
    shot: int | tuple[int, int] | None = None,
    channel: int | tuple[int, int] | None = None,
    profile: str | None = None,
    dt: int | None = None,
    min_fill: float = 0.5,
) -> xr.DataArray:
    """Open a SEG-Y file as a lazy, dask-backed DataArray.

    Building the array reads only the headers; each dask chunk reads only its own
    traces when computed. The geometry comes from trace header keys: a 3-D cube
    (``iline, xline, time``), pre-stack gathers (``shot, offset, time`` or
    ``shot, channel, time``), a 2-D line (``cdp, time``), or a masked grid where
    positions are missing. When no grid fits the header keys, the file is refused
    (naming the byte locations a header scan suggests) unless ``geometry="traces"``
    asks for the traces in file order (``trace, time``, header words as coordinates).

    Parameters
    ----------
    path : str or os.PathLike
        The SEG-Y file (big- or little-endian, formats 1, 2, 3, 5, 6, 8, 10, 11, 16).
    chunks : "auto", int or dict, optional
        Dask chunks over the trace dims: ``"auto"`` gives ~32 MB chunks along the
        slowest dims (file order); a positive int is a chunk along the first dim; a
        dict maps dim names to chunk sizes (``time`` included; -1 for a whole dim).
    geometry : {"auto", "3d", "2d", "prestack", "traces"}, optional
        Which geometry to build; ``"traces"`` keeps the traces in file order.
    iline, xline, offset, cdp, shot, channel : int or (int, int), optional
        Byte location (1-based; 4-byte integer) or ``(byte, size)`` of each header key.
        Defaults: 189, 193, 37, 21, 9, 13 (or those of `profile`).
    profile : str, optional
        A named byte-location profile from ``PROFILES`` (e.g. ``"bytes_221"``).
    dt : int, optional
        Sample interval in microseconds, overriding the headers.
    min_fill : float, optional
        Smallest fraction of grid positions holding a trace for a masked grid.

    Returns
    -------
    xarray.DataArray
        Samples named ``amplitude`` with dims ``(*trace_dims, "time")``; coordinates
        from headers (scalars applied, units from the measurement system),
        ``trace_index`` (file trace per position, -1 if absent), ``trace_mask``
        (lazy: False where absent or all-zero), ``time`` in ms, and ``trace_filled``
        when the file records which traces a model filled
        (``to_segy(..., mark_filled=True)``).

    Raises
    ------
    SegyFormatError
        If the file is not SEG-Y, truncated, its size contradicts its headers, it is
        not a regular file (a directory, FIFO or device), or no geometry fits its
        header keys (and ``geometry="traces"`` was not given).
    ConfigError
        If `path` is a URL (SEG-Y must be local), or a byte location, profile,
        geometry or chunk spec is invalid.

    Examples
    --------
    >>> da = open_segy("survey.sgy", iline=221, xline=225)  # doctest: +SKIP
    >>> da.dims  # doctest: +SKIP
    ('iline', 'xline', 'time')
    """
    keys: dict[str, Any] = {"iline": iline, "xline": xline, "offset": offset, "cdp": cdp}
    keys.update(shot=shot, channel=channel)
    index = index_segy(path, geometry=geometry, profile=profile, dt=dt, min_fill=min_fill, **keys)
    return from_index(index, chunks)


def from_index(index: SegyIndex, chunks: Any = "auto") -> xr.DataArray:
    """Build the lazy DataArray of an indexed file (see :func:`open_segy`)."""
    import xarray as xr

    layout, geom = index.layout, index.geometry
    trace_bytes = layout.n_samples * np.dtype(layout.fmt.value_dtype).itemsize
    spec = _chunks(chunks, geom.dims, geom.shape, trace_bytes)
    time_chunks = chunks["time"] if isinstance(chunks, dict) and "time" in chunks else None
    data, live = lazy_samples(layout, geom.trace_index, spec, time_chunks)
    coords = _coords(index)
    if index.filled is not None:
        filled_grid = _grid(index.filled, index.geometry.trace_index)
        coords[TRACE_FILLED] = (index.geometry.dims, filled_grid)
        live = live & ~filled_grid  # a filled trace is not an observed one (as in Zarr)
    coords[TRACE_MASK] = (index.geometry.dims, live)
    dims = (*index.geometry.dims, "time")
    return xr.DataArray(data, dims=dims, coords=coords, name="amplitude", attrs=_attrs(index))
