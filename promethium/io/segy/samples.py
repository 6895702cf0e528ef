"""SEG-Y sample formats: decode raw trace samples to numbers and encode them back.

IBM System/360 floats (format 1) are converted with vectorized NumPy bit arithmetic,
bit for bit as segyio converts them (including zeros, tiny and out-of-range values, see
:func:`ibm_to_ieee`). Every normalized IBM value inside the float32 range converts to
float32 exactly, and :func:`ieee_to_ibm` maps it back to the same 32 bits, so an
unmodified IBM file round-trips bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from promethium.errors import InvalidDataError, SegyFormatError

__all__ = ["FORMATS", "Decoder", "SampleFormat", "encode", "ibm_to_ieee", "ieee_to_ibm"]

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


#: Words converted at a time: the temporaries of one block stay in the CPU cache.
IBM_BLOCK = 32768
_U = np.uint32
#: Normalized IBM words with an exponent in 39..96 convert exactly by a float product.
_FAST_MIN, _FAST_MAX = 0x27100000, 0x60FFFFFF
#: ``(127 - 280) << 23`` modulo 2**32: turns ``4 * exponent << 23`` into the float32
#: bits of ``2 ** (4 * exponent - 280)``.
_SCALE_BIAS = _U((-153 << 23) % 2**32)
#: segyio's conversion (``ibm_native`` in segyio's segy.c): normalization shift and
#: exponent offset by the top three mantissa bits; clamps above and below.
_SHIFT = np.array([3, 2, 1, 1, 0, 0, 0, 0], dtype=np.uint32)
_IEEEMAX, _IEMAXIB, _IEMINIB = _U(0x7FFFFFFF), _U(0x611FFFFF), _U(0x21200000)


def ibm_to_ieee(words: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Convert IBM floats, given as native uint32 bit patterns, to float32 like segyio.

    The result is bit-identical to segyio's conversion: normalized values inside the
    float32 range convert exactly; words whose magnitude is below ``0x21200000``
    (zeros of either sign, and values under about 5.9e-39) give ``+0.0``; magnitudes
    above ``0x611FFFFF`` (beyond float32) give NaN with their sign; unnormalized
    mantissas are converted as segyio does.

    Parameters
    ----------
    words : numpy.ndarray
        uint32 array of IBM float bit patterns (already in native byte order).
    out : numpy.ndarray, optional
        C-contiguous float32 array of the same shape to write into.

    Returns
    -------
    numpy.ndarray
        float32 values (`out` when given).

    Notes
    -----
    The work is done in blocks of :data:`IBM_BLOCK` words, whose temporaries stay in
    the CPU cache; NumPy releases the GIL inside each operation, so dask threads
    convert blocks in parallel. A block whose words are all zero or normalized with
    an exponent in 39..96 (magnitudes from about 7.9e-31 to 3.4e38, the values of
    practically every seismic trace) is converted as the exact product
    ``mantissa * 2 ** (4 * exponent - 280)`` in float32 (in ten array operations when
    no word is zero); any other block by segyio's integer algorithm.

    Examples
    --------
    >>> ibm_to_ieee(np.array([0x42640000, 0xC1100000], dtype=np.uint32)).tolist()
    [100.0, -1.0]
    """
    words = np.ascontiguousarray(words, dtype=np.uint32)
    if out is None:
        out = np.empty(words.shape, dtype=np.float32)
    scratch = [np.empty(min(IBM_BLOCK, words.size), np.uint32) for _ in range(3)]
    _ibm_blocks(words.reshape(-1), out.reshape(-1), *scratch)
    return out


def _ibm_blocks(
    words: np.ndarray, out: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray
) -> None:
    """Convert flat `words` into flat `out` block by block; `a`, `b`, `c` are scratch.

    `out` may share memory with `words` (in-place conversion). Scratch smaller than a
    block of `words` is replaced by larger scratch.
    """
    if a.size < min(IBM_BLOCK, words.size):
        a, b, c = (np.empty(min(IBM_BLOCK, words.size), np.uint32) for _ in range(3))
    for lo in range(0, words.size, IBM_BLOCK):
        hi = min(lo + IBM_BLOCK, words.size)
        n = hi - lo
        _ibm_block(words[lo:hi], out[lo:hi], a[:n], b[:n], c[:n])


