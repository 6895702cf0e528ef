"""Checkpoints as data: tensors in safetensors, everything else in JSON, written atomically.

A checkpoint is a folder ``<output_dir>/checkpoints/step-00000012/`` holding
``state.safetensors`` (model and optimiser tensors, the torch and numpy random
states) and ``state.json`` (configuration, counters, optimiser hyper-parameters,
scheduler and gradient-scaler states, the Python random state, the sha256 of the
tensors). It is written into a temporary folder and moved into place, then the
``latest`` file (itself replaced atomically) names it, both through
:func:`promethium.io.atomic.staged`: a crash at any moment leaves the previous
checkpoint intact and named, and the temporary path of a killed save is removed by the
next save of the same step. Nothing is pickled, so loading runs no code.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promethium.core import strict_json
from promethium.errors import ConfigError
from promethium.io.atomic import staged

if TYPE_CHECKING:
    import torch

__all__ = [
    "CHECKPOINT_FORMAT",
    "flatten_optimizer_state",
    "latest_checkpoint",
    "load_checkpoint",
    "restore_optimizer_state",
    "save_checkpoint",
]

#: The ``format`` recorded in ``state.json``.
CHECKPOINT_FORMAT = "promethium.checkpoint"
_TENSORS, _STATE, _LATEST = "state.safetensors", "state.json", "latest"
_KEEP = 2


def _atomic_text(path: Path, text: str) -> None:
    with staged(path) as tmp, open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def save_checkpoint(
    root: Path, step: int, tensors: Mapping[str, torch.Tensor], state: Mapping[str, Any]
) -> Path:
    """Write a checkpoint of `step` under `root` and point ``latest`` at it.

    Parameters
    ----------
    root : pathlib.Path
        The checkpoints folder (created if needed).
    step : int
        The cumulative optimiser step, which names the checkpoint.
    tensors : Mapping of str to torch.Tensor
        Saved with safetensors (copied to the CPU, contiguous).
    state : Mapping
        JSON-serialisable values (non-finite floats allowed).

    Returns
    -------
    pathlib.Path
        The checkpoint folder. Older checkpoints beyond the last two are removed.
    """
    from safetensors.torch import save_file

    from promethium.ml.weights import sha256_file

    name = f"step-{step:08d}"
    final = root / name
    with staged(final) as tmp:
        tmp.mkdir()
        plain = {k: v.detach().cpu().contiguous().clone() for k, v in tensors.items()}
        save_file(plain, str(tmp / _TENSORS))
        record = {
            "format": CHECKPOINT_FORMAT,
            "format_version": 1,
            "sha256": sha256_file(tmp / _TENSORS),
            **state,
        }
        text = strict_json.dumps(record, nonfinite="tagged", indent=1, sort_keys=True)
        (tmp / _STATE).write_text(text + "\n")
    _atomic_text(root / _LATEST, name + "\n")
    for old in sorted(root.glob("step-*"))[:-_KEEP]:
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(root: Path) -> Path | None:
    """The checkpoint that ``latest`` names under `root`, or None if there is none."""
    pointer = root / _LATEST
    if not pointer.is_file():
        return None
    folder = root / pointer.read_text().strip()
    return folder if (folder / _STATE).is_file() else None


def load_checkpoint(folder: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read a checkpoint folder, verifying the sha256 of its tensors.

    Returns
    -------
    tensors : dict of str to torch.Tensor
        On the CPU.
    state : dict
        The JSON record.

    Raises
    ------
    ConfigError
        If the folder is not a Promethium checkpoint or its tensors do not match
        their recorded sha256.
    """
    from safetensors.torch import load_file

    from promethium.ml.weights import sha256_file

    try:
        state = strict_json.loads((folder / _STATE).read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{str(folder)!r} is not a readable checkpoint: {exc}.") from exc
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ConfigError(f"{str(folder)!r} is not a Promethium training checkpoint.")
    if sha256_file(folder / _TENSORS) != state["sha256"]:
        raise ConfigError(
            f"checkpoint {str(folder)!r}: {_TENSORS} does not match its recorded sha256; "
            "the file is corrupt. Resume from an earlier checkpoint or start again."
        )
    return load_file(str(folder / _TENSORS), device="cpu"), state


def flatten_optimizer_state(
    state_dict: Mapping[str, Any], prefix: str
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Split an optimiser's ``state_dict()`` into tensors and JSON values.

    Examples
    --------
    >>> import torch
    >>> p = torch.nn.Parameter(torch.ones(2))
    >>> opt = torch.optim.AdamW([p])
    >>> p.grad = torch.ones(2); opt.step()
    >>> tensors, plain = flatten_optimizer_state(opt.state_dict(), "opt")
    >>> sorted(tensors)
    ['opt.0.exp_avg', 'opt.0.exp_avg_sq', 'opt.0.step']
    """
    import torch

    tensors: dict[str, torch.Tensor] = {}
    plain: dict[str, dict[str, Any]] = {}
    for pid, values in state_dict["state"].items():
        for key, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{prefix}.{pid}.{key}"] = value
            else:
                plain.setdefault(str(pid), {})[key] = value
    return tensors, {"param_groups": state_dict["param_groups"], "state": plain}


def restore_optimizer_state(
    tensors: Mapping[str, torch.Tensor], plain: Mapping[str, Any], prefix: str
) -> dict[str, Any]:
    """Rebuild the ``state_dict()`` that :func:`flatten_optimizer_state` split."""
    state: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        head, _, rest = name.partition(".")
        if head != prefix:
            continue
        pid, _, key = rest.partition(".")
        state.setdefault(int(pid), {})[key] = value
    for pid, values in plain["state"].items():
        state.setdefault(int(pid), {}).update(values)
    return {"state": state, "param_groups": plain["param_groups"]}
