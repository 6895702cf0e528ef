"""Log a network to a run as safetensors + a pyfunc model, and register it.

The run gets ``weights/<name>.safetensors`` with its JSON sidecar (config, sha256)
and ``model/``, an MLflow "model from code" whose artifacts are the same two files;
nothing is pickled. Registration uses the Model Registry's aliases, never the
deprecated stages.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from mlflow import MlflowClient

__all__ = ["MODEL_ARTIFACT_PATH", "WEIGHTS_ARTIFACT_PATH", "LoggedModel", "log_network"]

#: Where the pyfunc model goes in a run's artifacts.
MODEL_ARTIFACT_PATH = "model"
#: Where the safetensors weights and their sidecar go in a run's artifacts.
WEIGHTS_ARTIFACT_PATH = "weights"


@dataclass(frozen=True)
class LoggedModel:
    """Where a logged network went.

    Attributes
    ----------
    model_uri : str
        ``runs:/<run_id>/model``, loadable with ``mlflow.pyfunc.load_model``.
    weights_sha256 : str
        The sha256 of the safetensors file.
    registered_name : str or None
        The registered model's name, if registered.
    version : int or None
        The registered version, if registered.
    aliases : tuple of str
        The aliases set on that version.
    """

    model_uri: str
    weights_sha256: str
    registered_name: str | None = None
    version: int | None = None
    aliases: tuple[str, ...] = ()

    @property
    def registry_uri(self) -> str | None:
        """``models:/<name>/<version>``, or None when not registered."""
        if self.registered_name is None:
            return None
        return f"models:/{self.registered_name}/{self.version}"


def _requirements() -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    reqs = []
    for dist in ("promethium", "torch", "safetensors", "numpy", "mlflow"):
        try:
            reqs.append(f"{dist}=={version(dist)}")
        except PackageNotFoundError:
            reqs.append(dist)
    return reqs


def _signature(in_channels: int) -> Any:
    import numpy as np
    from mlflow.models import ModelSignature
    from mlflow.types.schema import Schema, TensorSpec

    shape = (-1, -1, -1) if in_channels == 1 else (-1, in_channels, -1, -1)
    return ModelSignature(
        inputs=Schema([TensorSpec(np.dtype(np.float32), shape)]),
        outputs=Schema([TensorSpec(np.dtype(np.float32), (-1, -1, -1))]),
    )


def log_network(
    client: MlflowClient,
    run_id: str,
    network: torch.nn.Module,
    *,
    architecture: str,
    config: Mapping[str, Any],
    metadata: Mapping[str, Any] | None = None,
    register_as: str | None = None,
    aliases: Sequence[str] = (),
    name: str = "model",
) -> LoggedModel:
    """Log `network` to run `run_id` pickle-free, and register it if asked.

    Parameters
    ----------
    client : mlflow.MlflowClient
        A client of the tracking (and registry) store.
    run_id : str
        The run the artifacts go to.
    network : torch.nn.Module
        The trained network; rebuilt on load as ``type(network)(**config)``.
    architecture : str
        The architecture's registered name (e.g. ``"unet"``), kept in the sidecar.
    config : Mapping
        The keyword parameters that rebuild the network; JSON-serializable.
    metadata : Mapping, optional
        Training information and metrics for the sidecar.
    register_as : str, optional
        Registered model name; a new version is created under it.
    aliases : sequence of str
        Aliases to point at the new version (moved from any older version).
    name : str
        Stem of the weights file.

    Returns
    -------
    LoggedModel
    """
    import mlflow.pyfunc

    from promethium.ml.weights import save_weights, sidecar_path, weights_sha256
    from promethium.tracking.pyfunc import CODE_FILE_TEXT

    cls = type(network)
    in_channels = int(getattr(getattr(network, "config", None), "in_channels", 1))
    with tempfile.TemporaryDirectory(prefix="promethium-mlflow-") as tmp:
        folder = Path(tmp)
        weights = save_weights(
            network,
            folder / WEIGHTS_ARTIFACT_PATH / f"{name}.safetensors",
            config=config,
            metadata={**(metadata or {}), "mlflow_run_id": run_id},
            architecture=architecture,
        )
        client.log_artifacts(run_id, str(weights.parent), WEIGHTS_ARTIFACT_PATH)
        code = folder / "promethium_model.py"
        code.write_text(CODE_FILE_TEXT)
        with warnings.catch_warnings():  # the explicit signature stands for an example
            warnings.filterwarnings("ignore", message=".*input example was not provided")
            mlflow.pyfunc.save_model(
                path=str(folder / MODEL_ARTIFACT_PATH),
                python_model=str(code),
                artifacts={"weights": str(weights), "sidecar": str(sidecar_path(weights))},
                model_config={
                    "network_class": f"{cls.__module__}:{cls.__qualname__}",
                    "architecture": architecture,
                    "in_channels": in_channels,
                },
                signature=_signature(in_channels),
                pip_requirements=_requirements(),
            )
        client.log_artifacts(run_id, str(folder / MODEL_ARTIFACT_PATH), MODEL_ARTIFACT_PATH)
        sha = weights_sha256(weights)
    model_uri = f"runs:/{run_id}/{MODEL_ARTIFACT_PATH}"
    if register_as is None:
        return LoggedModel(model_uri, sha)
    version = _register(client, run_id, register_as, aliases)
    return LoggedModel(model_uri, sha, register_as, version, tuple(aliases))


def _register(client: MlflowClient, run_id: str, name: str, aliases: Sequence[str]) -> int:
    from mlflow.exceptions import MlflowException

    try:
        client.create_registered_model(
            name, description="A Promethium reconstruction network (safetensors weights)."
        )
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
    source = f"{client.get_run(run_id).info.artifact_uri}/{MODEL_ARTIFACT_PATH}"
    mv = client.create_model_version(name, source=source, run_id=run_id)
    for alias in aliases:
        client.set_registered_model_alias(name, alias, mv.version)
    return int(mv.version)
