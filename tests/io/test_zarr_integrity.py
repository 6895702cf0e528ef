"""Damaged Zarr stores: a PromethiumError naming the chunk, never other numbers, nothing written."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.errors import InvalidDataError, PromethiumError, StoreError
from promethium.io.zarr import open_zarr, to_zarr


def _data() -> xr.DataArray:
    da = pm.synthetic_gather(n_traces=12, n_samples=24, seed=1).chunk({"offset": 4, "time": 8})
    mask = np.ones(12, dtype=bool)
    mask[5] = False
    return pm.with_trace_mask(da, mask)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A valid store, never modified: tests mutate copies of it."""
    return to_zarr(_data(), tmp_path_factory.mktemp("pristine") / "s.zarr")


def _files(store: Path) -> list[str]:
    return sorted(str(p.relative_to(store)) for p in store.rglob("*") if p.is_file())


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
    }


def _chunk(store: Path, array: str = "amplitude", key: str = "c/1/2") -> Path:
    return store / array / key


def test_every_chunk_is_written_with_a_checksum(pristine):
    meta = json.loads((pristine / "amplitude" / "zarr.json").read_text())
    assert [c["name"] for c in meta["codecs"]][-1] == "crc32c"
    assert len([f for f in _files(pristine) if f.startswith("amplitude/c/")]) == 3 * 3
    attrs = json.loads((pristine / "zarr.json").read_text())["attributes"]
    assert attrs["promethium_checksum"] == "crc32c" and attrs["promethium_complete"] is True


def test_chunks_of_zeros_are_written_too(tmp_path):
    path = to_zarr(xr.zeros_like(_data()), tmp_path / "z.zarr")
    assert len(list((path / "amplitude" / "c").rglob("*"))) >= 9


