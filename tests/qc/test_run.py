"""pm.qc: the blind test ranks the models by how well they restore the hidden traces."""

from __future__ import annotations

import copy
import math
import warnings

import dask.array
import numpy as np
import pytest
import xarray as xr

import promethium as pm
from promethium.errors import ConfigError, InvalidDataError, ModelNotFoundError
from promethium.holdout import hide_traces, score
from promethium.qc import QCModel, QCReport
from promethium.registry import Registry
from tests.qc.conftest import CLASSICAL


def _unread(block: np.ndarray) -> np.ndarray:
    raise AssertionError("the data were read")


def _scores(report: QCReport) -> list[tuple]:
    """Everything a report says but the timings."""
    return [
        (s.label, s.snr_improvement_db, s.snr_db, s.ssim, s.mse, s.coherence,
         s.per_trace_snr_db)
        for s in report.scores
    ]  # fmt: skip


def test_linear_wins_on_regular_decimation(decimated):
    # Hiding every second live trace of a section decimated by 2 keeps the test one of
    # regular decimation, where pocs fails (aliasing) and linear interpolation works.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pm.PromethiumWarning)  # pocs's weak fills
        report = pm.qc(decimated, ["pocs", "linear"], holdout=0.5, pattern="survey")
    assert report.labels() == ["linear", "pocs"]
    assert report.best.snr_improvement_db > report.score("pocs").snr_improvement_db + 5
    assert report.holdout["pattern"] == "survey"


def test_pocs_wins_on_random_holes_of_dipping_reflectors(report):
    assert report.labels() == ["pocs", "linear"]
    assert report.best.snr_improvement_db > report.score("linear").snr_improvement_db + 3


def test_scores_are_those_of_the_holdout_scoring(section):
    report = pm.qc(section, ["linear"], holdout=0.2, seed=4)
    split = hide_traces(section, 0.2, seed=4)
    expected = score(split, pm.reconstruct(split.data, "linear"))
    got = report.score("linear")
    assert got.snr_db == expected.snr_db and got.ssim == expected.ssim
    assert got.mse == expected.mse and got.coherence == expected.coherence
    hidden = np.asarray(split.hidden.values)
    assert got.per_trace_snr_db == tuple(expected.trace_snr_db.values[hidden].tolist())
    assert len(report.hidden_traces) == split.n_hidden == report.holdout["n_hidden"]
    # The labels of the hidden traces, from the data's coordinate.
    assert [t["cdp"] for t in report.hidden_traces] == section.cdp.values[hidden].tolist()


def test_the_same_seed_gives_the_same_report_and_another_seed_another(section):
    first = pm.qc(section, CLASSICAL, holdout=0.2, seed=7)
    again = pm.qc(section, CLASSICAL, holdout=0.2, seed=7)
    other = pm.qc(section, CLASSICAL, holdout=0.2, seed=8)
    assert _scores(first) == _scores(again)
    assert first.hidden_traces == again.hidden_traces
    assert first.hidden_traces != other.hidden_traces


def test_the_input_is_never_modified(decimated):
    before = copy.deepcopy(decimated)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pm.PromethiumWarning)
        pm.qc(decimated, CLASSICAL, holdout=0.3, seed=1)
    xr.testing.assert_identical(decimated, before)


def test_lazy_input_only_the_sampled_gathers_are_computed():
    shots = pm.synthetic_shots(n_shots=6, n_traces=32, n_samples=64)
    lazy = shots.chunk({"shot": 1})
    report = pm.qc(lazy, CLASSICAL, holdout=0.2, gathers=2, seed=0)
    assert lazy.chunks is not None  # still lazy
    assert report.holdout["n_sampled"] == 2 and report.holdout["n_gathers"] == 6
    assert report.panels is not None and report.panels.truth.sizes["shot"] == 2
    # Time per gather is the time over the sampled gathers.
    for s in report.scores:
        assert s.seconds_per_gather == pytest.approx(s.seconds / 2)


def test_a_survey_with_two_batch_dims_is_sampled_and_labelled():
    shots = pm.synthetic_shots(n_shots=3, n_traces=24, n_samples=64)
    lines = xr.concat([shots, shots], dim="line").assign_coords(line=[10, 20])
    report = pm.qc(lines.chunk({"line": 1}), "linear", holdout=0.2, gathers=2, seed=1)
    assert report.holdout["n_sampled"] == 2 and report.holdout["n_gathers"] == 6
    first = report.hidden_traces[0]
    assert set(first) == {"sample_gather", "line", "shot", "offset"}
    assert first["line"] in (10, 20) and first["shot"] in (1, 2, 3)


