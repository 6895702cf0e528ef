"""Bad input to pm.finetune: exact errors, raised before any training, nothing written."""

from __future__ import annotations

import re

import pytest

import promethium as pm
from promethium.errors import ConfigError, InvalidDataError, ModelNotFoundError, PluginError
from promethium.ml.weights import sidecar_path

from .conftest import save_untrained

NETWORKS = "['attention_unet', 'gan', 'pinn', 'residual_unet', 'unet', 'vae']"


@pytest.fixture
def line():
    return pm.synthetic_section(n_traces=64, n_samples=128)


def _refused(tmp_path, error, message, da, model="unet", **kwargs):
    with pytest.raises(error, match=re.escape(message)):
        pm.finetune(da, model, output=tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".out.*"))  # no staging folder, no lock


def test_too_few_live_traces(tiny_weights, tmp_path, line):
    holed = pm.apply_trace_mask(line, pm.random_mask(line, 0.6, seed=0))
    _refused(
        tmp_path, InvalidDataError,
        "fine-tuning needs at least 32 live traces to train on and to validate with; the "
        "survey has 26 of 64. Fine-tune on a larger part of the survey, or reconstruct with "
        "the starting weights.",
        holed, weights=tiny_weights,
    )  # fmt: skip


def test_an_unknown_model(tiny_weights, tmp_path, line):
    message = (
        f"unknown model 'unte'; fine-tuning trains one of the built-in networks {NETWORKS}. "
        "Did you mean 'unet'?"
    )
    _refused(tmp_path, ModelNotFoundError, message, line, "unte", weights=tiny_weights)


@pytest.mark.parametrize("model", ["pocs", "linear"])
def test_a_model_that_is_not_a_network(tiny_weights, tmp_path, line, model):
    message = (
        f"model {model!r} is not a network Promethium can fine-tune; fine-tuning trains one "
        f"of the built-in networks {NETWORKS}."
    )
    _refused(tmp_path, ConfigError, message, line, model, weights=tiny_weights)


def test_weights_of_another_architecture(tmp_path, line):
    vae = save_untrained(
        tmp_path / "vae.safetensors", "vae", latent_dim=4, encoder_features=[4], in_channels=2
    )
    message = (
        f"weights {str(vae)!r} were trained for architecture 'vae', not for model 'unet'; "
        "use model='vae' or weights trained for 'unet'."
    )
    _refused(tmp_path, ConfigError, message, line, weights=vae)


def test_no_weights_given_and_none_shipped(tmp_path, line, monkeypatch):
    from promethium.models.networks import pretrained

    monkeypatch.setattr(pretrained, "PRETRAINED", {})
    message = (
        "fine-tuning 'unet' starts from trained weights, and Promethium ships none for "
        "'unet'; pass weights='runs/<run>/weights/best.safetensors' (from `promethium "
        "train`, see docs/training.md)."
    )
    _refused(tmp_path, ConfigError, message, line)


def test_weights_without_a_sidecar_or_missing(tiny_weights, tmp_path, line):
    torch = pytest.importorskip("torch")
    plain = tmp_path / "plain.pt"
    torch.save({}, plain)
    message = (
        "fine-tuning starts from a '.safetensors' weight set with its JSON sidecar "
        f"(architecture and config); {str(plain)!r} is not one. Convert a plain checkpoint "
        "with promethium.ml.save_weights."
    )
    _refused(tmp_path, ConfigError, message, line, weights=plain)
    missing = tmp_path / "missing.safetensors"
    message = f"weights file {str(missing)!r} does not exist."
    _refused(tmp_path, ConfigError, message, line, weights=missing)


def test_weights_that_do_not_match_their_sidecar(tiny_weights, tmp_path, line):
    copy = tmp_path / "copy.safetensors"
    copy.write_bytes(tiny_weights.read_bytes()[:-1] + b"\0")
    sidecar_path(copy).write_text(sidecar_path(tiny_weights).read_text())
    _refused(tmp_path, PluginError, "but its sidecar", line, weights=copy)


def test_an_output_that_exists_is_refused_unless_overwrite(tiny_weights, tmp_path, line):
    output = tmp_path / "out"
    output.mkdir()
    (output / "keep.txt").write_text("mine")
    message = (
        f"output {str(output)!r} already exists; choose another folder, or pass "
        "overwrite=True (--overwrite) to replace it."
    )
    with pytest.raises(ConfigError, match=re.escape(message)):
        pm.finetune(line, "unet", weights=tiny_weights, output=output)
    assert [p.name for p in output.iterdir()] == ["keep.txt"]


