"""The weight sets shipped with Promethium, pinned by sha256.

Each built-in network with trained weights has ``pretrained/<name>.safetensors`` and
its JSON sidecar ``pretrained/<name>.json`` as package data: the architecture, its
config (the shipped widths), the training ``recipe`` (the configuration it was
trained with), the ``data`` it saw (synthetic and finite-difference modelled only),
its ``metrics`` (validation and benchmark numbers) and where it was ``trained_on``.
:data:`PRETRAINED` pins each file's sha256 here, in the code, so a file replaced or
corrupted after installation is refused rather than run.

This module imports no torch: it only finds, hashes and reads files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from promethium.errors import PluginError

__all__ = ["PRETRAINED", "pretrained_info", "pretrained_root", "pretrained_weights"]

#: The shipped weight sets: network name -> sha256 of ``pretrained/<name>.safetensors``.
PRETRAINED: Mapping[str, str] = {
    "unet": "179bc288b896af76620111a479aed45c9ad300d860cf0f0c40e0397e25adbe21",
    "attention_unet": "df7f3a71eaff1d928160dd8d762f51d0d74f7b9116009711182725c7aa4a7164",
    "residual_unet": "73c737b2b2c6bccaa9f6747cedf9e56cf40467cffd97a6219c7fb9cd0b13a1d5",
    "vae": "f998075dbea0267d0bf35b865363407a762aee02ccbe98a060208d1f59ac4777",
    "gan": "74e6525721afcef91def740cbfafb886948e570f0dfc95933886f23a952a62d2",
    "pinn": "8e63c79f90b68efae21c4985686e158d7555f5994da1d2d6e7e6967fd0810c9a",
}


def pretrained_root() -> Path:
    """The package-data folder that holds the shipped weight sets."""
    return Path(str(resources.files("promethium.models.networks") / "pretrained"))


def pretrained_weights(
    name: str, *, table: Mapping[str, str] | None = None, root: Path | None = None
) -> Path | None:
    """The shipped weights of network `name`, verified against their pinned sha256.

    Parameters
    ----------
    name : str
        A network name, e.g. ``"unet"``.
    table : Mapping of str to str, optional
        Name -> sha256 to look in; :data:`PRETRAINED` by default.
    root : pathlib.Path, optional
        The folder of the files; :func:`pretrained_root` by default.

    Returns
    -------
    pathlib.Path or None
        ``<root>/<name>.safetensors``, or None when no weights ship for `name`.

    Raises
    ------
    PluginError
        If the file is missing or its sha256 differs from the pinned one (the
        installation is damaged: reinstall Promethium).

    Examples
    --------
    >>> pretrained_weights("no-such-network") is None
    True
    """
    from promethium.ml.weights import sha256_file

    table = PRETRAINED if table is None else table
    expected = table.get(name)
    if expected is None:
        return None
    path = (pretrained_root() if root is None else root) / f"{name}.safetensors"
    if not path.is_file() or not path.with_suffix(".json").is_file():
        raise PluginError(
            f"the shipped weights of {name!r} are missing: {str(path)!r} (or its .json "
            "sidecar) does not exist. The installation is incomplete; reinstall "
            "Promethium (pip install --force-reinstall promethium)."
        )
    actual = sha256_file(path)
    if actual != expected:
        raise PluginError(
            f"the shipped weights of {name!r} in {str(path)!r} have sha256 {actual}, but "
            f"Promethium pins {expected}: the file is corrupt or was replaced. Reinstall "
            "Promethium (pip install --force-reinstall promethium)."
        )
    return path


def pretrained_info(
    name: str, *, table: Mapping[str, str] | None = None, root: Path | None = None
) -> dict[str, Any] | None:
    """The sidecar of the shipped weights of `name` (None when none ship).

    Reads the JSON only: the weights file is not hashed (see
    :func:`pretrained_weights`, which is what loading uses).

    Examples
    --------
    >>> pretrained_info("no-such-network") is None
    True
    """
    table = PRETRAINED if table is None else table
    if name not in table:
        return None
    side = (pretrained_root() if root is None else root) / f"{name}.json"
    try:
        info = json.loads(side.read_text())
    except (OSError, ValueError) as exc:
        raise PluginError(
            f"the sidecar of the shipped weights of {name!r} ({str(side)!r}) cannot be "
            f"read: {exc}. Reinstall Promethium (pip install --force-reinstall promethium)."
        ) from exc
    if not isinstance(info, dict):
        raise PluginError(f"{str(side)!r} is not a weights sidecar; reinstall Promethium.")
    return info
