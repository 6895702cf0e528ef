"""Where runs are tracked: the ``tracking:`` settings, the URI and its reachability.

The embedded default is a local SQLite store, ``sqlite:///mlflow.db`` in the working
directory; ``MLFLOW_TRACKING_URI`` overrides it, and an explicit ``tracking_uri``
overrides both. A store that cannot be reached is refused up front, with a short
timeout, rather than failing (or hanging) after an epoch of training.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, StrictBool

from promethium.errors import ConfigError
from promethium.plugin.options import Options

__all__ = [
    "DEFAULT_TRACKING_URI",
    "TrackingConfig",
    "check_reachable",
    "resolve_tracking_uri",
    "sqlite_path",
]

#: The embedded store used when neither ``tracking_uri`` nor the environment names one.
DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"

_DEFAULT_PORTS = {"http": 80, "https": 443, "postgresql": 5432, "mysql": 3306, "mssql": 1433}


class TrackingConfig(Options):
    """The ``tracking:`` section of a training configuration.

    Attributes
    ----------
    enabled : bool
        Track the run in MLflow (default True); False turns tracking off.
    tracking_uri : str or None
        The tracking store; None uses ``MLFLOW_TRACKING_URI`` or, without it,
        ``sqlite:///mlflow.db`` in the working directory.
    experiment : str
        The MLflow experiment the run belongs to (created when missing).
    run_name : str or None
        A name for the run; MLflow picks one when None.
    register_as : str or None
        Register the trained model in the Model Registry under this name.
    aliases : tuple of str
        Aliases given to the registered version (``models:/name@alias``).
    timeout_s : float
        How long the up-front reachability check of a remote store may take.

    Examples
    --------
    >>> TrackingConfig(register_as="unet-line", aliases=["candidate"]).aliases
    ('candidate',)
    """

    enabled: StrictBool = Field(True, description="Track the run in MLflow.")
    tracking_uri: str | None = Field(
        None,
        description="Tracking store; default MLFLOW_TRACKING_URI, else sqlite:///mlflow.db.",
    )
    experiment: str = Field("promethium", min_length=1, description="MLflow experiment.")
    run_name: str | None = Field(None, description="Name of the run (MLflow picks one).")
    register_as: str | None = Field(
        None, min_length=1, description="Register the trained model under this name."
    )
    aliases: tuple[Annotated[str, Field(min_length=1)], ...] = Field(
        (), description="Aliases of the registered version (models:/name@alias)."
    )
    timeout_s: float = Field(
        5.0,
        gt=0,
        le=120,
        description="Timeout of the store's reachability check.",
        json_schema_extra={"unit": "s"},
    )


def resolve_tracking_uri(tracking_uri: str | None = None) -> str:
    """The tracking URI to use: explicit, else ``MLFLOW_TRACKING_URI``, else SQLite.

    A relative SQLite path is made absolute against the working directory now, so
    that a later change of directory does not move the store.

    Examples
    --------
    >>> resolve_tracking_uri("sqlite:////data/runs.db")
    'sqlite:////data/runs.db'
    """
    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI
    path = sqlite_path(uri)
    if path is not None and not path.is_absolute():
        return f"sqlite:///{Path.cwd() / path}"
    return uri


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (None for any other scheme).

    Examples
    --------
    >>> sqlite_path("sqlite:////tmp/runs.db")
    PosixPath('/tmp/runs.db')
    >>> sqlite_path("http://localhost:5000") is None
    True
    """
    if not uri.startswith("sqlite:///"):
        return None
    return Path(uri[len("sqlite:///") :].split("?", 1)[0])


def check_reachable(uri: str, timeout_s: float = 5.0) -> None:
    """Refuse a tracking store that cannot be reached, within `timeout_s` seconds.

    A SQLite store needs an existing, writable folder (the file is created); a
    ``file:`` store an existing folder or one that can be created; a server
    (``http``, ``https``, ``postgresql``, ``mysql``, ``mssql``) must accept a TCP
    connection. Other schemes (e.g. ``databricks``) are left to MLflow.

    Raises
    ------
    ConfigError
        Naming the URI, why it cannot be reached, and how to fix or skip tracking.
    """
    fix = (
        "start the tracking server, set MLFLOW_TRACKING_URI or tracking.tracking_uri to a "
        "reachable store, or turn tracking off (tracking.enabled: false)."
    )
    db = sqlite_path(uri)
    if db is not None:
        folder = db.parent if str(db) else Path.cwd()
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise ConfigError(
                f"tracking URI {uri!r} cannot be reached: the folder {str(folder)!r} of the "
                f"SQLite database does not exist or is not writable; {fix}"
            )
        return
    parts = urlsplit(uri)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme in ("", "file"):
        return
    if scheme not in _DEFAULT_PORTS:
        return
    try:
        host, port = parts.hostname, parts.port or _DEFAULT_PORTS[scheme]
    except ValueError as exc:  # a port that is not a number
        raise ConfigError(f"tracking URI {uri!r} is malformed ({exc}); {fix}") from exc
    if not host:
        raise ConfigError(f"tracking URI {uri!r} names no host; {fix}")
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        raise ConfigError(
            f"tracking URI {uri!r} cannot be reached ({host}:{port}: {exc}) within "
            f"{timeout_s:g} s; {fix}"
        ) from exc
