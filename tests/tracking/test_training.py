"""``promethium train`` tracked in a real SQLite store: one run across a resume."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from promethium.errors import ConfigError, PromethiumWarning
from promethium.train.run import train


def _config(tmp_path, store, **tracking):
    raw = {
        "model": {"architecture": "unet",
                  "params": {"features": [4], "bottleneck": 8, "in_channels": 2}},
        "data": {"synthetic": {"n_train": 2, "n_val": 1, "n_traces": 16, "n_samples": 32},
                 "patch_size": 16, "stride": 16},
        "training": {"epochs": 1, "batch_size": 2, "mixed_precision": False,
                     "output_dir": str(tmp_path / "run")},
    }  # fmt: skip
    raw["tracking"] = {"tracking_uri": store, "experiment": "train", **tracking}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_training_is_tracked_and_resume_continues_the_run(tmp_path, store, monkeypatch):
    import mlflow.pyfunc
    from mlflow import MlflowClient

    config = _config(tmp_path, store, register_as="trained-unet", aliases=["candidate"])
    train(config, progress=False)
    with pytest.warns(PromethiumWarning, match=r"training\.epochs"):
        train(config, ["training.epochs=2"], resume=True, progress=False)

    client = MlflowClient(store, registry_uri=store)
    experiment = client.get_experiment_by_name("train")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.status == "FINISHED"
    assert run.data.params["model.architecture"] == "unet"
    assert run.data.params["training.epochs"] == "1"  # the first value stays
    for name in ("train_loss", "val_loss", "learning_rate", "val_snr_improvement_db",
                 "val_ssim", "val_mse", "val_coherence"):  # fmt: skip
        steps = [m.step for m in client.get_metric_history(run.info.run_id, name)]
        assert steps == [0, 1], name
    versions = client.search_model_versions("name='trained-unet'")
    assert sorted(int(v.version) for v in versions) == [1, 2]  # one per fit
    assert int(client.get_model_version_by_alias("trained-unet", "candidate").version) == 2
    figures = [a.path for a in client.list_artifacts(run.info.run_id, "figures")]
    assert figures == ["figures/reconstruction.png"]

    monkeypatch.setenv("MLFLOW_TRACKING_URI", store)
    model = mlflow.pyfunc.load_model("models:/trained-unet@candidate")
    patches = np.zeros((1, 2, 16, 16), np.float32)  # data and live mask
    assert model.predict(patches).shape == (1, 16, 16)


def test_unreachable_store_stops_training_before_it_starts(tmp_path):
    config = _config(tmp_path, "http://127.0.0.1:9", timeout_s=2)
    with pytest.raises(ConfigError, match=r"'http://127\.0\.0\.1:9' cannot be reached"):
        train(config, progress=False)
    assert not (tmp_path / "run").exists()


def test_tracking_uri_option_of_both_commands(tmp_path, store, capsys):
    from promethium.cli import main as cli_main
    from promethium.train.__main__ import main

    config = _config(tmp_path, store, timeout_s=2)
    assert main(["--config", str(config), "--tracking-uri", "http://127.0.0.1:9", "-q"]) == 2
    assert "'http://127.0.0.1:9' cannot be reached" in capsys.readouterr().err
    assert cli_main(["train", "--config", str(config), "--tracking-uri", "http://127.0.0.1:9"])
    assert "'http://127.0.0.1:9' cannot be reached" in capsys.readouterr().err
