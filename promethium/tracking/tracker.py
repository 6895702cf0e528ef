"""The MLflow run of a training: params, per-epoch metrics, artifacts, the model.

:class:`Tracker` talks to MLflow through its own ``MlflowClient``, never through
MLflow's process-wide active run or tracking URI. :class:`DisabledTracker` has the
same methods and does nothing; :func:`open_tracker` picks one explicitly (tracking
off, or a rank other than 0 under distributed training, gets the disabled one).
"""

from __future__ import annotations

import math
import tempfile
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from promethium.errors import ConfigError, PromethiumWarning
from promethium.tracking.params import flatten_params, plain_config
from promethium.tracking.settings import (
    TrackingConfig,
    check_reachable,
    resolve_tracking_uri,
    sqlite_path,
)

if TYPE_CHECKING:
    import torch
    import xarray as xr
    from mlflow import MlflowClient

    from promethium.tracking.model import LoggedModel

__all__ = ["METRIC_NAMES", "DisabledTracker", "Tracker", "open_tracker"]

#: The per-epoch metrics a training logs (step = epoch, counted from 0).
METRIC_NAMES: dict[str, str] = {
    "train_loss": "mean training loss over the epoch's patches",
    "val_loss": "mean validation loss",
    "learning_rate": "the optimiser's learning rate during the epoch",
    "val_snr_improvement_db": "SNR improvement on the missing validation traces, dB",
    "val_ssim": "structural similarity of the validation reconstructions",
    "val_mse": "mean squared error on the missing validation traces",
    "val_coherence": "trace-to-reference coherence on the missing validation traces",
}

_BATCH = 100  # MLflow's limit on params per log_batch call


class DisabledTracker:
    """A tracker that tracks nothing: every method does nothing, ``run_id`` is None."""

    enabled = False
    run_id: str | None = None

    def start(self, config: Any, *, run_id: str | None = None) -> str | None:
        """Do nothing; return None."""
        return None

    def log_epoch(
        self,
        epoch: int,
        *,
        train_loss: float,
        val_loss: float | None = None,
        learning_rate: float | None = None,
        validation: Mapping[str, float] | None = None,
    ) -> None:
        """Do nothing."""

    def log_metrics(self, metrics: Mapping[str, float], step: int) -> None:
        """Do nothing."""

    def log_artifact(self, path: Any, artifact_path: str | None = None) -> None:
        """Do nothing."""

    def log_comparison(
        self, before: xr.DataArray, after: xr.DataArray, name: str = "reconstruction.png"
    ) -> None:
        """Do nothing."""

    def log_model(
        self,
        network: torch.nn.Module,
        *,
        architecture: str,
        config: Mapping[str, Any],
        metadata: Mapping[str, Any] | None = None,
    ) -> LoggedModel | None:
        """Do nothing; return None."""
        return None

    def end(self, status: str = "FINISHED") -> None:
        """Do nothing."""

    def __enter__(self) -> DisabledTracker:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.end("FAILED" if kind else "FINISHED")


