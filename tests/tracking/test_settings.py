from __future__ import annotations

import pydantic
import pytest

from promethium.errors import ConfigError
from promethium.tracking import Tracker, TrackingConfig
from promethium.tracking.settings import check_reachable, resolve_tracking_uri, sqlite_path


def test_explicit_uri_beats_the_environment(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:////env/runs.db")
    assert resolve_tracking_uri("sqlite:////mine/runs.db") == "sqlite:////mine/runs.db"
    assert resolve_tracking_uri() == "sqlite:////env/runs.db"


def test_default_is_sqlite_in_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    uri = resolve_tracking_uri()
    assert uri == f"sqlite:///{tmp_path}/mlflow.db"
    assert sqlite_path(uri) == tmp_path / "mlflow.db"


@pytest.mark.parametrize(
    "uri", ["http://127.0.0.1:9", "https://127.0.0.1:9/", "postgresql://u:p@127.0.0.1:9/db"]
)
def test_unreachable_servers_are_config_errors(uri):
    with pytest.raises(ConfigError, match="cannot be reached") as err:
        check_reachable(uri, timeout_s=2.0)
    assert repr(uri) in str(err.value) and "tracking.enabled: false" in str(err.value)


def test_tracker_refuses_an_unreachable_store_up_front():
    with pytest.raises(ConfigError, match=r"'http://127\.0\.0\.1:9' cannot be reached"):
        Tracker(TrackingConfig(tracking_uri="http://127.0.0.1:9", timeout_s=2))


def test_sqlite_in_a_missing_folder_is_a_config_error(tmp_path):
    uri = f"sqlite:///{tmp_path}/absent/mlflow.db"
    with pytest.raises(ConfigError, match="does not exist or is not writable"):
        check_reachable(uri)
    assert not (tmp_path / "absent").exists()


def test_malformed_port_is_a_config_error():
    with pytest.raises(ConfigError, match="malformed"):
        check_reachable("http://localhost:port")


def test_tracking_config_refuses_unknown_keys():
    with pytest.raises(pydantic.ValidationError, match="register"):
        TrackingConfig.model_validate({"register": "x"})


def test_train_config_has_a_validated_tracking_section():
    from promethium.train.config import parse_config

    cfg = parse_config({"data": {"synthetic": {}}, "tracking": {"register_as": "unet-line"}})
    assert cfg.tracking == TrackingConfig(register_as="unet-line")
    assert cfg.tracking.enabled and cfg.tracking.tracking_uri is None
    with pytest.raises(ConfigError, match=r"unknown key 'tracking\.uri'"):
        parse_config({"data": {"synthetic": {}}, "tracking": {"uri": "sqlite:///x.db"}})
    with pytest.raises(ConfigError, match=r"tracking\.timeout_s"):
        parse_config({"data": {"synthetic": {}}, "tracking": {"timeout_s": 0}})
