"""pm.reconstruct(da, model, finetune=...): fine-tune on the data, then reconstruct them."""

from __future__ import annotations

import json
import re

import pytest

import promethium as pm
from promethium.errors import ConfigError, PromethiumWarning
from promethium.ml.weights import weights_sha256
from promethium.reconstruct import PROVENANCE_ATTR


@pytest.fixture
def holed(fd_gather):
    """An FD gather (a generator the starting weights never saw) with 20% dead traces."""
    return pm.apply_trace_mask(fd_gather, pm.random_mask(fd_gather, 0.2, seed=4))


def test_finetune_then_reconstruct_records_it(gather_weights, holed, tmp_path):
    output = tmp_path / "tuned"
    out = pm.reconstruct(
        holed, "unet", weights=gather_weights, patch_size=32,
        finetune={"steps": 60, "output": output, "patch_size": 32},
    )  # fmt: skip
    record = json.loads(out.attrs[PROVENANCE_ATTR])
    tuned = record["finetune"]
    assert tuned["used"] == "finetuned" and tuned["gain_db"] > 0
    assert tuned["weights"] == str(output / "unet.safetensors")
    assert tuned["weights_sha256"] == weights_sha256(output / "unet.safetensors")
    assert record["weights_sha256"] == tuned["weights_sha256"]  # reconstructed with them
    assert tuned["finetuned_from"]["sha256"] == weights_sha256(gather_weights)
    assert set(tuned["scores"]) == {"before", "after"} and tuned["steps"] == 60
    assert bool(out.trace_filled.sum() == 19)  # the 20% dead traces of 96


def test_weights_that_do_not_gain_are_not_used(tiny_weights, holed, tmp_path):
    with pytest.warns(PromethiumWarning, match="reconstructing with the starting weights"):
        out = pm.reconstruct(
            holed, "unet", weights=tiny_weights, patch_size=16,
            finetune={"steps": 1, "learning_rate": 1.0, "output": tmp_path / "t"},
        )  # fmt: skip
    record = json.loads(out.attrs[PROVENANCE_ATTR])
    assert record["finetune"]["used"] == "starting"
    assert record["weights_sha256"] == weights_sha256(tiny_weights)


@pytest.mark.filterwarnings("ignore:fine-tuning")  # an untrained start may not gain
def test_without_an_output_the_weights_go_under_runs(tiny_weights, holed, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pm.reconstruct(holed, "unet", weights=tiny_weights, finetune={"steps": 1})
    made = list((tmp_path / "runs" / "finetune").iterdir())
    assert len(made) == 1 and made[0].name.startswith("unet-")
    assert sorted(p.name for p in made[0].iterdir()) == ["unet.json", "unet.safetensors"]


@pytest.mark.parametrize(
    ("finetune", "message"),
    [
        ({"weights": "w.safetensors"}, "finetune={'weights': ...}: pass weights to "
                                       "pm.reconstruct itself; finetune takes the fine-tuning "
                                       "settings (steps, fraction, output, ...)."),
        ("yes", "finetune must be True, False or a mapping of fine-tuning settings (e.g. "
                "{'steps': 200}); got 'yes'."),
        ({"stepz": 3}, "Did you mean 'steps'?"),
    ],
)  # fmt: skip
def test_bad_finetune_arguments(tiny_weights, holed, finetune, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        pm.reconstruct(holed, "unet", weights=tiny_weights, finetune=finetune)


def test_finetune_needs_a_network(tiny_weights, holed):
    with pytest.raises(ConfigError, match="model 'pocs' is not a network Promethium can"):
        pm.reconstruct(holed, "pocs", finetune=True)
