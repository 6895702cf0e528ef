"""Weights as data: safetensors plus a JSON sidecar, verified by sha256.

``model.safetensors`` holds the state dict; ``model.json`` beside it records the
architecture, its config, the Promethium and torch versions, the file's sha256 and
any training information or metrics. Loading verifies the hash and never unpickles; a
plain torch checkpoint (``.pt``/``.pth``/``.ckpt``) is read with
``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promethium.core import strict_json
from promethium.errors import ConfigError, PluginError

if TYPE_CHECKING:
    import torch

    from promethium.typing import PathType

__all__ = [
    "CHECKPOINT_SUFFIXES",
    "load_weights",
    "read_sidecar",
    "save_weights",
    "sha256_file",
    "sidecar_path",
    "weights_sha256",
]

#: File suffixes read as plain torch checkpoints (``torch.load(weights_only=True)``).
CHECKPOINT_SUFFIXES: tuple[str, ...] = (".pt", ".pth", ".ckpt")
_FORMAT = "promethium.weights"


def sha256_file(path: PathType) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB pieces.

    Cached per process by (resolved path, inode, size, modification and change
    times), so hashing the same large weights file again (one reconstruction after
    another) is free; a rewritten or replaced file is hashed again.
    :func:`load_weights` never uses the cache: it verifies the bytes it reads.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "w.bin"
    >>> _ = p.write_bytes(b"weights")
    >>> sha256_file(p)[:12]
    '9a129038d9a0'
    """
    path = Path(path).resolve()
    st = path.stat()
    return _cached_sha256(str(path), (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))


@functools.lru_cache(maxsize=64)
def _cached_sha256(path: str, version: tuple[int, ...]) -> str:
    return _sha256(path)


def _sha256(path: PathType) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for piece in iter(lambda: f.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


def sidecar_path(path: PathType) -> Path:
    """The JSON sidecar beside a weights file: same name, ``.json`` suffix."""
    return Path(path).with_suffix(".json")


def _json_or_raise(value: Any, what: str) -> Any:
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{what} must be JSON-serializable to be saved with the weights ({exc}); "
            "convert paths, arrays and other objects to strings, numbers and lists."
        ) from exc


def _atomic_write(path: Path, write: Any) -> None:
    from promethium.io.atomic import staged

    with staged(path) as tmp:
        write(str(tmp))


def save_weights(
    module: torch.nn.Module,
    path: PathType,
    *,
    config: Mapping[str, Any],
    metadata: Mapping[str, Any] | None = None,
    architecture: str | None = None,
) -> Path:
    """Save a module's state dict as safetensors with a JSON sidecar.

    Parameters
    ----------
    module : torch.nn.Module
        The network whose ``state_dict()`` is saved (moved to the CPU).
    path : str or path-like
        Target ``.safetensors`` file; the sidecar is written beside it as ``.json``.
    config : Mapping
        The keyword arguments that rebuild the network; JSON-serializable.
    metadata : Mapping, optional
        Training information, data description, metrics; JSON-serializable.
    architecture : str, optional
        Name of the architecture; default ``module:QualifiedClassName`` of `module`.

    Returns
    -------
    pathlib.Path
        The safetensors file written.

    Raises
    ------
    ConfigError
        If `path` does not end in ``.safetensors``, or `config`/`metadata` cannot be
        written as JSON (nothing is written then).

    Examples
    --------
    >>> import torch, tempfile, pathlib
    >>> net = torch.nn.Conv2d(2, 1, 1)
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "net.safetensors"
    >>> _ = save_weights(net, p, config={"kernel": 1})
    >>> sorted(load_weights(p)[0])
    ['bias', 'weight']
    """
    from safetensors.torch import save_file

    path = Path(path)
    if path.suffix != ".safetensors":
        raise ConfigError(
            f"weights are saved as safetensors; the path must end in '.safetensors', got "
            f"{str(path)!r}."
        )
    config = _json_or_raise(dict(config), "config")
    metadata = _json_or_raise(dict(metadata or {}), "metadata")
    cls = type(module)
    architecture = architecture or f"{cls.__module__}:{cls.__qualname__}"
    # Clone so tied or strided tensors are saved as plain, independent tensors.
    state = {k: v.detach().cpu().contiguous().clone() for k, v in module.state_dict().items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, lambda tmp: save_file(state, tmp, metadata={"architecture": architecture}))
    sidecar = {
        "format": _FORMAT,
        "format_version": 1,
        "architecture": architecture,
        "config": config,
        "file": path.name,
        "sha256": _sha256(path),
        "promethium_version": _version("promethium"),
        "torch_version": _version("torch"),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "metadata": metadata,
    }
    text = strict_json.dumps(sidecar, indent=2, sort_keys=True) + "\n"
    _atomic_write(sidecar_path(path), lambda tmp: Path(tmp).write_text(text))
    return path


def read_sidecar(path: PathType) -> dict[str, Any]:
    """Read the JSON sidecar of a weights file (or the sidecar itself).

    Raises
    ------
    PluginError
        If the sidecar is missing or not a Promethium weights sidecar.
    """
    side = sidecar_path(path)
    if not side.is_file():
        raise PluginError(
            f"weights {str(path)!r} have no JSON sidecar {str(side)!r} recording their "
            "sha256 and config; save them with promethium.ml.save_weights."
        )
    try:
        info = json.loads(side.read_text())
    except ValueError as exc:
        raise PluginError(f"weights sidecar {str(side)!r} is not valid JSON: {exc}.") from exc
    if not isinstance(info, dict) or info.get("format") != _FORMAT or "sha256" not in info:
        raise PluginError(
            f"{str(side)!r} is not a Promethium weights sidecar (no format "
            f"{_FORMAT!r} with a sha256); save the weights with promethium.ml.save_weights."
        )
    return info