def test_flipped_byte_names_the_chunk(pristine, tmp_path):
    store = shutil.copytree(pristine, tmp_path / "s.zarr")
    chunk = _chunk(store)
    raw = bytearray(chunk.read_bytes())
    raw[len(raw) // 2] ^= 0x10
    chunk.write_bytes(bytes(raw))
    lazy = open_zarr(store)  # opening reads no data chunk
    with pytest.raises(
        StoreError, match=r"chunk 'amplitude/c/1/2' of the Zarr store .*s\.zarr' is corrupt"
    ):
        lazy.compute()
    # the other chunks still read
    np.testing.assert_array_equal(lazy[:4].values, _data()[:4].values)


def test_truncated_chunk_names_the_chunk(pristine, tmp_path):
    store = shutil.copytree(pristine, tmp_path / "s.zarr")
    chunk = _chunk(store, key="c/0/0")
    chunk.write_bytes(chunk.read_bytes()[:5])
    with pytest.raises(StoreError, match=r"chunk 'amplitude/c/0/0' .* is corrupt"):
        open_zarr(store, chunks={"offset": 12, "time": 24}).compute()  # one task, many chunks


def test_missing_chunk_is_an_error_not_fill_values(pristine, tmp_path):
    store = shutil.copytree(pristine, tmp_path / "s.zarr")
    _chunk(store, key="c/2/0").unlink()
    with pytest.raises(
        StoreError, match=r"chunk 'amplitude/c/2/0' of the Zarr store .* is missing"
    ):
        open_zarr(store).compute()


def test_missing_coordinate_chunk_is_found_on_open(pristine, tmp_path):
    store = shutil.copytree(pristine, tmp_path / "s.zarr")
    (store / "offset" / "c" / "0").unlink()
    with pytest.raises(StoreError, match=r"chunk 'offset/c/0' .* is missing"):
        open_zarr(store)


def test_corrupt_index_coordinate_chunk_is_named_on_open(pristine, tmp_path):
    store = shutil.copytree(pristine, tmp_path / "s.zarr")
    chunk = store / "time" / "c" / "0"
    chunk.write_bytes(chunk.read_bytes()[:-1] + b"?")
    with pytest.raises(StoreError, match=r"chunk 'time/c/0' of the Zarr store .* is corrupt"):
        open_zarr(store)


def test_corrupt_mask_chunk_is_found_on_open(pristine, tmp_path):
    store = shutil.copytree(pristine, tmp_path / "s.zarr")
    chunk = next((store / "trace_mask" / "c").rglob("*"))
    chunk.write_bytes(b"\0" + chunk.read_bytes()[1:])
    with pytest.raises(StoreError, match=r"chunk 'trace_mask/c/\d' .* is corrupt"):
        open_zarr(store)


def test_changed_array_metadata_is_found(pristine, tmp_path):
    store = shutil.copytree(pristine, tmp_path / "s.zarr")
    meta = store / "time" / "zarr.json"
    meta.write_text(meta.read_text().replace('"ms"', '"s"'))  # units: a silent 1000x
    with pytest.raises(StoreError, match=r"array 'time' .* does not match its checksum"):
        open_zarr(store)


def test_corrupt_metadata_is_invalid_data(pristine, tmp_path):
    store = shutil.copytree(pristine, tmp_path / "s.zarr")
    (store / "zarr.json").write_text("{not json")
    with pytest.raises(InvalidDataError, match=r"s\.zarr' is not a readable Zarr"):
        open_zarr(store)


def test_foreign_store_keeps_zarrs_meaning_of_a_missing_chunk(tmp_path):
    """Stores Promethium did not write: a missing chunk reads as fill values, as in Zarr."""
    ds = xr.Dataset({"a": ("x", np.arange(6.0))}).chunk({"x": 2})
    ds.to_zarr(tmp_path / "f.zarr", zarr_format=3, consolidated=False)
    (tmp_path / "f.zarr" / "a" / "c" / "1").unlink()
    np.testing.assert_array_equal(
        open_zarr(tmp_path / "f.zarr").values, [0, 1, np.nan, np.nan, 4, 5]
    )


def test_missing_array_metadata_names_the_array(pristine, tmp_path):
    store = shutil.copytree(pristine, tmp_path / "s.zarr")
    (store / "amplitude" / "zarr.json").unlink()
    for dataset in (False, True):
        with pytest.raises(
            StoreError, match=r"array 'amplitude' .* \(amplitude/zarr\.json\) is miss"
        ):
            open_zarr(store, dataset=dataset)


_MUTATIONS = st.sampled_from(["truncate", "flip", "delete", "json"])


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    kind=_MUTATIONS,
    which=st.integers(0, 10**6),
    where=st.floats(0, 1, exclude_max=True),
    bits=st.integers(1, 255),
    dataset=st.booleans(),
)
def test_mutated_store_fuzz(pristine, tmp_path_factory, kind, which, where, bits, dataset):
    """Any single damage: the original numbers, or a PromethiumError; nothing is written."""
    folder = tmp_path_factory.mktemp("fuzz")
    store = shutil.copytree(pristine, folder / "s.zarr")
    files = _files(store)
    name = files[which % len(files)]
    if kind == "json":
        jsons = [f for f in files if f.endswith("zarr.json")]
        name = jsons[which % len(jsons)]
    target = store / name
    raw = bytearray(target.read_bytes())
    at = int(where * len(raw))
    if kind == "truncate":
        target.write_bytes(bytes(raw[:at]))
    elif kind == "delete":
        target.unlink()
    elif kind == "flip":
        raw[at] ^= bits
        target.write_bytes(bytes(raw))
    else:  # replace a JSON value by another type
        meta = json.loads(raw)
        keys = sorted(meta)
        meta[keys[which % len(keys)]] = [None, -1, "x", {}, [0]][bits % 5]
        target.write_text(json.dumps(meta))
    before = _snapshot(folder)
    expected = _data().compute()
    try:
        out = open_zarr(store, dataset=dataset)
        got = out["amplitude"] if dataset else out
        values = got.values
    except PromethiumError:
        pass
    else:
        np.testing.assert_array_equal(values, expected.values)
        xr.testing.assert_identical(got.compute(), expected)
    assert _snapshot(folder) == before
    assert os.listdir(folder) == ["s.zarr"]
