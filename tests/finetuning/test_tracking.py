"""pm.finetune tracked in a real SQLite MLflow store, the new weights registered."""

from __future__ import annotations

import json

import promethium as pm


def test_a_tracked_finetuning_logs_scores_and_registers_the_weights(tiny_weights, tmp_path):
    from mlflow import MlflowClient

    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    tracking = {"tracking_uri": store, "experiment": "ft", "register_as": "unet-line"}
    line = pm.synthetic_section(n_traces=64, n_samples=128)
    result = pm.finetune(
        line, "unet", weights=tiny_weights, output=tmp_path / "t", steps=2, tracking=tracking
    )
    client = MlflowClient(store, registry_uri=store)
    run = client.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["training.init_weights"] == str(tiny_weights)
    metrics = run.data.metrics
    assert metrics["before_snr_db"] == result.before["snr_db"]
    assert metrics["after_snr_db"] == result.after["snr_db"]
    assert metrics["gain_db"] == result.gain_db and "val_loss" in metrics
    (sidecar,) = client.list_artifacts(result.run_id, "finetuned")
    local = client.download_artifacts(result.run_id, sidecar.path, str(tmp_path))
    assert json.loads(open(local).read())["metadata"]["finetuned_from"] == result.finetuned_from
    (version,) = client.search_model_versions("name='unet-line'")
    assert version.run_id == result.run_id
