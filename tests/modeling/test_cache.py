"""The on-disk cache returns exactly what modelling does, and models only what is missing."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import promethium.modeling.cache as cache_module
from promethium.modeling import cache_key, cached_fd_shot_gathers, fd_shot_gathers

KWARGS = {
    "n_traces": 6,
    "n_samples": 24,
    "dt_ms": [2.0, 4.0],
    "trace_spacing_m": 25.0,
    "frequency_hz": (8.0, 9.0),
    "noise": 0.05,
    "seed": 3,
}


def _no_modelling(*args, **kwargs):
    raise AssertionError("the cache should have been used")


def test_cached_gathers_equal_modelled_ones_and_are_reused(tmp_path, monkeypatch):
    first = cached_fd_shot_gathers(3, cache_dir=tmp_path, **KWARGS)
    expected = fd_shot_gathers(3, **KWARGS)
    for a, b in zip(first, expected):
        xr.testing.assert_identical(a, b)
    folders = list(tmp_path.iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("fd-")
    assert sorted(p.name for p in folders[0].iterdir()) == [
        "gather-0000000.npz",
        "gather-0000001.npz",
        "gather-0000002.npz",
        "spec.json",
    ]
    monkeypatch.setattr(cache_module, "iter_fd_shot_gathers", _no_modelling)
    again = cached_fd_shot_gathers(3, cache_dir=tmp_path, **KWARGS)
    for a, b in zip(again, expected):
        xr.testing.assert_identical(a, b)


def test_a_larger_set_models_only_the_missing_gathers(tmp_path, monkeypatch):
    cached_fd_shot_gathers(2, cache_dir=tmp_path, **KWARGS)
    calls = []
    modelled = cache_module.iter_fd_shot_gathers

    def counting(n, **kwargs):
        calls.append((n, kwargs["first"]))
        return modelled(n, **kwargs)

    monkeypatch.setattr(cache_module, "iter_fd_shot_gathers", counting)
    out = cached_fd_shot_gathers(4, cache_dir=tmp_path, **KWARGS)
    assert calls == [(2, 2)]
    assert np.array_equal(out[3].values, fd_shot_gathers(1, first=3, **KWARGS)[0].values)


def test_another_setting_is_another_dataset(tmp_path):
    cached_fd_shot_gathers(1, cache_dir=tmp_path, **KWARGS)
    cached_fd_shot_gathers(1, cache_dir=tmp_path, **{**KWARGS, "noise": 0.0})
    assert len(list(tmp_path.iterdir())) == 2
    assert cache_key({"a": 1}) != cache_key({"a": 2})


def test_thin_beds_are_keyed_only_when_on(tmp_path):
    cached_fd_shot_gathers(1, cache_dir=tmp_path, **KWARGS)
    cached_fd_shot_gathers(1, cache_dir=tmp_path, thin_beds=False, **KWARGS)
    assert len(list(tmp_path.iterdir())) == 1  # the same key as before the option
    (bedded,) = cached_fd_shot_gathers(1, cache_dir=tmp_path, thin_beds=True, **KWARGS)
    assert len(list(tmp_path.iterdir())) == 2 and bedded.attrs["thin_beds"] == 1


def test_no_leftover_temporary_files(tmp_path):
    cached_fd_shot_gathers(2, cache_dir=tmp_path, **KWARGS)
    (folder,) = tmp_path.iterdir()
    assert all(not p.name.startswith(".") for p in folder.iterdir())


def test_without_a_cache_dir_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = cached_fd_shot_gathers(1, cache_dir=None, **KWARGS)
    assert len(out) == 1 and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("n", [0])
def test_an_empty_set_is_empty(tmp_path, n):
    assert cached_fd_shot_gathers(n, cache_dir=tmp_path, **KWARGS) == []


def test_the_key_of_a_set_is_that_of_the_caches_made_before(tmp_path):
    # The folder of KWARGS' gathers as cached_fd_shot_gathers named it before the settings
    # had one function (gather_set_settings): existing caches are reused.
    cached_fd_shot_gathers(1, cache_dir=tmp_path, **KWARGS)
    assert [p.name for p in tmp_path.iterdir()] == ["fd-3631539111341b01"]


def test_an_unknown_setting_is_refused():
    with pytest.raises(TypeError, match="unexpected keyword argument 'nois'; the settings"):
        cached_fd_shot_gathers(1, cache_dir=None, nois=0.1)  # type: ignore[call-arg]


def test_non_finite_attrs_are_stored_as_strict_json_and_come_back(tmp_path):
    import json
    import math

    (gather,) = fd_shot_gathers(1, **KWARGS)
    gather.attrs.update(peak=math.inf, floor=-math.inf, gain={"db": math.nan})
    path = tmp_path / "gather-0000000.npz"
    cache_module._save(path, gather)

    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    with np.load(path) as f:
        json.loads(str(f["attrs"]), parse_constant=refuse)
    back = cache_module._load(path)
    assert back.attrs["peak"] == math.inf and back.attrs["floor"] == -math.inf
    assert math.isnan(back.attrs["gain"]["db"])
