"""Reads of a file truncated while it is read: an error, never a crash (no SIGBUS).

The readers run in a subprocess, so a signal (a memory-mapped read past the new end of
the file ends the process with SIGBUS, which Python cannot catch) shows up as its exit
status instead of killing the test run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import promethium.io.segy.headers as headers_module
import promethium.io.segy.spans as spans_module
from promethium.io.segy.headers import read_headers_at, read_trace_headers, read_words
from promethium.io.segy.layout import read_layout
from promethium.io.segy.spans import runs

ROOT = Path(__file__).resolve().parents[2]

#: Truncates a copy of the file at each chosen point right after the first window of
#: headers (or the first positioned read) of a reader, then lets it go on.
_DURING_HEADERS = """
import json, os, shutil, sys
import promethium.io.segy.headers as headers
import promethium.io.segy.spans as spans
from promethium.errors import PromethiumError
from promethium.io.segy import open_segy
from promethium.io.segy.scan import header_words

source, path, cuts = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
headers.HEADER_WINDOW = 5000  # a few traces per window: many windows
size = None
def truncating(original):
    def call(*args, **kwargs):
        result = original(*args, **kwargs)  # a window (or a header) was read
        if size is not None and os.path.getsize(path) > size:
            os.truncate(path, size)
        return result
    return call
headers.header_word = truncating(headers.header_word)  # between header windows
spans.read_exact = truncating(spans.read_exact)  # between positioned reads
outcomes = []
for reader in ("open_segy", "header_words"):
    for cut in cuts:
        shutil.copyfile(source, path)
        size = cut
        try:
            if reader == "open_segy":
                open_segy(path).values
            else:
                header_words(path, ["iline", "xline"], range(0, 1500, 7))
            outcomes.append("no error")
        except PromethiumError as err:
            outcomes.append(f"{type(err).__name__}: {err}")
        size = None
print(json.dumps(outcomes))
"""

#: Truncates the file from another thread at random moments while open_segy reads it.
_CONCURRENT = """
import json, os, random, shutil, sys, threading, time
import promethium.io.segy.headers as headers
from promethium.errors import PromethiumError
from promethium.io.segy import open_segy

source, path, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
headers.HEADER_WINDOW = 20000
rng = random.Random(seed)
size = os.path.getsize(source)
outcomes = {}
for _ in range(12):
    shutil.copyfile(source, path)
    cut = rng.randrange(0, size)
    delay = rng.uniform(0, 0.03)
    def truncate():
        time.sleep(delay)
        os.truncate(path, cut)
    thread = threading.Thread(target=truncate)
    thread.start()
    try:
        open_segy(path, chunks={"iline": 3}).values
        outcome = "read"
    except PromethiumError as err:
        outcome = type(err).__name__
    thread.join()
    outcomes[outcome] = outcomes.get(outcome, 0) + 1
print(json.dumps(outcomes))
"""


@pytest.fixture
def big_cube(make_segy, cube_headers, rng) -> Path:
    """A 30 x 50 cube of 200 IBM samples (about 1.6 MB): many header windows."""
    headers = cube_headers(np.arange(30), np.arange(50))
    n = headers[189].size
    return make_segy("big.sgy", headers, rng.standard_normal((n, 200)).astype(np.float32), fmt=1)


def _run(script: str, *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_a_file_truncated_while_its_headers_are_read_is_an_error(big_cube, tmp_path):
    size = big_cube.stat().st_size
    cuts = [3600 + int(f * (size - 3600)) for f in (0.0, 0.001, 0.3, 0.97)]
    done = _run(_DURING_HEADERS, big_cube, tmp_path / "victim.sgy", json.dumps(cuts))
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    outcomes = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(outcomes) == 2 * len(cuts)
    for outcome in outcomes:
        assert outcome.startswith(("SourceChangedError", "SegyFormatError")), outcome
        assert "victim.sgy: " in outcome
        assert "changed while it was being read" in outcome or "ends earlier" in outcome


def test_truncations_at_random_moments_never_crash(big_cube, tmp_path):
    done = _run(_CONCURRENT, big_cube, tmp_path / "victim.sgy", 7)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    outcomes = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(outcomes) <= {"read", "SourceChangedError", "SegyFormatError"}, outcomes
    assert sum(outcomes.values()) == 12


def test_headers_of_any_traces_are_those_of_the_whole_file(big_cube):
    layout = read_layout(big_cube)
    every = read_trace_headers(layout)
    index = np.array([5, 6, 7, 0, 1499, 1498, 3, 3, 700])
    np.testing.assert_array_equal(read_headers_at(layout, index), every[index])
    assert read_headers_at(layout, np.array([], dtype=np.int64)).shape == (0, 240)


def test_runs_split_rows_into_consecutive_traces():
    assert runs(np.array([4, 5, 6, -1, 9, 8, 9])) == [(0, 4, 3), (4, 9, 1), (5, 8, 2)]
    assert runs(np.array([-1, -1])) == []


@pytest.mark.parametrize("window", [1, 7, 10**6])
def test_long_traces_read_each_header_by_itself(big_cube, window):
    """Above SPAN_TRACE_BYTES headers are read one by one: the same bytes."""
    layout = read_layout(big_cube)
    every = read_trace_headers(layout)
    words = read_words(layout, [(189, 4), (193, 4), (115, 2)])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(spans_module, "SPAN_TRACE_BYTES", 0)
        patch.setattr(headers_module, "HEADER_WINDOW", window * 240)
        np.testing.assert_array_equal(read_trace_headers(layout), every)
        index = np.array([9, 3, 4, 5, 1499])
        np.testing.assert_array_equal(read_headers_at(layout, index), every[index])
        again = read_words(layout, [(189, 4), (193, 4), (115, 2)])
    for word, values in words.items():
        np.testing.assert_array_equal(again[word], values)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_threads_of_the_header_pass_fill_their_own_windows(big_cube, threads):
    layout = read_layout(big_cube)
    serial = read_trace_headers(layout)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(headers_module, "HEADER_WINDOW", 7 * layout.trace_len)
        patch.setattr(headers_module, "HEADER_THREADS", threads)
        np.testing.assert_array_equal(read_trace_headers(layout), serial)
        np.testing.assert_array_equal(read_trace_headers(layout, stop=22), serial[:22])
