"""Build SEG-Y headers from a DataArray's coordinates (for writing without ``like``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core.units import parse_unit
from promethium.errors import InvalidDataError
from promethium.io.segy.headers import (
    DEFAULT_KEYS,
    TRACE_FIELDS,
    XY_FIELDS,
    check_range,
    parse_word,
    put_word,
)
from promethium.io.segy.layout import (
    BINARY_SIZE,
    REV2_ENDIAN_CONSTANT,
    TEXT_SIZE,
    TRACE_HEADER_SIZE,
)
from promethium.io.segy.samples import ByteOrder

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "HeaderBuilder",
    "binary_header",
    "grid_values",
    "key_words",
]

_ELEVATION = ("group_elevation", "source_elevation")


def binary_header(
    *, dt_us: int, n_samples: int, format_code: int, endian: str, measurement: int
) -> bytes:
    """Return a 400-byte binary header (rev 1; rev 2 with the endian constant if little)."""
    order: ByteOrder = ">" if endian == "big" else "<"
    buf = bytearray(BINARY_SIZE)

    def put(offset: int, dtype: str, value: int, name: str = "") -> None:
        if name:
            where = f"binary header byte {TEXT_SIZE + 1 + offset}"
            check_range(name, np.array([value]), dtype, where)
        raw = np.array([value], dtype=np.dtype(dtype).newbyteorder(order)).tobytes()
        buf[offset : offset + len(raw)] = raw

    put(16, "i2", dt_us, "sample interval (us)")
    put(18, "i2", dt_us, "sample interval (us)")
    put(20, "u2", n_samples, "samples per trace")
    put(22, "u2", n_samples, "samples per trace")
    put(24, "i2", format_code)
    put(54, "i2", measurement)
    if endian == "little":
        put(96, "i4", REV2_ENDIAN_CONSTANT)
        buf[300:302] = b"\x02\x00"
    else:
        buf[300:302] = b"\x01\x00"
    put(302, "i2", 1)  # fixed-length traces
    return bytes(buf)


def _length_code(coords: list[Any]) -> int:
    for coord in coords:
        unit = coord.attrs.get("units")
        if unit:
            text = str(parse_unit(unit, what=f"coordinate {coord.name!r}"))
            if text in ("meter", "foot"):
                return 1 if text == "meter" else 2
    return 0


def _scale(values: dict[str, np.ndarray], what: str) -> tuple[int, dict[str, np.ndarray]]:
    """Pick the SEG-Y scalar (1, -10, ..., -10000) that keeps every value integral."""
    if not values:
        return 1, {}
    stacked = np.concatenate([np.nan_to_num(v).ravel() for v in values.values()])
    for factor in (1, 10, 100, 1000, 10000):
        scaled = stacked * factor
        if np.all(np.abs(scaled - np.rint(scaled)) <= 1e-6 * np.maximum(1.0, np.abs(scaled))):
            break
    if np.abs(stacked * factor).max(initial=0) > np.iinfo(np.int32).max:
        raise InvalidDataError(
            f"{what} values up to {np.abs(stacked).max():g} do not fit a 4-byte SEG-Y header "
            f"word at scalar 1/{factor}; shift them (e.g. subtract an origin) first."
        )
    scalar = 1 if factor == 1 else -factor
    return scalar, {
        k: np.rint(np.nan_to_num(v) * factor).astype(np.int64) for k, v in values.items()
    }


def grid_values(da: xr.DataArray, name: str) -> np.ndarray | None:
    """Coordinate `name` broadcast over the trace dims of `da` (in their order).

    Returns None when `da` has no such coordinate or it spans the vertical dim.
    """
    dims = da.dims[:-1]
    if name not in da.coords or not set(da.coords[name].dims) <= set(dims):
        return None
    coord = da.coords[name].reset_coords(drop=True)
    values = coord.broadcast_like(da.isel({da.dims[-1]: 0}, drop=True)).transpose(*dims)
    return np.asarray(values.values)


def key_words(da: xr.DataArray) -> dict[str, tuple[int, int]]:
    """Byte locations of the keys: the standard ones, then those the data were read with.

    Parameters
    ----------
    da : xarray.DataArray
        Data whose ``attrs["segy_byte_locations"]`` (JSON, as :func:`open_segy` sets
        it) overrides the defaults.

    Returns
    -------
    dict of str to (int, int)
        ``name -> (byte, size)`` for iline, xline, offset, cdp, shot, channel, ...
    """
    words = {k: parse_word(v, k) for k, v in DEFAULT_KEYS.items()}
    recorded = da.attrs.get("segy_byte_locations")
    if isinstance(recorded, str):
        words.update({k: parse_word(tuple(v), k) for k, v in json.loads(recorded).items()})
    return words


def _integers(values: np.ndarray) -> np.ndarray:
    """Round to int64; non-finite values become 0, huge ones saturate (then rejected)."""
    limit = float(2**62)
    return np.rint(np.clip(np.nan_to_num(values), -limit, limit)).astype(np.int64)


class HeaderBuilder:
    """Trace headers for each grid position of `da`, from its coordinates.

    Parameters
    ----------
    da : xarray.DataArray
        The data to write, vertical dim last.
    dt_us : int
        Sample interval in microseconds.
    delay_ms : int
        Time of the first sample in whole milliseconds.
    endian : {"big", "little"}
        Byte order of the file.
    """

    def __init__(self, da: xr.DataArray, dt_us: int, delay_ms: int, endian: str) -> None:
        self.endian = endian
        self.shape = tuple(da.shape[:-1])
        n = int(np.prod(self.shape))
        words = key_words(da)
        sequence = np.arange(1, n + 1, dtype=np.int64)
        named: dict[str, tuple[tuple[int, int], np.ndarray]] = {
            name: (TRACE_FIELDS[name], values)
            for name, values in (
                ("trace_sequence_line", sequence),
                ("trace_sequence_file", sequence),
                ("trace_id", np.ones(n, dtype=np.int64)),
                ("n_samples", np.full(n, da.shape[-1], dtype=np.int64)),
                ("sample_interval", np.full(n, dt_us, dtype=np.int64)),
                ("delay", np.full(n, delay_ms, dtype=np.int64)),
            )
        }
        for name, word in words.items():
            values = grid_values(da, name)
            if values is not None and np.issubdtype(values.dtype, np.number):
                named[name] = (word, _integers(values.ravel()))
        groups = ((XY_FIELDS, "coordinate_scalar"), (_ELEVATION, "elevation_scalar"))
        for group, scalar_name in groups:
            found = {k: v.ravel() for k in group if (v := grid_values(da, k)) is not None}
            scalar, scaled = _scale(found, "/".join(found))
            named[scalar_name] = (TRACE_FIELDS[scalar_name], np.full(n, scalar, dtype=np.int64))
            named.update({k: (TRACE_FIELDS[k], v) for k, v in scaled.items()})
        # One entry per word (a key at a standard word replaces it); checked before any
        # file is created, so a value SEG-Y cannot hold fails early and names its field.
        self.fields = {word: (name, values) for name, (word, values) in named.items()}
        for (byte, size), (name, values) in self.fields.items():
            kind = f"{'u' if name == 'n_samples' else 'i'}{size}"
            check_range(name, values, kind, f"trace header bytes {byte}-{byte + size - 1}")
        self.measurement = _length_code(
            [da.coords[k] for k in (*XY_FIELDS, "offset") if k in da.coords]
        )

    def headers(self, positions: np.ndarray) -> np.ndarray:
        """Return ``(len(positions), 240)`` uint8 headers for flat grid positions."""
        out = np.zeros((positions.size, TRACE_HEADER_SIZE), dtype=np.uint8)
        for word, (name, values) in self.fields.items():
            put_word(out, word, values[positions], self.endian, name, unsigned=name == "n_samples")
        return out
