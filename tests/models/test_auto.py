"""The auto model: the choice made by a blind test on the survey, its provenance and cost."""

from __future__ import annotations

import json
import warnings

import dask
import numpy as np
import pytest
import xarray as xr

import promethium as pm
from promethium.cli import main
from promethium.errors import ConfigError, InvalidDataError, PromethiumWarning
from promethium.models.auto import (
    AutoOptions,
    default_candidates,
    describe_choice,
)
from promethium.models.classical import promethium_register_models
from promethium.plugin import ModelOptions, ModelSpec
from promethium.reconstruct import PROVENANCE_ATTR
from promethium.registry import Registry


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


@pytest.fixture(scope="module")
def section():
    """Dipping reflectors, every second trace missing: linear's case, POCS aliases."""
    da = pm.synthetic_section(n_traces=64, n_samples=128, seed=3)
    return da, pm.apply_trace_mask(da, pm.regular_mask(da, 2))


#: The candidates these tests reason about; shipped networks join the defaults.
CLASSICAL = ["linear", "pocs"]


def _auto(out):
    return json.loads(out.attrs[PROVENANCE_ATTR])["auto"]


def _without_times(record):
    return {
        **record,
        "scores": {
            n: {k: v for k, v in s.items() if k != "seconds"} for n, s in record["scores"].items()
        },
    }


def _shots(n_shots=12, n_traces=48, missing=0.3):
    base = pm.synthetic_gather(n_traces=n_traces, n_samples=96, seed=5)
    stack = xr.concat([base * (1 + 0.1 * i) for i in range(n_shots)], dim="shot")
    stack = stack.transpose("shot", ...).assign_coords(shot=np.arange(n_shots) * 10)
    live = np.stack([pm.random_mask(base, missing, seed=i).values for i in range(n_shots)])
    return stack, pm.apply_trace_mask(stack, live)


def test_auto_is_the_default_and_picks_linear_on_regular_decimation(section):
    truth, holed = section
    with warnings.catch_warnings():
        warnings.simplefilter("error", PromethiumWarning)  # pocs never runs on the survey
        out = pm.reconstruct(holed, registry=_registry())  # auto is the default
    record = json.loads(out.attrs[PROVENANCE_ATTR])
    assert record["model"] == "auto"
    auto = record["auto"]
    assert auto["decided"] == "on the survey" and auto["chosen"] == "linear"
    assert auto["scores"]["linear"]["snr_db"] > auto["scores"]["pocs"]["snr_db"] + 5
    # pocs warned about the regular pattern on the sample: recorded, not shown
    assert any("regular intervals" in w for w in auto["scores"]["pocs"]["warnings"])
    np.testing.assert_array_equal(out.values, pm.reconstruct(holed, model="linear").values)
    missing = ~holed.trace_mask
    assert pm.metrics.snr(truth, out, missing) > 10


def test_auto_picks_pocs_on_random_missing_traces(gather):
    holed = pm.apply_trace_mask(gather, pm.random_mask(gather, 0.3, seed=1))
    out = pm.reconstruct(holed, candidates=CLASSICAL)
    auto = _auto(out)
    assert auto["chosen"] == "pocs" and auto["models"] == ["pocs"]
    assert auto["scores"]["pocs"]["snr_db"] > auto["scores"]["linear"]["snr_db"] + 3
    np.testing.assert_array_equal(out.values, pm.reconstruct(holed, model="pocs").values)


def test_provenance_records_the_sample_fraction_scores_and_choice(section):
    _, holed = section
    out = pm.reconstruct(holed, holdout=0.2, seed=3, registry=_registry())
    auto = _auto(out)
    assert auto["candidates"] == ["linear", "pocs"]
    assert auto["holdout"] == {
        "fraction": 0.2,
        "seed": 3,
        "pattern": "survey",
        "gathers": "0",
        "n_sampled": 1,
        "n_gathers": 1,
        "n_hidden": 32,  # regular decimation: every other live trace, whatever the fraction
        "n_live": 32,  # ... in two rounds (a seed hiding the same half again is dropped)
        "rounds": 2,
        "seeds": [3, 6],
        "n_distinct_hidden": 32,
    }
    for scores in auto["scores"].values():
        assert set(scores) >= {"snr_db", "snr_improvement_db", "ssim", "mse", "coherence"}
        assert scores["n_hidden"] == 32 and scores["seconds"] >= 0
    record = json.loads(out.attrs[PROVENANCE_ATTR])
    assert record["options"] == {
        "candidates": None,
        "holdout": 0.2,
        "seed": 3,
        "max_gathers": 4,
        "min_hidden": 32,
        "max_rounds": 8,
    }
    assert (
        out.attrs["history"]
        .splitlines()[-1]
        .endswith("reconstruct(model='auto', holdout=0.2, seed=3) -> linear")
    )
    line = describe_choice(auto)
    assert line.startswith("auto chose linear on 32 hidden traces of 1 gather(s) (SNR: linear ")
    assert ", pocs " in line


