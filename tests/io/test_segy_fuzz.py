"""Mutated SEG-Y files: every reader raises only PromethiumError, never hangs or writes.

Valid small files (IBM and IEEE, both byte orders, a cube and a 2-D line) are mutated
(truncations, binary and trace header words, byte-order words, garbage textual headers,
random byte flips, trailing bytes), then read with ``open_segy(...).values``,
``segy_info`` and ``scan_headers``. Each read may succeed or raise a
:class:`~promethium.errors.PromethiumError`; any other exception, a read that blocks for
more than 20 s, a file written beside the input or a changed input fails the test.
The ``thorough`` hypothesis profile (``HYPOTHESIS_PROFILE=thorough``) runs many more.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promethium.errors import PromethiumError
from promethium.io.segy import open_segy, scan_headers, segy_info

#: Binary header words (1-based byte, size) that the readers interpret.
BINARY_WORDS = [
    (3217, 2),  # sample interval
    (3221, 2),  # samples per trace
    (3225, 2),  # sample format code
    (3255, 2),  # measurement system
    (3269, 4),  # extended samples per trace
    (3297, 4),  # byte-order constant
    (3501, 1),  # revision
    (3505, 2),  # extended textual headers
]
#: Trace header words of the first traces that the readers interpret.
TRACE_WORDS = [
    (9, 4), (13, 4), (21, 4), (37, 4), (71, 2), (109, 2), (115, 2), (117, 2), (181, 4),
    (189, 4), (193, 4),
]  # fmt: skip
INTERESTING = [0, 1, -1, 2, 3, 5, 8, 16, 255, 256, 32767, -32768, 65535, 2**31 - 1, -(2**31)]


@pytest.fixture
def originals(make_segy, cube_headers) -> dict[str, bytes]:
    """Valid small files: IBM and IEEE cubes in both byte orders, and a 2-D line."""
    rng = np.random.default_rng(0)
    files = {}
    headers = cube_headers(np.arange(3), np.arange(4))
    for fmt in (1, 5):
        for endian in ("big", "little"):
            data = rng.standard_normal((12, 8)).astype(np.float32)
            path = make_segy(f"c{fmt}{endian}.sgy", headers, data, fmt=fmt, endian=endian)
            files[path.stem] = path.read_bytes()
    path = make_segy("line.sgy", {21: np.arange(5) + 1}, rng.standard_normal((5, 6)), fmt=5)
    files["line"] = path.read_bytes()
    return files


@st.composite
def mutations(draw: st.DrawFn, size: int) -> list[tuple]:
    """A list of edits: ("cut", at), ("word", byte, size, value), ("flip", at, xor), ..."""
    ns_positions = [3600 + 240 * 0 + b for b, _ in TRACE_WORDS]
    kinds = st.one_of(
        st.tuples(st.just("cut"), st.integers(0, size)),
        st.tuples(
            st.just("word"),
            st.sampled_from(BINARY_WORDS).map(lambda w: w[0]) | st.sampled_from(ns_positions),
            st.sampled_from([1, 2, 4]),
            st.sampled_from(INTERESTING) | st.integers(-(2**31), 2**31 - 1),
        ),
        st.tuples(st.just("flip"), st.integers(0, size - 1), st.integers(1, 255)),
        st.tuples(st.just("text"), st.binary(min_size=1, max_size=3200)),
        st.tuples(st.just("append"), st.binary(min_size=1, max_size=700)),
        st.tuples(
            st.just("trace"),
            st.integers(0, 11),
            st.sampled_from(TRACE_WORDS),
            st.sampled_from(INTERESTING),
        ),
    )
    return draw(st.lists(kinds, min_size=1, max_size=4))


def _apply(raw: bytes, edits: list[tuple], trace_len: int) -> bytes:
    out = bytearray(raw)
    for edit in edits:
        kind = edit[0]
        if kind == "cut":
            del out[edit[1] :]
        elif kind in ("word", "trace"):
            if kind == "word":
                _, byte, size, value = edit
                at = byte - 1
            else:
                _, trace, (byte, size), value = edit
                at = 3600 + trace * trace_len + byte - 1
            order = "big" if len(out) < 3600 or out[3296:3300] != b"\x04\x03\x02\x01" else "little"
            encoded = (value % 2 ** (8 * size)).to_bytes(size, order)
            if at + size <= len(out):
                out[at : at + size] = encoded
        elif kind == "flip":
            if edit[1] < len(out):
                out[edit[1]] ^= edit[2]
        elif kind == "text":
            out[: len(edit[1])] = edit[1]
        elif kind == "append":
            out += edit[1]
    return bytes(out)


@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    def fail(signum, frame):
        raise TimeoutError(f"a SEG-Y read blocked for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _read_all(path: Path) -> None:
    for read in (
        lambda: open_segy(path).values,
        lambda: open_segy(path, geometry="traces", chunks=5).values,
        lambda: segy_info(path),
        lambda: scan_headers(path),
    ):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                read()
        except PromethiumError:
            pass


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.data())
def test_mutated_files_raise_only_promethium_errors(originals, data):
    name = data.draw(st.sampled_from(sorted(originals)), label="file")
    raw = originals[name]
    ns = 6 if name == "line" else 8
    edits = data.draw(mutations(len(raw)), label="edits")
    mutated = _apply(raw, edits, 240 + 4 * ns)
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        path = folder / "mutated.sgy"
        path.write_bytes(mutated)
        digest = hashlib.sha256(mutated).hexdigest()
        with _deadline(20):
            _read_all(path)
        assert sorted(os.listdir(folder)) == ["mutated.sgy"]  # nothing written beside it
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest  # input unchanged
    finally:
        shutil.rmtree(folder)


def test_unmutated_originals_read(originals, tmp_path):
    for name, raw in originals.items():
        path = tmp_path / f"{name}.sgy"
        path.write_bytes(raw)
        assert open_segy(path).values.size > 0
