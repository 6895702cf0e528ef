"""IBM float decoding is bit-identical to segyio's, for every kind of word."""

from __future__ import annotations

import numpy as np
import pytest
import segyio
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from promethium.io.segy import open_segy
from promethium.io.segy.build import binary_header
from promethium.io.segy.samples import FORMATS, IBM_BLOCK, Decoder, ibm_to_ieee
from promethium.io.segy.text import text_header

#: Words that exercise every branch: zeros of both signs, the clamps, unnormalized and
#: zero mantissas with an exponent, tiny (segyio: 0) and huge (segyio: NaN) values.
SPECIAL = [
    0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x00FFFFFF, 0x211FFFFF, 0x21200000,
    0x21200001, 0x2210_0000, 0x27100000, 0x270FFFFF, 0x42000000, 0x42640000, 0xC1100000,
    0x41000001, 0x40100000, 0x600FFFFF, 0x60FFFFFF, 0x61000000, 0x611FFFFF, 0x61200000,
    0x7FFFFFFF, 0xFFFFFFFF, 0x3F800000, 0x00100000,
]  # fmt: skip


def _segyio_decode(tmp_path, words: np.ndarray, endian: str = "big", traces: int = 1):
    """Write `words` as `traces` IBM traces of raw bits and let segyio decode them."""
    rows = words.reshape(traces, -1)
    ns = rows.shape[1]
    order = ">" if endian == "big" else "<"
    header = np.zeros(120, dtype=f"{order}u2")
    header[57], header[58] = ns, 2000  # bytes 115 and 117
    path = tmp_path / f"words_{endian}.sgy"
    with open(path, "wb") as f:
        f.write(text_header(["IBM words"]))
        f.write(
            binary_header(dt_us=2000, n_samples=ns, format_code=1, endian=endian, measurement=1)
        )
        for row in rows:
            f.write(header.tobytes() + row.astype(f"{order}u4").tobytes())
    with segyio.open(str(path), ignore_geometry=True, endian=endian) as f:
        reference = f.trace.raw[:].ravel()
    return path, reference


def _bits(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float32).view(np.uint32)


def test_every_exponent_digit_and_sign_matches_segyio(tmp_path):
    top = np.arange(4096, dtype=np.uint32) << np.uint32(20)  # sign, exponent, first digit
    low = np.array([0, 1, 0x7FFFF, 0x80000, 0xFFFFF, 0x12345], dtype=np.uint32)
    words = np.concatenate([(top[:, None] | low).ravel(), np.array(SPECIAL, np.uint32)])
    path, reference = _segyio_decode(tmp_path, words)
    np.testing.assert_array_equal(_bits(ibm_to_ieee(words)), _bits(reference))
    np.testing.assert_array_equal(
        _bits(open_segy(path, geometry="traces").values[0]), _bits(reference)
    )


@given(
    words=arrays(np.uint32, st.integers(1, 3 * IBM_BLOCK // 2), elements=st.integers(0, 2**32 - 1)),
    seismic=st.booleans(),
)
def test_random_words_match_segyio(tmp_path_factory, words, seismic):
    if seismic:  # normalized values of seismic magnitude (the fast path) with some zeros
        words = (words & np.uint32(0x80FFFFFF)) | np.uint32(0x40100000)
        words[::7] = 0
    _, reference = _segyio_decode(tmp_path_factory.mktemp("w"), words, "little")
    np.testing.assert_array_equal(_bits(ibm_to_ieee(words)), _bits(reference))


@given(
    words=arrays(np.uint32, st.integers(1, 3 * IBM_BLOCK // 2), elements=st.integers(0, 2**32 - 1)),
    exponents=st.tuples(st.integers(0x25, 0x62), st.integers(0x25, 0x62)),
    odd=st.sampled_from([None, 0x00000000, 0x80000000, 0x410FFFFF, 0x40000001]),
)
def test_blocks_of_normalized_words_match_segyio(tmp_path_factory, words, exponents, odd):
    """No zero, every mantissa normalized: the shortest path, up to its exponent limits."""
    low, high = sorted(exponents)
    spread = (words >> np.uint32(24)) % np.uint32(high - low + 1) + np.uint32(low)
    words = (words & np.uint32(0x80FFFFFF)) | (spread << np.uint32(24)) | np.uint32(0x00100000)
    if odd is not None:
        words[words.size // 2] = odd  # a zero or an unnormalized word: another path
    _, reference = _segyio_decode(tmp_path_factory.mktemp("n"), words, "little")
    np.testing.assert_array_equal(_bits(ibm_to_ieee(words)), _bits(reference))


def test_fast_and_exact_blocks_mix_in_one_array(tmp_path):
    rng = np.random.default_rng(7)
    words = rng.integers(0, 2**24, 3 * IBM_BLOCK, dtype=np.uint32) | np.uint32(0x41100000)
    words[IBM_BLOCK + 5] = 0x7FFFFFFF  # one NaN word sends only the second block the slow way
    words[2 * IBM_BLOCK + 9] = 0x00000001
    _, reference = _segyio_decode(tmp_path, words, traces=3)
    out = np.empty(words.size, np.float32)
    assert ibm_to_ieee(words, out) is out
    np.testing.assert_array_equal(_bits(out), _bits(reference))


@pytest.mark.parametrize("endian", ["big", "little"])
def test_decoder_reads_strided_records_as_ibm_to_ieee(endian):
    rng = np.random.default_rng(3)
    ns, n = IBM_BLOCK // 3 + 5, 7  # blocks of the conversion straddle the traces
    words = rng.integers(0, 2**32, (n, ns), dtype=np.uint64).astype(np.uint32)
    words[2, :100] = 0x80000000  # negative zeros read as +0.0
    order = ">" if endian == "big" else "<"
    records = np.zeros(n, dtype=[("header", "V240"), ("data", f"{order}u4", (ns,))])
    records["data"] = words  # the buffer of whole trace records, as read from a file
    out = np.empty((n, ns), np.float32)
    Decoder(FORMATS[1], n * ns)(records["data"], out)
    np.testing.assert_array_equal(_bits(out), _bits(ibm_to_ieee(words)))