def _named_file(path: PathType) -> Path:
    """The weights file `path` names (a ``.json`` sidecar names its file); must exist."""
    path = Path(path)
    if path.suffix == ".json":
        name = read_sidecar(path).get("file") or path.with_suffix(".safetensors").name
        if not isinstance(name, str) or Path(name).name != name or name in (".", ".."):
            raise PluginError(
                f"weights sidecar {str(path)!r} names the file {name!r}, which is not a "
                "plain file name in the sidecar's folder; a sidecar may only name a file "
                "beside it."
            )
        path = path.with_name(name)
    if not path.is_file():
        raise ConfigError(f"weights file {str(path)!r} does not exist.")
    return path


def _weights_file(path: PathType) -> Path:
    path = _named_file(path)
    if path.suffix != ".safetensors" and path.suffix not in CHECKPOINT_SUFFIXES:
        raise ConfigError(
            f"weights file {str(path)!r} must be '.safetensors' (with a '.json' sidecar) or "
            f"a plain torch checkpoint {CHECKPOINT_SUFFIXES}."
        )
    return path


def weights_sha256(path: PathType) -> str:
    """The sha256 of the weights file that `path` names, computed from its bytes.

    This is the hash recorded in provenance and used to identify a model in the dask
    graph. A ``.json`` sidecar names its weights file; the hash the sidecar records is
    *not* trusted here (:func:`load_weights` checks it against this one).

    Parameters
    ----------
    path : str or path-like
        A weights file of any format, or a ``.json`` sidecar.

    Returns
    -------
    str
        Hex sha256 (see :func:`sha256_file`, cached per process).

    Raises
    ------
    ConfigError
        If the file does not exist.
    PluginError
        If a ``.json`` path is not a Promethium weights sidecar.
    """
    return sha256_file(_named_file(path))


def load_weights(
    path: PathType, *, expected_sha256: str | None = None
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Load a state dict, verifying its sha256; never unpickles.

    Parameters
    ----------
    path : str or path-like
        A ``.safetensors`` file (or its ``.json`` sidecar), or a plain torch
        checkpoint ``.pt``/``.pth``/``.ckpt`` holding a state dict (optionally under
        ``"state_dict"``, ``"model_state_dict"`` or ``"model"``).
    expected_sha256 : str, optional
        The sha256 the file must have, e.g. the one recorded when a model was built
        (and written to the provenance): a file replaced since is refused.

    Returns
    -------
    state_dict : dict of str to torch.Tensor
        On the CPU.
    info : dict
        The sidecar (an empty dict for a checkpoint without one).

    Raises
    ------
    ConfigError
        If the file does not exist or has an unknown suffix.
    PluginError
        If the sidecar is missing (safetensors) or names a file outside its folder,
        the sha256 does not match the sidecar's or `expected_sha256`, the safetensors
        file is corrupt, or a checkpoint holds anything but tensors.
    """
    path = _weights_file(path)
    has_sidecar = path.suffix == ".safetensors" or sidecar_path(path).is_file()
    info = read_sidecar(path) if has_sidecar else {}
    actual = _sha256(path) if info or expected_sha256 else ""
    if expected_sha256 and actual != expected_sha256:
        raise PluginError(
            f"weights file {str(path)!r} has sha256 {actual}, but the model was built "
            f"with {expected_sha256}: the file was replaced since. Build the model again "
            "(promethium.ml.clear_model_cache() and a new reconstruct) to use the new file."
        )
    if info:
        if actual != info["sha256"]:
            raise PluginError(
                f"weights file {str(path)!r} has sha256 {actual}, but its sidecar "
                f"{str(sidecar_path(path))!r} records {info['sha256']}: the file is "
                "corrupt or was replaced. Re-download it or save it again with "
                "promethium.ml.save_weights."
            )
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            return load_file(str(path), device="cpu"), info
        # safetensors raises its own SafetensorError, or OSError/ValueError, on a
        # truncated or garbled file: all mean the same for the user.
        except Exception as exc:
            raise PluginError(
                f"weights file {str(path)!r} is not a readable safetensors file ({exc}); "
                "re-download it or save it again with promethium.ml.save_weights."
            ) from exc
    return _load_checkpoint(path), info


def _load_checkpoint(path: Path) -> dict[str, torch.Tensor]:
    import pickle

    import torch

    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError) as exc:
        raise PluginError(
            f"checkpoint {str(path)!r} cannot be read safely with "
            f"torch.load(weights_only=True): {exc}. Save a plain state dict, or convert "
            "it with promethium.ml.save_weights."
        ) from exc
    if isinstance(obj, Mapping):
        for key in ("state_dict", "model_state_dict", "model"):
            if isinstance(obj.get(key), Mapping):
                obj = obj[key]
                break
    if not isinstance(obj, Mapping) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()
    ):
        raise PluginError(
            f"checkpoint {str(path)!r} does not hold a state dict (a mapping of names to "
            "tensors); save model.state_dict() instead."
        )
    return dict(obj)


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "0+unknown"
