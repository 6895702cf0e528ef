"""promethium finetune, and promethium reconstruct --finetune."""

from __future__ import annotations

import json

import pytest

import promethium as pm
from promethium.cli import main
from promethium.reconstruct import PROVENANCE_ATTR


@pytest.fixture
def line(tmp_path):
    """A SEG-Y stacked section of 64 traces, 20% of them dead."""
    da = pm.synthetic_section(n_traces=64, n_samples=128, seed=3)
    path = tmp_path / "line.sgy"
    pm.to_segy(pm.apply_trace_mask(da, pm.random_mask(da, 0.2, seed=4)), path)
    return path


@pytest.fixture
def weights(tmp_path):
    """An untrained 4-channel U-Net weight set."""
    torch = pytest.importorskip("torch")
    from promethium.ml.weights import save_weights
    from promethium.models.networks.unet import UNet

    params = {"features": [4], "bottleneck": 8, "in_channels": 2, "dropout": 0.0}
    torch.manual_seed(0)
    path = tmp_path / "start" / "unet.safetensors"
    return save_weights(UNet(**params), path, config=params, architecture="unet")


def test_finetune_writes_a_weight_set_and_shows_the_gain(line, weights, tmp_path, capsys):
    before = line.read_bytes()
    out = tmp_path / "tuned"
    argv = ["finetune", str(line), "--weights", str(weights), "--out", str(out), "--steps",
            "3", "--set", "fraction=0.2", "--set", "validate_every=1", "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    shown = capsys.readouterr().out
    assert "held-out traces      before     after" in shown and "gain:" in shown
    assert f"weights: {out / 'unet.safetensors'}" in shown
    info = json.loads((out / "unet.json").read_text())
    assert info["metadata"]["recipe"]["fraction"] == 0.2
    assert info["metadata"]["survey"]["source"] == str(line)
    assert line.read_bytes() == before
    assert main([*argv, "-q"]) == 1  # the output exists now
    assert (
        "already exists; choose another folder, or pass overwrite=True" in capsys.readouterr().err
    )
    assert main([*argv, "-q", "--overwrite"]) == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--set", "output=x"], "--set output=...: output is not a fine-tuning setting; use "
                                "the command's own options (--model, --weights, --out, "
                                "--overwrite)."),
        (["--set", "stepz=3"], "finetune does not accept the option 'stepz'"),
        (["--steps", "0"], "steps must be an integer in [1, 1000000]"),
        (["-m", "pocs"], "model 'pocs' is not a network Promethium can fine-tune"),
    ],
)  # fmt: skip
def test_finetune_bad_input(line, weights, tmp_path, capsys, extra, message):
    argv = ["finetune", str(line), "--weights", str(weights), "--out", str(tmp_path / "o"), *extra]
    assert main(argv) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.filterwarnings("ignore:fine-tuning")  # an untrained start may not gain
def test_reconstruct_finetune(line, weights, tmp_path, capsys, monkeypatch):
    from promethium.finetuning import run as run_module

    real = run_module.run_finetune

    def short(*args, settings, **kwargs):  # the default 300 steps take half a minute here
        return real(*args, settings={**settings, "steps": 2}, **kwargs)

    monkeypatch.setattr(run_module, "run_finetune", short)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "filled.zarr"
    argv = ["reconstruct", str(line), str(target), "-m", "unet", "--config",
            f"weights={weights}", "--finetune", "--patch-size", "32", "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    shown = capsys.readouterr().out
    assert "fine-tuned on the input: held-out SNR" in shown
    record = json.loads(pm.open_zarr(target).attrs[PROVENANCE_ATTR])["finetune"]
    assert record["weights"].startswith(str(tmp_path / "runs" / "finetune" / "unet-"))
    assert f"new weights: {record['weights']}" in shown