def test_only_the_sample_is_computed_when_the_result_is_built():
    _, holed = _shots()
    lazy = holed.chunk({"shot": 1})
    read = []

    def record(block, block_info=None):
        read.append(block_info[0]["chunk-location"][0])
        return block

    lazy = lazy.copy(data=lazy.data.map_blocks(record, dtype=lazy.dtype))
    out = pm.reconstruct(lazy, max_gathers=3, min_hidden=1, candidates=CLASSICAL)
    assert dask.is_dask_collection(out.data)
    auto = _auto(out)
    sampled = [int(g) for g in auto["holdout"]["gathers"].split(",")]
    assert len(sampled) == 3 and sorted(set(read)) == sampled  # 3 of 12 shots read
    read.clear()
    eager = pm.reconstruct(holed, max_gathers=3, min_hidden=1, candidates=CLASSICAL)
    assert _without_times(_auto(eager)) == _without_times(auto)  # same sample, same choice
    np.testing.assert_allclose(out.values, eager.values, atol=1e-5)
    assert sorted(set(read)) == list(range(12))  # the survey is read when computed


def test_small_gathers_get_rounds_until_enough_traces_are_hidden():
    _, holed = _shots()  # 12 small shots: one round of 3 hides a few traces
    out = pm.reconstruct(holed, max_gathers=3, candidates=CLASSICAL, min_hidden=20)
    held = _auto(out)["holdout"]
    assert held["rounds"] > 1 and held["seeds"] == list(range(held["rounds"]))
    assert held["n_hidden"] >= held["n_distinct_hidden"] >= 20  # min_hidden: distinct traces
    assert held["n_sampled"] == 3  # one sample: read once
    one = _auto(pm.reconstruct(holed, max_gathers=3, candidates=CLASSICAL, min_hidden=1))
    assert "rounds" not in one["holdout"] and one["holdout"]["n_hidden"] < held["n_hidden"]
    for name, scores in _auto(out)["scores"].items():
        assert scores["n_hidden"] == held["n_hidden"], name  # pooled over the rounds
    capped = pm.reconstruct(
        holed, max_gathers=3, candidates=CLASSICAL, min_hidden=10**6, max_rounds=3
    )
    assert _auto(capped)["holdout"]["rounds"] <= 3  # max_rounds bounds the cost


def test_a_round_hiding_nothing_new_is_dropped(section):
    _, holed = section  # one decimated panel of 32 live traces: a round hides either half
    held = _auto(pm.reconstruct(holed, min_hidden=10**6, registry=_registry()))["holdout"]
    assert held.get("rounds", 1) <= 2 and held["n_hidden"] <= 32  # not 8 rounds of 16


def test_the_choice_is_determined_by_the_seed():
    _, holed = _shots(n_shots=8)
    first = _auto(pm.reconstruct(holed, max_gathers=2, seed=5, candidates=CLASSICAL))
    again = _auto(pm.reconstruct(holed, max_gathers=2, seed=5, candidates=CLASSICAL))
    assert _without_times(first) == _without_times(again)
    other = _auto(pm.reconstruct(holed, max_gathers=2, seed=6, candidates=CLASSICAL))
    assert other["holdout"]["gathers"] != first["holdout"]["gathers"]


def test_too_few_live_traces_fall_back_to_the_pattern_rule(gather):
    narrow = gather.isel(offset=slice(0, 12))
    live = np.ones(12, bool)
    live[[2, 3, 6, 7, 8, 10]] = False  # 6 live traces: hiding 0.05 of them needs 11
    holed = pm.apply_trace_mask(narrow, live)
    out = pm.reconstruct(holed, holdout=0.05, candidates=CLASSICAL)
    auto = _auto(out)
    assert auto["decided"] == "pattern rule (per gather)"
    assert auto["why"].startswith("no blind test could be made: hide_traces: no live trace")
    assert "needs at least 11 live traces" in auto["why"]
    assert auto["models"] == ["pocs"] and auto["patterns"] == {"irregular": 1}
    assert "chosen" not in auto and "scores" not in auto
    assert describe_choice(auto).startswith("auto used pocs by the pattern rule (per gather)")


def test_no_candidate_beating_zero_fill_falls_back_to_the_rule(gather):
    # On this steep shot gather decimated by 2, the blind test (decimation by 4) defeats
    # both models: the choice is left to the pattern rule, which takes linear.
    holed = pm.apply_trace_mask(gather, pm.regular_mask(gather, 2))
    out = pm.reconstruct(holed, candidates=CLASSICAL)
    auto = _auto(out)
    assert auto["why"].startswith("no candidate did better than the zero-filled input")
    assert all(s["snr_db"] <= 0 for s in auto["scores"].values())
    assert auto["models"] == ["linear"]