def _ibm_block(u: np.ndarray, out: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
    """Convert one block `u` into `out` (float32, may alias `u`); `a`-`c` uint32 scratch."""
    np.bitwise_and(u, _U(0x00FFFFFF), out=b)  # mantissas
    if np.minimum.reduce(b) >= _U(0x00100000):  # every word normalized (so none is zero)
        np.bitwise_and(u, _U(0x7F000000), out=a)  # exponents, << 24
        low, high = np.minimum.reduce(a), np.maximum.reduce(a)
        if low >= _U(_FAST_MIN & 0x7F000000) and high <= _U(_FAST_MAX & 0x7F000000):
            _ibm_product(u, out, a, b, c)
            return
    np.bitwise_and(u, _U(0x7FFFFFFF), out=a)  # magnitude bits
    if a.max() <= _FAST_MAX:
        np.subtract(a, _U(1), out=b)  # zeros wrap to the largest value
        if b.min() >= _FAST_MIN - 1:
            np.bitwise_and(a, _U(0x00F00000), out=b)  # first hex digit of the mantissa
            if np.count_nonzero(b) == np.count_nonzero(a):  # every non-zero normalized
                _ibm_fast(u, out, a, b)
                return
    np.copyto(c, u)  # `out` may alias `u`, which the integer algorithm reads throughout
    _ibm_segyio(c, out.view(np.uint32), a, b)


def _ibm_product(
    u: np.ndarray, out: np.ndarray, exponents: np.ndarray, mantissas: np.ndarray, c: np.ndarray
) -> None:
    """:func:`_ibm_fast` for a block of normalized, non-zero words: fewer passes.

    The scale's bits are ``(u & 0xFF000000) + (u & 0x7F000000) + bias`` modulo 2**32:
    the sign stays in bit 31 and the exponent field becomes ``4 * exponent - 153``
    (3..231 for exponents in 39..96, so it never carries into the sign). Everything is
    taken from `u` before `out` (which may alias it) is written.
    """
    np.subtract(u, mantissas, out=c)  # sign and exponent: u & 0xFF000000
    np.add(c, exponents, out=c)
    np.add(c, _SCALE_BIAS, out=c)
    np.copyto(out, mantissas.view(np.int32), casting="unsafe")  # < 2**24: exact
    np.multiply(out, c.view(np.float32), out=out)


def _ibm_fast(u: np.ndarray, out: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """``mantissa * 2 ** (4 * exponent - 280)``: exact for the words `_ibm_block` sends.

    Everything is taken from `u` before `out` (which may alias it) is written.
    """
    np.bitwise_and(u, _U(0x7F000000), out=a)
    np.left_shift(a, _U(1), out=a)  # 4 * exponent, in the float32 exponent field
    np.add(a, _SCALE_BIAS, out=a)
    np.bitwise_and(u, _U(0x80000000), out=b)
    np.bitwise_or(a, b, out=a)  # the scale, with the sign of the word
    np.bitwise_and(u, _U(0x00FFFFFF), out=b)
    np.copyto(out, b, casting="unsafe")  # mantissas < 2**24 are exact in float32
    np.multiply(out, a.view(np.float32), out=out)
    np.add(out, np.float32(0.0), out=out)  # zeros: -0.0 -> +0.0, as segyio


def _ibm_segyio(u: np.ndarray, out: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """Convert as segyio does, with integer arithmetic (`out` is a uint32 view)."""
    np.right_shift(u, _U(21), out=a)
    np.bitwise_and(a, _U(7), out=a)
    shift = _SHIFT.take(a)
    np.bitwise_and(u, _U(0x00FFFFFF), out=b)
    np.left_shift(b, shift, out=b)  # normalized mantissa
    np.left_shift(shift, _U(22), out=shift)
    np.add(shift, _U(0x20C00000), out=shift)
    np.bitwise_and(u, _U(0x7F000000), out=out)
    np.subtract(out, shift, out=out)
    np.left_shift(out, _U(1), out=out)
    np.add(out, b, out=out)
    np.bitwise_and(u, _U(0x7FFFFFFF), out=a)
    np.copyto(out, _IEEEMAX, where=a > _IEMAXIB)
    np.bitwise_and(u, _U(0x80000000), out=b)
    np.bitwise_or(out, b, out=out)
    np.copyto(out, _U(0), where=a < _IEMINIB)


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


class Decoder:
    """Decode file samples into numbers as segyio does, reusing scratch memory.

    Parameters
    ----------
    fmt : SampleFormat
        The sample format.
    size : int
        The most samples one call decodes.

    Examples
    --------
    >>> raw = np.array([[0x42640000, 0xC1100000]], dtype=">u4")
    >>> out = np.empty((1, 2), dtype=np.float32)
    >>> Decoder(FORMATS[1], 2)(raw, out)
    >>> out.tolist()
    [[100.0, -1.0]]
    """

    def __init__(self, fmt: SampleFormat, size: int) -> None:
        self.fmt = fmt
        if fmt.is_ibm:  # allocated once: fresh memory would page-fault on every call
            self._words = np.empty(size, dtype=np.uint32)
            self._scratch = [np.empty(min(IBM_BLOCK, size), np.uint32) for _ in range(3)]

    def __call__(self, raw: np.ndarray, out: np.ndarray) -> None:
        """Decode `raw` (file dtype and byte order, may be strided) into C-contiguous `out`.

        `out` has the shape of `raw` and dtype ``fmt.value_dtype``. One pass reads `raw`
        (byte swap and cast at once); IBM words go through a native-order scratch copy
        to the conversion.
        """
        if not self.fmt.is_ibm:
            out[...] = raw
            return
        words = self._words[: raw.size].reshape(raw.shape)
        np.copyto(words, raw)  # one pass: native byte order, contiguous
        _ibm_blocks(words.reshape(-1), out.reshape(-1), *self._scratch)


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