def test_pocs_and_linear_are_always_compared(section):
    report = pm.qc(section, {"fast-pocs": {"model": "pocs", "n_iter": 2}}, holdout=0.2)
    assert sorted(report.labels()) == ["fast-pocs", "linear", "pocs"]
    assert report.score("fast-pocs").settings["options"] == {"n_iter": 2}
    # Two iterations do worse than the default's.
    assert report.score("fast-pocs").snr_db < report.score("pocs").snr_db
    only = pm.qc(section, "linear", holdout=0.2)
    assert sorted(only.labels()) == ["linear", "pocs"]


def test_a_network_runs_with_its_weights_and_config(section, tmp_path):
    from tests.models.networks.test_plugin import TINY, tiny_weights

    path = tiny_weights(tmp_path, "unet")
    models = {"unet": {"weights": path, "config": TINY["unet"], "patch_size": 32}}
    report = pm.qc(section, models, holdout=0.2)
    unet = report.score("unet")
    assert unet.settings == {"weights": str(path), "config": TINY["unet"],
                             "options": {"patch_size": 32}, "finetune": False}  # fmt: skip
    assert math.isfinite(unet.snr_db) and unet.seconds > 0


def test_a_network_fine_tuned_on_the_test_input(section, tmp_path):
    from tests.models.networks.test_plugin import TINY, tiny_weights

    path = tiny_weights(tmp_path, "unet")
    start = {"weights": path, "config": TINY["unet"], "patch_size": 32}
    tuned = {**start, "model": "unet", "finetune": {"steps": 2, "output": tmp_path / "ft"}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pm.PromethiumWarning)  # may keep the start weights
        report = pm.qc(section, {"unet": start, "unet+ft": tuned}, holdout=0.2)
    assert report.score("unet+ft").settings["finetune"]["steps"] == 2
    assert math.isfinite(report.score("unet+ft").snr_db)
    assert (tmp_path / "ft").exists()  # the fine-tuned weight set was written


def test_by_default_the_candidates_of_auto_are_compared(section):
    from promethium.models.auto import default_candidates
    from promethium.models.classical import promethium_register_models

    registry = Registry()
    promethium_register_models(registry)  # the classical models only: no weights ship
    report = pm.qc(section, holdout=0.2, registry=registry)
    assert sorted(report.labels()) == sorted(default_candidates(registry))


def test_qcmodel_entries_are_accepted(section):
    report = pm.qc(section, [QCModel("lin", "linear"), "pocs"], holdout=0.2)
    assert sorted(report.labels()) == ["lin", "pocs"]  # linear runs as 'lin'


@pytest.mark.parametrize(
    ("models", "error", "message"),
    [
        (["nope"], ModelNotFoundError, "no model named 'nope'"),
        ({"pocs": {"n_iter": -3}}, ConfigError, "n_iter"),
        ({"pocs": {"bogus": 1}}, ConfigError, "bogus"),
        ({"pocs": 3}, ConfigError, "models['pocs'] must be a mapping of settings"),
        ([QCModel("a", "pocs"), QCModel("a", "linear")], ConfigError, "'a' is given twice"),
        ([3], ConfigError, "neither a model name nor a QCModel"),
        ({"unet": {"finetune": "yes"}}, ConfigError, "['finetune'] must be True, False"),
    ],
)
def test_bad_models_are_refused_before_any_data_is_read(section, models, error, message):
    lazy = section.copy(
        data=dask.array.from_array(section.values, chunks=8).map_blocks(
            _unread, dtype=section.dtype
        )
    )
    with pytest.raises(error, match=message.replace("[", r"\[").replace("(", r"\(")):
        pm.qc(lazy, models)


@pytest.mark.parametrize("holdout", [0.0, 0.9, -0.1, "a lot", True])
def test_a_bad_holdout_fraction_is_refused(section, holdout):
    with pytest.raises(ConfigError, match="fraction must be a number in"):
        pm.qc(section, CLASSICAL, holdout=holdout)


def test_too_few_live_traces_to_hide_is_a_clear_error():
    tiny = pm.synthetic_section(n_traces=2, n_samples=32)
    with pytest.raises(InvalidDataError, match="no live trace can be hidden"):
        pm.qc(tiny, CLASSICAL, holdout=0.1)