def test_an_output_that_is_a_file_or_has_no_folder(tiny_weights, tmp_path, line):
    message = (
        f"output {str(tiny_weights)!r} is a file; fine-tuning writes a folder (the weight set "
        "and its sidecar). Choose another output."
    )
    with pytest.raises(ConfigError, match=re.escape(message)):
        pm.finetune(line, "unet", weights=tiny_weights, output=tiny_weights)
    deep = tmp_path / "a" / "b"
    message = (
        f"the folder {str(deep.parent)!r} of output {str(deep)!r} does not exist; create it first."
    )
    with pytest.raises(ConfigError, match=re.escape(message)):
        pm.finetune(line, "unet", weights=tiny_weights, output=deep)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"steps": 0}, "finetune: got steps=0: input should be greater than or equal to 1; "
                       "steps must be an integer in [1, 1000000]."),
        ({"steps": 10**9}, "steps must be an integer in [1, 1000000]"),
        ({"fraction": 0.9}, "finetune: got fraction=0.9: input should be less than or equal "
                            "to 0.5; fraction must be a number in (0.0, 0.5]."),
        ({"fraction": 0}, "fraction must be a number in (0.0, 0.5]"),
        ({"learning_rate": -1}, "learning_rate must be a number in (0.0, 1.0]"),
        ({"batch_size": 0}, "batch_size must be an integer in [1, 4096]"),
        ({"epochs": 3}, "finetune does not accept the option 'epochs'; accepted options: "),
        ({"patch_size": (100, 16)}, "patch_size=[100, 16] is larger than the gathers of the "
                                    "survey (64 traces x 128 samples); use a patch_size of "
                                    "at most that."),
        ({"device": "tpu"}, "unknown device 'tpu'; use auto, cpu, cuda or cuda:N"),
    ],
)  # fmt: skip
def test_absurd_settings(tiny_weights, tmp_path, line, settings, message):
    _refused(tmp_path, ConfigError, message, line, weights=tiny_weights, **settings)


def _gathers(n_traces, n_gathers=8):
    import numpy as np
    import xarray as xr

    gathers = [
        pm.synthetic_gather(n_traces=n_traces, n_samples=64, seed=s) for s in range(n_gathers)
    ]
    survey = xr.concat(gathers, dim="shot").assign_coords(shot=("shot", np.arange(n_gathers)))
    return survey.transpose("shot", "offset", "time")


def test_gathers_narrower_than_the_masks_need_are_refused_up_front_with_masks_that_fit(
    tmp_path, monkeypatch
):
    """The shipped recipe's masks hide 2 gaps of up to 10 traces: 21 traces at least."""
    import json

    from promethium.finetuning import run
    from promethium.ml.weights import save_weights
    from promethium.train.loop.networks import network_class

    from .conftest import TINY

    masks = [
        {"kind": "random", "ratio": [0.1, 0.6]},
        {"kind": "regular", "keep_every": [2, 3, 4]},
        {"kind": "gaps", "n_gaps": 2, "gap_width": [2, 10]},
    ]
    weights = save_weights(
        network_class("unet")(**TINY), tmp_path / "w" / "unet.safetensors", config=TINY,
        metadata={"training": {"data": {"patch_size": [96, 128], "masks": masks}}},
        architecture="unet",
    )  # fmt: skip
    narrow = _gathers(12)
    fitting = [*masks[:2], {"kind": "gaps", "n_gaps": 2, "gap_width": [2, 5]}]
    with monkeypatch.context() as patch:
        patch.setattr(run, "_scores", lambda *a: pytest.fail("scored before refusing"))
        _refused(
            tmp_path, ConfigError,
            "the training masks of the starting weights (the default) hide 2 gaps of up to 10 "
            "traces, which need patches of at least 21 traces, but the gathers of this survey "
            f"are 12 traces wide. Pass masks that fit, e.g. masks={json.dumps(fitting)} "
            f"(command line: --set 'masks={json.dumps(fitting)}'), or fine-tune on gathers of "
            "at least 21 traces.",
            narrow, weights=weights,
        )  # fmt: skip
        _refused(
            tmp_path, ConfigError, "the training masks given hide 1 gap of up to 30 traces",
            _gathers(24), weights=weights, masks=[{"kind": "gaps", "gap_width": 30}],
        )  # fmt: skip
        _refused(
            tmp_path, ConfigError, "but patch_size=[16, 32] makes patches of 16 traces.",
            _gathers(24), weights=weights, patch_size=[16, 32],
        )  # fmt: skip
    # The masks the message gives fit, and the gathers of 24 traces take the defaults.
    result = pm.finetune(narrow, "unet", weights=weights, output=tmp_path / "a", steps=1,
                         masks=fitting)  # fmt: skip
    assert read_sidecar_masks(result.weights) == fitting
    pm.finetune(_gathers(24), "unet", weights=weights, output=tmp_path / "b", steps=1)


def read_sidecar_masks(path):
    from promethium.ml.weights import read_sidecar

    return read_sidecar(path)["metadata"]["recipe"]["masks"]
