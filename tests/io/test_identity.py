from __future__ import annotations

import os

import pytest

from promethium.errors import PromethiumError, SourceChangedError
from promethium.io.identity import FileIdentity


def test_unchanged_file_passes(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 10)
    identity = FileIdentity.of(path)
    assert identity.size == 10
    identity.check(path)
    with open(path, "rb") as f:
        identity.check(path, f.fileno())


def test_atomic_replace_is_detected(tmp_path):
    path, new = tmp_path / "a.bin", tmp_path / "b.bin"
    path.write_bytes(b"x" * 10)
    identity = FileIdentity.of(path)
    new.write_bytes(b"y" * 10)
    os.replace(new, path)
    with pytest.raises(SourceChangedError, match=r"a\.bin: the file changed.*replaced.*Reopen"):
        identity.check(path)


def test_in_place_changes_are_detected(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 10)
    identity = FileIdentity.of(path)
    with open(path, "r+b") as f:
        f.truncate(4)
    with pytest.raises(SourceChangedError, match="size went from 10 to 4 bytes"):
        identity.check(path)
    identity = FileIdentity.of(path)
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    with pytest.raises(SourceChangedError, match="modified in place"):
        identity.check(path)


def test_removed_file_is_a_promethium_error(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"x")
    identity = FileIdentity.of(path)
    path.unlink()
    with pytest.raises(PromethiumError, match=r"a\.bin: the file was removed"):
        identity.check(path)


def test_descriptor_pins_the_file_read(tmp_path):
    path, new = tmp_path / "a.bin", tmp_path / "b.bin"
    path.write_bytes(b"x" * 10)
    identity = FileIdentity.of(path)
    with open(path, "rb") as f:
        new.write_bytes(b"y" * 10)
        os.replace(new, path)
        identity.check(path, f.fileno())  # the descriptor still reads the pinned file
    with pytest.raises(SourceChangedError):
        identity.check(path)
