"""SEG-Y sample formats: decode raw trace samples to numbers and encode them back.

IBM System/360 floats (format 1) are converted with vectorized numpy bit arithmetic.
Every normalized IBM value inside the float32 range converts to float32 exactly, and
:func:`ieee_to_ibm` maps it back to the same 32 bits, so an unmodified IBM file
round-trips bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from promethium.errors import InvalidDataError, SegyFormatError

__all__ = ["FORMATS", "SampleFormat", "decode", "encode", "ibm_to_ieee", "ieee_to_ibm"]

#: A numpy byte-order character: big-endian (``">"``) or little-endian (``"<"``).
ByteOrder = Literal[">", "<"]


@dataclass(frozen=True)
class SampleFormat:
    """One SEG-Y data sample format code (binary header bytes 3225-3226).

    Attributes
    ----------
    code : int
        The format code.
    name : str
        Human-readable name.
    file_dtype : str
        numpy dtype of one sample in the file, without byte order (``"u4"`` for IBM).
    value_dtype : str
        dtype of the decoded values: one that holds every file value exactly.
    """

    code: int
    name: str
    file_dtype: str
    value_dtype: str

    @property
    def itemsize(self) -> int:
        """Bytes per sample."""
        return np.dtype(self.file_dtype).itemsize

    @property
    def is_ibm(self) -> bool:
        """Whether samples are IBM floats."""
        return self.code == 1


#: Supported sample formats, by format code.
FORMATS: dict[int, SampleFormat] = {
    f.code: f
    for f in (
        SampleFormat(1, "4-byte IBM float", "u4", "float32"),
        SampleFormat(2, "4-byte signed integer", "i4", "float64"),
        SampleFormat(3, "2-byte signed integer", "i2", "float32"),
        SampleFormat(5, "4-byte IEEE float", "f4", "float32"),
        SampleFormat(6, "8-byte IEEE float", "f8", "float64"),
        SampleFormat(8, "1-byte signed integer", "i1", "float32"),
        SampleFormat(10, "4-byte unsigned integer", "u4", "float64"),
        SampleFormat(11, "2-byte unsigned integer", "u2", "float32"),
        SampleFormat(16, "1-byte unsigned integer", "u1", "float32"),
    )
}


def get_format(code: int, *, source: str = "the file") -> SampleFormat:
    """Return the :class:`SampleFormat` of `code`, or raise :class:`SegyFormatError`."""
    try:
        return FORMATS[int(code)]
    except KeyError:
        known = ", ".join(f"{c} ({f.name})" for c, f in FORMATS.items())
        raise SegyFormatError(
            f"{source}: sample format code {code} is not supported; supported codes are {known}."
        ) from None


def ibm_to_ieee(words: np.ndarray) -> np.ndarray:
    """Convert IBM floats, given as native uint32 bit patterns, to float32.

    Parameters
    ----------
    words : numpy.ndarray
        uint32 array of IBM float bit patterns (already in native byte order).

    Returns
    -------
    numpy.ndarray
        float32 values; exact for normalized IBM values inside the float32 range.

    Examples
    --------
    >>> ibm_to_ieee(np.array([0x42640000, 0xC1100000], dtype=np.uint32)).tolist()
    [100.0, -1.0]
    """
    words = np.asarray(words, dtype=np.uint32)
    mantissa = (words & np.uint32(0x00FFFFFF)).astype(np.float64)
    exponent = ((words >> np.uint32(24)) & np.uint32(0x7F)).astype(np.int32)
    value = np.ldexp(mantissa, 4 * (exponent - 64) - 24)
    value = np.where(words >> np.uint32(31), -value, value)
    return value.astype(np.float32)


def ieee_to_ibm(values: np.ndarray) -> np.ndarray:
    """Convert floats to IBM float bit patterns (native uint32), rounding to nearest.

    Parameters
    ----------
    values : numpy.ndarray
        Finite floating-point values.

    Returns
    -------
    numpy.ndarray
        uint32 IBM bit patterns. Zero maps to 0 (``-0.0`` keeps its sign bit);
        magnitudes beyond the IBM range saturate to the largest IBM value.

    Examples
    --------
    >>> [hex(w) for w in ieee_to_ibm(np.array([100.0, -1.0], dtype=np.float32))]
    ['0x42640000', '0xc1100000']
    """
    x = np.asarray(values, dtype=np.float64)
    sign = np.signbit(x).astype(np.uint32) << np.uint32(31)
    mag = np.abs(x)
    frac, exp2 = np.frexp(mag)  # mag = frac * 2**exp2, frac in [0.5, 1)
    exp16 = (exp2 + 3) // 4  # mag = f * 16**exp16, f in [1/16, 1)
    mant = np.rint(np.ldexp(frac, exp2 - 4 * exp16 + 24)).astype(np.int64)
    carry = mant >= (1 << 24)
    mant = np.where(carry, mant >> 4, mant)
    exp16 = np.where(carry, exp16 + 1, exp16) + 64
    underflow = (exp16 < 0) | (mag == 0)
    overflow = exp16 > 127
    mant = np.where(underflow, 0, np.where(overflow, 0xFFFFFF, mant))
    exp16 = np.where(underflow, 0, np.where(overflow, 127, exp16))
    return sign | (exp16.astype(np.uint32) << np.uint32(24)) | mant.astype(np.uint32)


def decode(raw: np.ndarray, fmt: SampleFormat, out: np.ndarray) -> None:
    """Decode file samples into `out` (any numeric dtype), in one pass where possible.

    Parameters
    ----------
    raw : numpy.ndarray
        Samples as stored, typed with the file dtype and byte order (may be strided).
    fmt : SampleFormat
        The sample format.
    out : numpy.ndarray
        Destination of the same shape; written in place.
    """
    if fmt.is_ibm:
        out[...] = ibm_to_ieee(raw.astype(np.uint32))
    else:
        out[...] = raw


def file_dtype(fmt: SampleFormat, endian: str) -> np.dtype:
    """Return the numpy dtype of one sample as stored, with its byte order."""
    order: ByteOrder = ">" if endian == "big" else "<"
    return np.dtype(fmt.file_dtype).newbyteorder(order)


def encode(values: np.ndarray, fmt: SampleFormat, endian: str, *, what: str) -> np.ndarray:
    """Encode values as file samples: the file dtype with the file byte order.

    Parameters
    ----------
    values : numpy.ndarray
        The numbers to store.
    fmt : SampleFormat
        Target sample format.
    endian : {"big", "little"}
        Target byte order.
    what : str
        Name of the data, for error messages.

    Returns
    -------
    numpy.ndarray
        Array of dtype :func:`file_dtype`.

    Raises
    ------
    InvalidDataError
        If values are not finite, or do not fit an integer sample format.
    """
    values = np.asarray(values)
    dtype = file_dtype(fmt, endian)
    if np.issubdtype(values.dtype, np.floating) and not np.all(np.isfinite(values)):
        raise InvalidDataError(
            f"{what} contains NaN or infinite samples, which SEG-Y cannot store; fill "
            "them first, e.g. da.fillna(0)."
        )
    if fmt.is_ibm:
        return ieee_to_ibm(values).astype(dtype)
    if np.dtype(fmt.file_dtype).kind in "iu":
        info = np.iinfo(fmt.file_dtype)
        rounded = np.rint(values)
        if rounded.size and (rounded.min() < info.min or rounded.max() > info.max):
            raise InvalidDataError(
                f"{what} has samples from {rounded.min():g} to {rounded.max():g}, outside "
                f"the range of SEG-Y format {fmt.code} ({fmt.name}: {info.min} to "
                f"{info.max}); rescale the data or write a float format."
            )
        return rounded.astype(dtype)
    return values.astype(dtype)
