"""Training sources: synthetic and finite-difference panels, and a DataArray already opened."""

from __future__ import annotations

import re

import numpy as np
import pytest

import promethium as pm
from promethium.errors import ConfigError
from promethium.train.config import SyntheticConfig, apply_overrides, parse_config
from promethium.train.data import PatchDataset, build_datasets
from promethium.train.sources import dataarray_source, synthetic_sources

from .conftest import tiny_raw

FD = {
    "kind": "fd",
    "n_train": 2,
    "n_val": 1,
    "n_traces": 16,
    "n_samples": 32,
    "trace_spacing_m": [25.0],
    "frequency_hz": [8.0, 9.0],
    "dt_ms": [2.0, 4.0],
    "noise": 0.05,
    "gain": ["none", "t"],
    "thin_beds": True,
}


def test_fd_sources_are_modelled_gathers_with_disjoint_validation(tmp_path):
    config = SyntheticConfig.model_validate({**FD, "cache_dir": str(tmp_path / "cache")})
    train = synthetic_sources(config, "train")
    val = synthetic_sources(config, "val")
    assert [s.name for s in train] == [
        "fd layered_faulted seed 0 gather 0",
        "fd layered_faulted seed 0 gather 1",
    ]
    assert [s.name for s in val] == ["fd layered_faulted seed 0 gather 1000000"]
    for source in train + val:
        assert source.da.dims == ("offset", "time") and source.panel_shape == (16, 32)
        assert source.live.all() and source.da.attrs["noise"] == 0.05
        assert source.da.attrs["gain"] in ("none", "t") and source.da.attrs["thin_beds"] == 1
    assert not any(np.array_equal(t.da.values, val[0].da.values) for t in train)
    assert len(list((tmp_path / "cache").iterdir())) == 1
    again = synthetic_sources(config, "train")  # from the cache
    assert all(np.array_equal(a.da.values, b.da.values) for a, b in zip(train, again))


def test_fd_config_trains_patches(tmp_path):
    raw = tiny_raw(tmp_path)
    raw["data"]["synthetic"] = FD
    train, val = build_datasets(parse_config(raw))
    batch = next(train.batches(0, 2))
    assert batch.inputs.shape == (2, 2, 16, 16) and np.isfinite(batch.inputs).all()
    assert len(val) > 0


def test_fd_defaults_make_varied_training_data():
    config = parse_config({"data": {"synthetic": {"kind": "fd"}}}).data.synthetic
    assert config is not None
    assert config.family == "layered_faulted" and config.gain == "none"
    assert config.thin_beds is False
    assert config.trace_spacing_m == (6.25, 12.5, 25.0)
    assert config.spread == ("end-on", "split")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "data.synthetic.family=salt",
            "data.synthetic.family='salt': unknown velocity-model family; known: "
            "layered_faulted, anticline",
        ),
        (
            "data.synthetic.dt_ms=[2, 4]",
            "a list of dt_ms choices needs kind: fd; kind 'section' takes one value",
        ),
        ("data.synthetic.frequency_hz=[30, 10]", "low <= high"),
        ("data.synthetic.spread=[ring]", "Input should be 'end-on' or 'split'"),
        ("data.synthetic.gain=agc", "Input should be 'none', 't' or 't2'"),
        ("data.synthetic.gain=[]", "give a value or a non-empty list of choices"),
        ("data.synthetic.thin_beds=maybe", "Input should be a valid boolean"),
        ("data.synthetic.trace_spacing_m=[]", "give a value or a non-empty list of choices"),
    ],
)
def test_bad_fd_settings_name_the_key(override, message):
    with pytest.raises(ConfigError, match="invalid config") as info:
        parse_config(apply_overrides({"data": {"synthetic": {}}}, [override]))
    assert message in str(info.value)


def _flags(n, *index):
    flags = np.zeros(n, dtype=bool)
    flags[list(index)] = True
    return flags


def test_excluded_and_dead_traces_are_not_live():
    da = pm.synthetic_gather(n_traces=8, n_samples=16)
    da = pm.apply_trace_mask(da, ~_flags(8, 0))  # trace 0 dead
    source = dataarray_source(da, "gather", exclude=_flags(8, 3), hidden=_flags(8, 0, 5))
    assert source.live.tolist() == [False, True, True, False, True, True, True, True]
    assert source.hidden is not None and source.hidden.tolist() == _flags(8, 5).tolist()
    assert source.hidden_traces(0, 4, 2).tolist() == [False, True]


def test_flags_of_another_shape_are_refused():
    da = pm.synthetic_gather(n_traces=8, n_samples=16)
    message = "exclude of source 'g' has shape (7,); it must have the shape of the trace dims (8,)."
    with pytest.raises(ConfigError, match=re.escape(message)):
        dataarray_source(da, "g", exclude=np.zeros(7, dtype=bool))


@pytest.mark.parametrize("split", ["train", "val"])
def test_hidden_traces_are_hidden_and_scored_the_same_every_epoch(tmp_path, split):
    raw = tiny_raw(tmp_path, loss_on="missing")
    raw["data"].update(patch_size=[16, 32], stride=[16, 32])
    config = parse_config(raw)
    da = pm.synthetic_gather(n_traces=16, n_samples=32)
    hidden, excluded = _flags(16, 2, 9), _flags(16, 4)
    source = dataarray_source(da, "g", exclude=excluded, hidden=hidden)
    dataset = PatchDataset([source], config, split, "test")
    if split == "train":  # no augmentation: flips would move the traces
        dataset.augmentation = dataset.augmentation.model_copy(update={"enable": False})
    for epoch in (0, 1):
        batch = next(dataset.batches(epoch, 1))
        data, live = batch.inputs[0, 0], batch.inputs[0, 1]
        scored = batch.weight[0, 0].any(axis=1)
        assert scored.tolist() == hidden.tolist()  # only the hidden traces are scored
        assert batch.missing[0].tolist() == hidden.tolist()
        shown = live.any(axis=1)
        assert shown.tolist() == (~hidden & ~excluded).tolist()
        assert not data[hidden | excluded].any()  # neither hidden nor excluded is input
        assert not batch.target[0, 0][excluded].any()  # an excluded trace is no target


def test_a_lazy_array_reads_only_the_chunks_a_patch_covers():
    import dask.array as dska

    da = pm.synthetic_gather(n_traces=32, n_samples=16).chunk({"offset": 8})
    read = []

    def record(block, block_info=None):
        read.append(block_info[0]["chunk-location"][0])
        return block

    lazy = da.copy(data=dska.map_blocks(record, da.data, dtype=da.dtype))
    source = dataarray_source(lazy, "lazy")
    read.clear()
    patch = source.read(0, (8, 0), (8, 16))
    assert read == [1]
    np.testing.assert_array_equal(patch, da.values[8:16])