def test_a_single_candidate_is_run_without_a_blind_test(gather):
    holed = pm.apply_trace_mask(gather, pm.random_mask(gather, 0.3))
    auto = _auto(pm.reconstruct(holed, candidates="linear"))
    assert auto == {
        "candidates": ["linear"],
        "chosen": "linear",
        "decided": "the only candidate",
        "models": ["linear"],
    }
    two = _auto(pm.reconstruct(holed, candidates="pocs, linear"))  # a command-line list
    assert two["candidates"] == ["pocs", "linear"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"holdout": 0.7}, "model 'auto': got holdout=0.7: input should be less than or equal"),
        ({"holdout": 0}, "model 'auto': got holdout=0: input should be greater than 0"),
        ({"max_gathers": 0}, "model 'auto': got max_gathers=0: input should be greater than"),
        ({"seed": -1}, "model 'auto': got seed=-1: input should be greater than or equal"),
        ({"n_iter": 3}, "model 'auto' does not accept the option 'n_iter'"),
        (
            {"candidates": ["linear", "no-such-net"]},
            "auto: candidate(s) 'no-such-net' are not registered; registered: ",
        ),
        ({"candidates": ["auto"]}, "auto: candidates must be a non-empty list of model names"),
        ({"candidates": []}, "auto: candidates must be a non-empty list of model names"),
    ],
)
def test_options_are_validated(gather, options, message):
    holed = pm.apply_trace_mask(gather, pm.random_mask(gather, 0.3))
    with pytest.raises(ConfigError) as info:
        pm.reconstruct(holed, **options)
    assert str(info.value).startswith(message)


class _Fails:
    def reconstruct(self, da, options):
        raise InvalidDataError("this model cannot run here")


def _registry(*extra):
    registry = Registry()
    promethium_register_models(registry)
    for spec in extra:
        registry.add(spec)
    return registry


def test_a_failing_candidate_is_left_out_with_a_warning(gather):
    broken = ModelSpec(name="broken", family="demo", factory=_Fails, candidate=True)
    registry = _registry(broken)
    holed = pm.apply_trace_mask(gather, pm.random_mask(gather, 0.3, seed=1))
    with pytest.warns(PromethiumWarning, match="candidate 'broken' failed on the sample"):
        out = pm.reconstruct(holed, registry=registry)
    auto = _auto(out)
    assert auto["candidates"] == ["broken", "linear", "pocs"]
    assert auto["scores"]["broken"]["error"] == "InvalidDataError: this model cannot run here"
    assert auto["chosen"] == "pocs"


def test_default_candidates_declared_or_builtin_with_weights(tmp_path):
    weights = tmp_path / "w.safetensors"
    plain = ModelSpec(name="plain", family="demo", factory=dict)
    declared = ModelSpec(name="declared", family="demo", factory=dict, candidate=True)
    shipped = ModelSpec(name="shipped", family="demo", factory=dict, weights=weights)
    registry = _registry(plain, declared, shipped)
    assert default_candidates(registry) == ["declared", "linear", "pocs"]
    builtin = ModelSpec(**{**vars(shipped), "name": "net", "plugin": "builtin-networks"})
    registry.add(builtin)
    assert default_candidates(registry) == ["declared", "linear", "net", "pocs"]


def test_auto_is_registered_through_the_builtin_hook(section):
    registry = _registry()
    assert registry.list() == ["auto", "linear", "pocs"]
    spec = registry.get("auto")
    assert spec.family == "auto" and spec.options is AutoOptions
    assert issubclass(AutoOptions, ModelOptions)
    _, holed = section
    assert _auto(pm.reconstruct(holed, registry=registry))["chosen"] == "linear"


def test_operator_default_is_auto(section):
    _, holed = section
    assert _auto(pm.ops.Reconstruct(candidates=CLASSICAL)(holed))["chosen"] == "linear"


def test_cli_summary_prints_the_choice_and_scores(section, tmp_path, capsys):
    _, holed = section
    source = tmp_path / "section.zarr"
    pm.to_zarr(holed, source)
    target = tmp_path / "out.zarr"
    argv = ["reconstruct", str(source), str(target), "-o", "holdout=0.2"]
    assert main([*argv, "-o", "candidates=linear,pocs"]) == 0
    text = capsys.readouterr().out
    assert "wrote " in text and "auto filled 32 of 64 traces" in text
    assert "auto chose linear on 32 hidden traces of 1 gather(s) (SNR: linear " in text
    assert _auto(pm.open_zarr(target))["chosen"] == "linear"
