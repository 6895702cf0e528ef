"""``models:/name/version`` and ``models:/name@alias``: the weights of a registered model.

:func:`resolve_model_uri` downloads a registered version's safetensors weights and
their JSON sidecar from the tracking store's artifact location, verifies the sha256,
and returns the architecture name, its config and the weights path: what a plugin
needs to rebuild the network. Nothing is unpickled.
"""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promethium.errors import ConfigError, ModelNotFoundError, PluginError
from promethium.tracking.settings import check_reachable, resolve_tracking_uri

__all__ = [
    "ResolvedModel",
    "clear_model_cache",
    "is_model_uri",
    "parse_model_uri",
    "registered_model_config",
    "resolve_model_uri",
]

_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:/(?P<version>\d+)|@(?P<alias>[\w.-]+))$")


@dataclass(frozen=True)
class ResolvedModel:
    """A registered model version, downloaded and verified.

    Attributes
    ----------
    architecture : str
        The architecture's name (e.g. ``"unet"``), as the sidecar records it.
    config : dict
        The keyword parameters that rebuild the network.
    weights : pathlib.Path
        The downloaded ``.safetensors`` file (its ``.json`` sidecar beside it).
    name : str
        The registered model's name.
    version : int
        The version the URI resolved to (an alias resolves to one).
    sha256 : str
        The verified sha256 of the weights.
    """

    architecture: str
    config: dict[str, Any]
    weights: Path
    name: str
    version: int
    sha256: str


def is_model_uri(text: str) -> bool:
    """Whether `text` is a Model Registry URI (starts with ``models:/``).

    Examples
    --------
    >>> is_model_uri("models:/unet-line/1"), is_model_uri("unet")
    (True, False)
    """
    return text.startswith("models:/")


def parse_model_uri(uri: str) -> tuple[str, int | None, str | None]:
    """Split ``models:/name/version`` or ``models:/name@alias``.

    Returns
    -------
    name : str
    version : int or None
    alias : str or None

    Raises
    ------
    ConfigError
        If `uri` is neither form (stages such as ``models:/name/Production`` are
        deprecated by MLflow and not accepted; use an alias).

    Examples
    --------
    >>> parse_model_uri("models:/unet-line/3")
    ('unet-line', 3, None)
    >>> parse_model_uri("models:/unet-line@champion")
    ('unet-line', None, 'champion')
    """
    match = _URI.match(uri)
    if match is None:
        raise ConfigError(
            f"model URI {uri!r} is not 'models:/<name>/<version>' or "
            "'models:/<name>@<alias>' (MLflow's stages are deprecated; give the version "
            "an alias instead)."
        )
    version = match["version"]
    return match["name"], int(version) if version else None, match["alias"]


