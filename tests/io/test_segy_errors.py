from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from promethium.errors import ConfigError, InvalidDataError, SegyFormatError
from promethium.io.segy import open_segy, scan_headers, segy_info, to_segy
from promethium.io.segy.layout import looks_like_segy


def test_truncated_file(cube_file, tmp_path):
    cut = tmp_path / "cut.sgy"
    cut.write_bytes(cube_file.read_bytes()[:-7])
    with pytest.raises(SegyFormatError, match=r"cut\.sgy: header/size mismatch.*bytes left over"):
        open_segy(cut)


def test_file_shorter_than_headers(tmp_path):
    short = tmp_path / "short.sgy"
    short.write_bytes(b"\x40" * 1000)
    with pytest.raises(SegyFormatError, match=r"short\.sgy: the file is 1000 bytes"):
        open_segy(short)


def test_headers_without_traces(cube_file, tmp_path):
    empty = tmp_path / "empty.sgy"
    empty.write_bytes(cube_file.read_bytes()[:3600])  # textual + binary header only
    with pytest.raises(SegyFormatError, match=r"empty\.sgy: the file has headers but no traces"):
        open_segy(empty)


def test_text_file(tmp_path):
    text = tmp_path / "notes.sgy"
    text.write_text("this is not seismic data\n" * 400)
    with pytest.raises(SegyFormatError, match=r"notes\.sgy: not a readable SEG-Y file"):
        open_segy(text)


def test_png_file(tmp_path):
    png = tmp_path / "image.sgy"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(np.random.default_rng(1).integers(0, 256, 5000)))
    with pytest.raises(SegyFormatError, match=r"image\.sgy"):
        open_segy(png)


def test_missing_file(tmp_path):
    with pytest.raises(SegyFormatError, match="cannot read the file"):
        open_segy(tmp_path / "absent.sgy")


def test_like_mismatches_are_refused(cube_file, tmp_path):
    da = open_segy(cube_file)
    out = tmp_path / "out.sgy"
    with pytest.raises(InvalidDataError, match="has 10 samples per trace but"):
        to_segy(da.isel(time=slice(0, 10)), out, like=cube_file)
    with pytest.raises(InvalidDataError, match=r"holds 5 file trace\(s\) .* more than once"):
        to_segy(da.isel(iline=[0, 1, 1]), out, like=cube_file)
    slower = da.assign_coords(time=da.time * 2)
    with pytest.raises(InvalidDataError, match="sample interval of 8000 us but"):
        to_segy(slower, out, like=cube_file)
    assert not out.exists()


def test_failed_write_leaves_nothing(cube_file, tmp_path):
    da = open_segy(cube_file, chunks=1)
    bad = da.where(da.iline < 13)  # NaN in the last chunk, after others were written
    out = tmp_path / "out.sgy"
    with pytest.raises(InvalidDataError, match="NaN or infinite samples"):
        to_segy(bad, out, like=cube_file)
    assert sorted(os.listdir(tmp_path)) == ["cube.sgy"]


def test_failed_write_keeps_existing_output(cube_file, tmp_path):
    out = tmp_path / "out.sgy"
    out.write_bytes(b"previous")
    da = open_segy(cube_file)
    with pytest.raises(InvalidDataError):
        to_segy(da.where(da.iline < 13), out, like=cube_file, mode="w")
    assert out.read_bytes() == b"previous"


def test_like_is_not_modified(cube_file, tmp_path):
    before = cube_file.read_bytes()
    da = open_segy(cube_file)
    to_segy(da * 3, tmp_path / "x.sgy", like=cube_file, text_record="scaled by 3")
    assert cube_file.read_bytes() == before
    head = (tmp_path / "x.sgy").read_bytes()[:3200].decode("cp037")
    assert head[3120:].startswith("C40 scaled by 3")


def test_non_integer_dt_refused(cube_file, tmp_path):
    da = open_segy(cube_file).compute()
    da = da.assign_coords(time=("time", np.arange(30) * 2.0005, {"units": "ms"}))
    with pytest.raises(InvalidDataError, match="not a whole number of microseconds"):
        to_segy(da, tmp_path / "x.sgy")


@pytest.fixture
def alarm():
    """Fail (instead of hanging forever) if the body blocks for more than 5 s."""

    def fail(signum, frame):
        raise TimeoutError("blocked: the path was opened before it was checked")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(5)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("reader", [open_segy, segy_info, scan_headers])
def test_fifo_is_refused_without_blocking(tmp_path, alarm, reader):
    fifo = tmp_path / "pipe.sgy"
    os.mkfifo(fifo)
    with pytest.raises(
        SegyFormatError, match=r"pipe\.sgy: is a FIFO \(named pipe\), not a regular"
    ):
        reader(fifo)
    assert not looks_like_segy(fifo)


@pytest.mark.parametrize("reader", [open_segy, segy_info, scan_headers])
def test_directory_and_device_are_refused(tmp_path, alarm, reader):
    with pytest.raises(SegyFormatError, match="is a directory, not a regular file"):
        reader(tmp_path)
    if os.path.exists("/dev/zero"):
        with pytest.raises(SegyFormatError, match=r"/dev/zero: is a character device"):
            reader("/dev/zero")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["memory://cube.sgy", "s3://bucket/cube.sgy", "file:///x.sgy"])
def test_urls_are_refused(tmp_path, monkeypatch, url):
    monkeypatch.chdir(tmp_path)
    for reader in (open_segy, segy_info, scan_headers):
        with pytest.raises(ConfigError, match=r"SEG-Y files must be local paths.*Zarr"):
            reader(url)
    assert list(tmp_path.iterdir()) == []  # no local folder named "memory:" or "s3:"


@pytest.mark.parametrize(
    "chunks", [0, -2, True, 2.5, "big", {"iline": 0}, {"xline": -3}, {"time": 0}, (2, 2)]
)
def test_bad_chunks_are_refused(cube_file, chunks):
    with pytest.raises(ConfigError, match="chunks"):
        open_segy(cube_file, chunks=chunks)


def test_whole_dim_and_oversized_chunks(cube_file):
    da = open_segy(cube_file, chunks={"iline": -1, "xline": 10**12, "time": -1})
    assert da.chunks == ((4,), (5,), (30,))
    assert open_segy(cube_file, chunks=10**15).chunks[0] == (4,)
