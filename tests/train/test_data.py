"""Training patches: what inference feeds, in an order fixed by (seed, epoch)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.errors import ConfigError
from promethium.train.config import parse_config
from promethium.train.data import build_datasets, patch_starts

from .conftest import tiny_raw


@given(size=st.integers(1, 300), patch=st.integers(1, 64), stride=st.integers(1, 64))
def test_patch_starts_cover_the_axis_within_it(size, patch, stride):
    if patch > size:
        return
    starts = patch_starts(size, patch, stride)
    covered = np.zeros(size, bool)
    for s in starts:
        covered[s : s + patch] = True
    assert covered.all() or stride > patch  # a stride beyond the patch skips samples
    assert starts[0] == 0 and starts[-1] + patch == size
    assert np.all(np.diff(starts) <= stride) and np.all(np.diff(starts) > 0)


def _datasets(tmp_path, **data):
    raw = tiny_raw(tmp_path)
    raw["data"].update(data)
    return build_datasets(parse_config(raw))


def test_inputs_are_normalised_like_the_patch_engine(tmp_path):
    train, _ = _datasets(tmp_path, augmentation={"enable": False})
    batch = next(train.batches(0, 4))
    data, live = batch.inputs[:, 0], batch.inputs[:, 1]
    assert set(np.unique(live)) <= {0.0, 1.0}
    assert np.all(live == live[:, :, :1])  # the mask channel is constant along time
    rms = np.sqrt((data**2).sum((1, 2)) / live.sum((1, 2)))
    np.testing.assert_allclose(rms, 1.0, rtol=1e-5)  # RMS of the live samples is 1
    assert np.all(data[live == 0] == 0)
    kept = live.astype(bool)
    np.testing.assert_allclose(data[kept], batch.target[:, 0][kept], rtol=1e-6)
    assert np.array_equal(batch.missing, ~kept[:, :, 0])  # synthetic data: all recorded


def test_the_order_is_a_function_of_seed_and_epoch_alone(tmp_path):
    train, _ = _datasets(tmp_path)
    first = [b.inputs for b in train.batches(1, 2)]
    again = [b.inputs for b in train.batches(1, 2)]
    other = [b.inputs for b in train.batches(2, 2)]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
    skipped = [b.inputs for b in train.batches(1, 2, skip=1)]
    assert all(np.array_equal(a, b) for a, b in zip(first[1:], skipped))


def test_validation_batches_are_the_same_every_epoch(tmp_path):
    _, val = _datasets(tmp_path)
    a = next(val.batches(0, 2)).inputs
    b = next(val.batches(5, 2)).inputs
    assert np.array_equal(a, b)


@settings(max_examples=25, deadline=None)
@given(world=st.integers(1, 7), n=st.integers(1, 3), epoch=st.integers(0, 3))
def test_ranks_get_equal_shares_covering_every_patch(tmp_path_factory, world, n, epoch):
    synthetic = {"n_train": n, "n_val": 1, "n_traces": 16, "n_samples": 32}
    train, _ = _datasets(tmp_path_factory.mktemp("run"), synthetic=synthetic)
    shares = [train.shard(epoch, rank, world) for rank in range(world)]
    assert len({len(s) for s in shares}) == 1
    assert set(np.concatenate(shares)) == set(range(len(train)))
    assert len(shares[0]) == -(-len(train) // world)
    counts = {len(list(train.batches(epoch, 1, rank=r, world_size=world))) for r in range(world)}
    assert counts == {train.n_batches(1, world)}


@pytest.mark.parametrize(
    "masks",
    [
        [{"kind": "random", "ratio": 0.5}],
        [{"kind": "regular", "keep_every": 4}],
        [{"kind": "gaps", "n_gaps": 2, "gap_width": 3}],
    ],
)
def test_each_mask_kind_removes_what_it_says(tmp_path, masks):
    train, _ = _datasets(tmp_path, masks=masks)
    missing = next(train.batches(0, 4)).missing
    if masks[0]["kind"] == "random":
        assert np.all(missing.sum(1) == 8)
    elif masks[0]["kind"] == "regular":
        assert np.all(missing.sum(1) == 12)
    else:
        assert np.all(missing.sum(1) == 6)


def test_augmentation_changes_training_patches_only(tmp_path):
    plain, _ = _datasets(tmp_path, augmentation={"enable": False})
    augmented, _ = _datasets(tmp_path, augmentation={"noise_std": 0.1})
    a, b = next(plain.batches(0, 4)), next(augmented.batches(0, 4))
    assert not np.allclose(a.inputs[:, 0], b.inputs[:, 0])
    noisy = b.inputs[:, 0] - b.target[:, 0]
    kept = b.inputs[:, 1].astype(bool)
    assert 0.05 < noisy[kept].std() < 0.2  # the noise, on live samples only
    assert np.all(noisy[~kept] == -b.target[:, 0][~kept])


def test_a_patch_larger_than_the_data_names_it(tmp_path):
    with pytest.raises(ConfigError, match=r"data.patch_size=\[32, 16\] is larger than"):
        _datasets(tmp_path, patch_size=[32, 16])


def test_gaps_that_cannot_fit_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="do not fit in a patch of 16 traces"):
        _datasets(tmp_path, masks=[{"kind": "gaps", "n_gaps": 4, "gap_width": 4}])


def test_data_paths_without_readable_files_are_named(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    raw = tiny_raw(tmp_path)
    raw["data"] = {"train_path": str(empty), "val_path": str(empty), "patch_size": 8}
    with pytest.raises(ConfigError, match=r"data\.train_path: folder .* holds no SEG-Y file"):
        build_datasets(parse_config(raw))
    raw["data"]["train_path"] = [str(tmp_path / "nothing.sgy")]
    with pytest.raises(ConfigError, match=r"data\.train_path: .*nothing\.sgy' does not exist"):
        build_datasets(parse_config(raw))


def test_zarr_and_segy_files_stream_patch_by_patch(tmp_path):
    section = pm.synthetic_section(n_traces=24, n_samples=40, seed=2)
    live = np.ones(24, bool)
    live[5] = False
    folder = tmp_path / "train"
    folder.mkdir()
    pm.to_zarr(pm.apply_trace_mask(section, live), folder / "a.zarr")
    pm.to_segy(section, folder / "b.sgy")
    raw = tiny_raw(tmp_path)
    raw["data"] = {
        "train_path": str(folder),
        "val_path": [str(folder / "b.sgy")],
        "patch_size": [8, 40],
        "stride": [8, 40],
        "augmentation": {"enable": False},
    }
    train, val = build_datasets(parse_config(raw))
    assert [s.name.rsplit("/", 1)[-1] for s in train.sources] == ["a.zarr", "b.sgy"]
    assert hasattr(train.sources[0].da.data, "dask")  # opened lazily
    assert len(train) == 6 and len(val) == 3
    patches = {tuple(train.index[i]): train.item(i, 0) for i in range(len(train))}
    _, _, weight, missing = patches[(0, 0, 0, 0)]
    assert np.all(weight[0, 5] == 0) and not missing[5]  # a dead trace is never scored
    assert np.all(weight[0, [0, 1, 2, 3, 4, 6, 7]] == 1)


def test_prefetch_keeps_the_order_and_raises_the_producers_error():
    from promethium.train.data import prefetch

    assert list(prefetch(iter(range(50)), depth=3)) == list(range(50))

    def failing():
        yield 1
        raise ConfigError("unreadable patch")

    stream = prefetch(failing())
    assert next(stream) == 1
    with pytest.raises(ConfigError, match="unreadable patch"):
        next(stream)


def test_leaving_a_prefetch_early_stops_its_thread():
    import threading

    from promethium.train.data import prefetch

    stream = prefetch(iter(range(1000)), depth=1)
    assert next(stream) == 0
    stream.close()
    assert not any(t.name == "promethium-prefetch" for t in threading.enumerate())