def resolve_model_uri(
    uri: str,
    *,
    tracking_uri: str | None = None,
    dst: Any | None = None,
    timeout_s: float = 5.0,
) -> ResolvedModel:
    """Download and verify the weights of a registered Promethium model.

    Parameters
    ----------
    uri : str
        ``models:/<name>/<version>`` or ``models:/<name>@<alias>``.
    tracking_uri : str, optional
        The tracking (and registry) store; by default ``MLFLOW_TRACKING_URI`` or
        ``sqlite:///mlflow.db`` in the working directory.
    dst : path-like, optional
        Folder to download into (created). By default each version is downloaded
        once per process into a temporary folder (see :func:`clear_model_cache`);
        the sha256 is verified on every call.
    timeout_s : float
        Timeout of the up-front reachability check of the store.

    Returns
    -------
    ResolvedModel

    Raises
    ------
    ConfigError
        If `uri` is malformed or the store cannot be reached.
    ModelNotFoundError
        If the store has no such registered model, version or alias.
    PluginError
        If the version holds no Promethium weights, or the weights' sha256 does not
        match their sidecar (a corrupt or replaced file).
    """
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from promethium.ml.weights import read_sidecar, weights_sha256
    from promethium.tracking.model import MODEL_ARTIFACT_PATH

    name, version, alias = parse_model_uri(uri)
    store = resolve_tracking_uri(tracking_uri)
    check_reachable(store, timeout_s)
    client = MlflowClient(store, registry_uri=store)
    try:
        if alias is not None:
            mv = client.get_model_version_by_alias(name, alias)
        else:
            mv = client.get_model_version(name, str(version))
    except MlflowException as exc:
        known = [v.version for v in _versions(client, name)]
        have = f"registered versions of {name!r}: {known}" if known else "no such model"
        raise ModelNotFoundError(
            f"{uri!r} is not in the model registry of {store!r} ({have}); list them with "
            "MlflowClient().search_model_versions()."
        ) from exc
    version = int(mv.version)
    if dst is None:
        local = _cached_download(store, name, version)
    else:
        local = _download(client, store, uri, name, version, Path(dst))
    found = sorted(local.rglob("*.safetensors"))
    if len(found) != 1:
        raise PluginError(
            f"{uri!r} (version {version}) holds {len(found)} safetensors files under its "
            f"'{MODEL_ARTIFACT_PATH}/artifacts'; a Promethium model holds exactly one."
        )
    weights = found[0]
    info = read_sidecar(weights)
    sha = weights_sha256(weights)
    if sha != info["sha256"]:
        raise PluginError(
            f"the weights of {uri!r} (version {version}) have sha256 {sha}, but their "
            f"sidecar records {info['sha256']}: the stored file is corrupt or was replaced. "
            "Log the model again."
        )
    return ResolvedModel(
        architecture=str(info["architecture"]),
        config=dict(info["config"]),
        weights=weights,
        name=name,
        version=version,
        sha256=sha,
    )


def _download(client: Any, store: str, uri: str, name: str, version: int, dst: Path) -> Path:
    from mlflow.artifacts import download_artifacts
    from mlflow.exceptions import MlflowException

    from promethium.tracking.model import MODEL_ARTIFACT_PATH

    dst.mkdir(parents=True, exist_ok=True)
    source = client.get_model_version_download_uri(name, str(version))
    try:
        local = download_artifacts(
            artifact_uri=f"{source.rstrip('/')}/artifacts", dst_path=str(dst), tracking_uri=store
        )
    except (MlflowException, OSError) as exc:
        raise PluginError(
            f"{uri!r} (version {version}, source {source!r}) holds no Promethium weights "
            f"under '{MODEL_ARTIFACT_PATH}/artifacts' ({exc}); it was not logged by "
            "promethium.tracking."
        ) from exc
    return Path(local)


@functools.lru_cache(maxsize=16)
def _cached_download(store: str, name: str, version: int) -> Path:
    from mlflow import MlflowClient

    folder = Path(tempfile.mkdtemp(prefix="promethium-model-"))
    _DOWNLOADS.append(folder)
    client = MlflowClient(store, registry_uri=store)
    return _download(client, store, f"models:/{name}/{version}", name, version, folder)


_DOWNLOADS: list[Path] = []


def clear_model_cache() -> None:
    """Forget (and delete) the registered models downloaded by this process.

    :func:`resolve_model_uri` without `dst` downloads each version once per process
    into a temporary folder, so that repeated reconstructions reuse it (and the built
    network); this removes those folders.
    """
    _cached_download.cache_clear()
    while _DOWNLOADS:
        shutil.rmtree(_DOWNLOADS.pop(), ignore_errors=True)


def registered_model_config(
    uri: str, config: Mapping[str, Any] | None = None, *, tracking_uri: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The architecture and factory config (with ``weights``) of a registered model.

    What :func:`promethium.reconstruct` does with ``model="models:/name/1"``: the
    registered version's architecture is looked up in the plugin registry, and built
    with its recorded config, any overrides in `config`, and its verified weights.

    Raises
    ------
    ConfigError, ModelNotFoundError, PluginError
        As :func:`resolve_model_uri`.
    """
    found = resolve_model_uri(uri, tracking_uri=tracking_uri)
    return found.architecture, {**found.config, **dict(config or {}), "weights": str(found.weights)}


def _versions(client: Any, name: str) -> list[Any]:
    from mlflow.exceptions import MlflowException

    try:
        return list(client.search_model_versions(f"name='{name}'"))
    except MlflowException:
        return []
