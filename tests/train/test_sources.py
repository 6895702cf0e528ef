"""Synthetic sources, and finite-difference gathers as training data (``kind: fd``)."""

from __future__ import annotations

import numpy as np
import pytest

from promethium.errors import ConfigError
from promethium.train.config import SyntheticConfig, apply_overrides, parse_config
from promethium.train.data import build_datasets
from promethium.train.sources import synthetic_sources

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
