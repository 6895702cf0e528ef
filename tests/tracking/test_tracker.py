from __future__ import annotations

import pytest
import yaml

from promethium.errors import ConfigError, PromethiumWarning
from promethium.tracking import DisabledTracker, Tracker, TrackingConfig, open_tracker
from promethium.tracking.params import flatten_params

from .conftest import CONFIG, EPOCHS


def client(uri):
    from mlflow import MlflowClient

    return MlflowClient(uri, registry_uri=uri)


def test_run_holds_the_flattened_config_as_params(logged):
    run = client(logged.uri).get_run(logged.run_id)
    assert run.data.params == flatten_params(CONFIG)
    assert run.data.params["model.params.features"] == "[4, 8]"
    assert run.data.params["training.scheduler.factor"] == "0.5"
    assert run.info.status == "FINISHED"


def test_run_holds_every_epoch_of_every_metric(logged):
    c = client(logged.uri)
    history = c.get_metric_history(logged.run_id, "val_snr_improvement_db")
    assert [(m.step, m.value) for m in history] == [(0, 1.5), (1, 3.0), (2, 4.5)]
    names = set(client(logged.uri).get_run(logged.run_id).data.metrics)
    assert names == {
        "train_loss", "val_loss", "learning_rate", "val_snr_improvement_db",
        "val_ssim", "val_mse", "val_coherence",
    }  # fmt: skip
    lr = [m.value for m in c.get_metric_history(logged.run_id, "learning_rate")]
    assert lr == [e["learning_rate"] for e in EPOCHS]


def test_run_holds_config_weights_figure_and_model(logged, tmp_path):
    c = client(logged.uri)
    top = {a.path for a in c.list_artifacts(logged.run_id)}
    assert top == {"config.yaml", "figures", "model", "weights"}
    assert {a.path for a in c.list_artifacts(logged.run_id, "weights")} == {
        "weights/model.safetensors",
        "weights/model.json",
    }
    assert [a.path for a in c.list_artifacts(logged.run_id, "figures")] == [
        "figures/reconstruction.png"
    ]
    local = c.download_artifacts(logged.run_id, "config.yaml", str(tmp_path))
    assert yaml.safe_load(open(local)) == CONFIG


def test_model_is_registered_with_its_alias(logged):
    c = client(logged.uri)
    assert logged.model.version == 1 and logged.model.registry_uri == "models:/unet-test/1"
    mv = c.get_model_version_by_alias("unet-test", "candidate")
    assert int(mv.version) == 1 and mv.run_id == logged.run_id
    assert mv.current_stage == "None"  # aliases, not the deprecated stages


def test_resume_continues_the_same_run(store):
    settings = TrackingConfig(tracking_uri=store, experiment="tests-resume")
    first = Tracker(settings)
    run_id = first.start(CONFIG)
    first.log_epoch(0, train_loss=1.0, val_loss=1.1)
    first.end("KILLED")  # the job was stopped part way
    changed = {**CONFIG, "training": {**CONFIG["training"], "epochs": 5}}
    resumed = Tracker(settings)
    with pytest.warns(PromethiumWarning, match=r"training\.epochs"):
        assert resumed.start(changed, run_id=run_id) == run_id
    resumed.log_epoch(1, train_loss=0.5, val_loss=0.6)
    resumed.end()
    c = client(store)
    run = c.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert [m.step for m in c.get_metric_history(run_id, "train_loss")] == [0, 1]
    assert run.data.params["training.epochs"] == "3"
    experiment = c.get_experiment_by_name("tests-resume")
    assert len(c.search_runs([experiment.experiment_id])) == 1


def test_resume_of_an_unknown_run_is_a_config_error(store):
    tracker = Tracker(TrackingConfig(tracking_uri=store, experiment="tests"))
    with pytest.raises(ConfigError, match=r"'0123abc'.*is not in the tracking store"):
        tracker.start(CONFIG, run_id="0123abc")


def test_a_failed_block_ends_the_run_failed(store):
    tracker = Tracker(TrackingConfig(tracking_uri=store, experiment="tests"))
    with pytest.raises(ZeroDivisionError), tracker:
        tracker.start({"a": 1})
        1 / 0  # noqa: B018
    assert client(store).get_run(tracker.run_id).info.status == "FAILED"


@pytest.mark.parametrize(
    ("settings", "rank"),
    [(TrackingConfig(enabled=False), 0), (TrackingConfig(), 1), (TrackingConfig(), 3)],
)
def test_disabled_or_other_ranks_touch_nothing(settings, rank, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")  # never contacted
    tracker = open_tracker(settings, rank=rank)
    assert type(tracker) is DisabledTracker and not tracker.enabled
    with tracker:
        assert tracker.start(CONFIG) is None
        tracker.log_epoch(0, train_loss=1.0)
        assert tracker.log_model(object(), architecture="unet", config={}) is None
    assert tracker.run_id is None
    assert list(tmp_path.iterdir()) == []


def test_rank_zero_gets_a_real_tracker(store):
    tracker = open_tracker(TrackingConfig(tracking_uri=store), rank=0)
    assert isinstance(tracker, Tracker) and tracker.tracking_uri == store


def test_default_store_is_sqlite_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    tracker = Tracker()
    assert tracker.tracking_uri == f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert not (tmp_path / "mlflow.db").exists()  # nothing is created before a run


def test_logging_before_start_is_refused(store):
    tracker = Tracker(TrackingConfig(tracking_uri=store))
    with pytest.raises(RuntimeError, match="call start"):
        tracker.log_epoch(0, train_loss=1.0)