class Tracker(DisabledTracker):
    """Track a training run in MLflow.

    Parameters
    ----------
    settings : TrackingConfig, optional
        Where and how to track; the defaults track to ``sqlite:///mlflow.db``.
    artifact_location : str, optional
        Artifact root of a *new* experiment. For a SQLite store it defaults to
        ``mlartifacts/<experiment>`` beside the database; otherwise MLflow decides.

    Raises
    ------
    ConfigError
        If the tracking store cannot be reached (checked here, with
        ``settings.timeout_s``).

    Notes
    -----
    Call :meth:`start` with the configuration (logged as dotted params and as
    ``config.yaml``), :meth:`log_epoch` after each epoch, :meth:`log_model` at the end,
    and :meth:`end` (or use the tracker as a context manager, which ends the run as
    ``FAILED`` on an exception). :attr:`run_id` is what a checkpoint stores so that a
    resumed training continues the same run (``start(config, run_id=...)``).
    """

    enabled = True

    def __init__(
        self, settings: TrackingConfig | None = None, *, artifact_location: str | None = None
    ) -> None:
        self.settings = settings or TrackingConfig()
        self.tracking_uri = resolve_tracking_uri(self.settings.tracking_uri)
        check_reachable(self.tracking_uri, self.settings.timeout_s)
        self.artifact_location = artifact_location
        self.run_id: str | None = None
        self._client: MlflowClient | None = None

    @property
    def client(self) -> MlflowClient:
        """The ``MlflowClient`` of this tracker's store (created on first use)."""
        if self._client is None:
            from mlflow import MlflowClient

            self._client = MlflowClient(self.tracking_uri, registry_uri=self.tracking_uri)
        return self._client

    def start(self, config: Any, *, run_id: str | None = None) -> str:
        """Start a run (or continue `run_id`) and log `config` as params and YAML.

        Parameters
        ----------
        config : Mapping or pydantic.BaseModel
            The training configuration.
        run_id : str, optional
            A run to continue (a resumed training). Params it already has keep their
            values; a changed value is warned about and the new ``config.yaml``
            replaces the old.

        Returns
        -------
        str
            The run id.

        Raises
        ------
        ConfigError
            If the store cannot be used, or `run_id` is not a run of it.
        """
        from mlflow.entities import Param

        plain = plain_config(config)
        params = flatten_params(plain)
        try:
            if run_id is None:
                experiment_id = self._experiment_id()
                run = self.client.create_run(experiment_id, run_name=self.settings.run_name)
            else:
                run = self._resumed(run_id)
                old = run.data.params
                changed = sorted(k for k, v in params.items() if k in old and old[k] != v)
                if changed:
                    warnings.warn(
                        f"resuming MLflow run {run_id}: params {changed} changed since the "
                        "run started; MLflow keeps the first values (config.yaml is new).",
                        PromethiumWarning,
                        stacklevel=2,
                    )
                params = {k: v for k, v in params.items() if k not in old}
        except ConfigError:
            raise
        except Exception as exc:
            raise self._unusable(exc) from exc
        self.run_id = run.info.run_id
        items = [Param(k, v) for k, v in params.items()]
        for i in range(0, len(items), _BATCH):
            self.client.log_batch(self.run_id, params=items[i : i + _BATCH])
        self._log_yaml(plain)
        return self.run_id

    def _resumed(self, run_id: str) -> Any:
        from mlflow.exceptions import MlflowException

        try:
            run = self.client.get_run(run_id)
        except MlflowException as exc:
            raise ConfigError(
                f"MLflow run {run_id!r} (from the checkpoint) is not in the tracking store "
                f"{self.tracking_uri!r}; resume against the store that ran it, or start "
                "tracking afresh by removing mlflow_run_id from the checkpoint."
            ) from exc
        self.client.update_run(run_id, status="RUNNING")
        return run

    def _experiment_id(self) -> str:
        name = self.settings.experiment
        found = self.client.get_experiment_by_name(name)
        if found is not None:
            return str(found.experiment_id)
        location = self.artifact_location
        db = sqlite_path(self.tracking_uri)
        if location is None and db is not None:
            location = (db.parent / "mlartifacts" / quote(name, safe="")).as_uri()
        return str(self.client.create_experiment(name, artifact_location=location))

    def _unusable(self, exc: Exception) -> ConfigError:
        return ConfigError(
            f"tracking URI {self.tracking_uri!r} cannot be used: {exc}. Point "
            "MLFLOW_TRACKING_URI or tracking.tracking_uri at a working store, or turn "
            "tracking off (tracking.enabled: false)."
        )

    def _run(self) -> str:
        if self.run_id is None:
            raise RuntimeError("the tracker has no run: call start() first.")
        return self.run_id

    def _log_yaml(self, plain: Mapping[str, Any]) -> None:
        import yaml

        with tempfile.TemporaryDirectory(prefix="promethium-mlflow-") as tmp:
            path = Path(tmp) / "config.yaml"
            path.write_text(yaml.safe_dump(dict(plain), sort_keys=False))
            self.client.log_artifact(self._run(), str(path))

    def log_metrics(self, metrics: Mapping[str, float], step: int) -> None:
        """Log `metrics` at `step`; a non-finite value is logged as MLflow stores it."""
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        items = [Metric(k, float(v), now, step) for k, v in metrics.items()]
        for i in range(0, len(items), _BATCH):
            self.client.log_batch(self._run(), metrics=items[i : i + _BATCH])

    def log_epoch(
        self,
        epoch: int,
        *,
        train_loss: float,
        val_loss: float | None = None,
        learning_rate: float | None = None,
        validation: Mapping[str, float] | None = None,
    ) -> None:
        """Log one epoch's metrics under the names of :data:`METRIC_NAMES`.

        Parameters
        ----------
        epoch : int
            The epoch, from 0; the metrics' step.
        train_loss, val_loss, learning_rate : float
            Losses and learning rate (None values are not logged).
        validation : Mapping of str to float, optional
            Validation metrics by bare name (``snr_improvement_db``, ``ssim``, ``mse``,
            ``coherence``), logged with a ``val_`` prefix.
        """
        metrics = {"train_loss": train_loss, "val_loss": val_loss, "learning_rate": learning_rate}
        for key, value in (validation or {}).items():
            metrics[f"val_{key}"] = value
        self.log_metrics(
            {k: v for k, v in metrics.items() if v is not None and not math.isnan(v)}, epoch
        )

    def log_artifact(self, path: Any, artifact_path: str | None = None) -> None:
        """Log a file (or a folder's files) under `artifact_path` of the run."""
        path = Path(path)
        if path.is_dir():
            self.client.log_artifacts(self._run(), str(path), artifact_path)
        else:
            self.client.log_artifact(self._run(), str(path), artifact_path)

    def log_comparison(
        self, before: xr.DataArray, after: xr.DataArray, name: str = "reconstruction.png"
    ) -> None:
        """Log a before / after / difference figure of one 2-D panel.

        Drawn by :func:`promethium.plot.plot_comparison` on one colour scale, with the
        difference ``after - before``.
        """
        import matplotlib.pyplot as plt

        from promethium.plot import plot_comparison

        with tempfile.TemporaryDirectory(prefix="promethium-mlflow-") as tmp:
            path = Path(tmp) / name
            fig = plot_comparison({"before": before, "after": after}, reference="before", path=path)
            plt.close(fig)
            self.client.log_artifact(self._run(), str(path), "figures")

    def log_model(
        self,
        network: torch.nn.Module,
        *,
        architecture: str,
        config: Mapping[str, Any],
        metadata: Mapping[str, Any] | None = None,
    ) -> LoggedModel:
        """Log `network` pickle-free and register it as ``settings.register_as``.

        See :func:`promethium.tracking.model.log_network`; the aliases are
        ``settings.aliases``.
        """
        from promethium.tracking.model import log_network

        return log_network(
            self.client,
            self._run(),
            network,
            architecture=architecture,
            config=config,
            metadata=metadata,
            register_as=self.settings.register_as,
            aliases=self.settings.aliases,
        )

    def end(self, status: str = "FINISHED") -> None:
        """End the run with `status` (``FINISHED``, ``FAILED`` or ``KILLED``)."""
        if self.run_id is not None:
            self.client.set_terminated(self.run_id, status=status)

    def __enter__(self) -> Tracker:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            self.end("KILLED")
        else:
            self.end("FAILED" if kind else "FINISHED")


def open_tracker(
    settings: TrackingConfig | None = None, *, rank: int = 0, artifact_location: str | None = None
) -> Tracker | DisabledTracker:
    """The tracker of a process: a real one on rank 0 with tracking enabled.

    Parameters
    ----------
    settings : TrackingConfig, optional
        The ``tracking:`` section; tracking is on by default.
    rank : int
        The process's rank under distributed training; only rank 0 talks to MLflow.
    artifact_location : str, optional
        See :class:`Tracker`.

    Raises
    ------
    ConfigError
        On rank 0, if the tracking store cannot be reached.

    Examples
    --------
    >>> open_tracker(TrackingConfig(enabled=False)).enabled
    False
    >>> open_tracker(rank=1).run_id is None
    True
    """
    settings = settings or TrackingConfig()
    if not settings.enabled or rank != 0:
        return DisabledTracker()
    return Tracker(settings, artifact_location=artifact_location)
