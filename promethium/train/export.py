"""Export a training run's best weights as a shippable weight set.

``promethium train --config C --export DIR`` (or :func:`export_weights`) writes
``DIR/<name>.safetensors`` and its sidecar ``DIR/<name>.json``: the sidecar of
:func:`~promethium.ml.weights.save_weights` plus ``recipe`` (the whole training
configuration), ``data`` (what the network was trained on), ``metrics`` (the
validation numbers; benchmark numbers are added by ``benchmarks/pretrained_eval.py``)
and ``trained_on`` (machine, wall time, torch version, device, precision). This is
the format of the weights Promethium ships (:mod:`promethium.models.networks.pretrained`).
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promethium.core import strict_json

if TYPE_CHECKING:
    from promethium.train.config import TrainConfig
    from promethium.train.summary import TrainResult

__all__ = ["export_weights", "machine", "update_sidecar"]


def machine() -> dict[str, Any]:
    """The machine this process runs on: CPU model, cores, platform, torch threads.

    Examples
    --------
    >>> sorted(machine())
    ['cores', 'cpu', 'platform', 'python']
    """
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 1,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def update_sidecar(path: Path, values: Mapping[str, Any]) -> dict[str, Any]:
    """Merge `values` into the top level of the sidecar of weights `path`, atomically.

    The weights file (and so its sha256) is untouched; nested mappings are merged one
    level deep (``metrics`` keeps its other entries).
    """
    from promethium.ml.weights import read_sidecar, sidecar_path

    info = read_sidecar(path)
    for key, value in values.items():
        old = info.get(key)
        if isinstance(old, dict) and isinstance(value, Mapping):
            info[key] = {**old, **value}
        else:
            info[key] = value
    from promethium.io.atomic import staged

    with staged(sidecar_path(path)) as tmp:
        tmp.write_text(strict_json.dumps(info, indent=2, sort_keys=True) + "\n")
    return info


def export_weights(
    result: TrainResult,
    config: TrainConfig,
    directory: str | Path,
    *,
    name: str | None = None,
    recipe: str | None = None,
) -> Path:
    """Write the best weights of `result` as ``<directory>/<name>.safetensors`` + sidecar.

    Parameters
    ----------
    result : TrainResult
        The finished run (its ``weights`` are the best epoch's).
    config : TrainConfig
        The configuration it ran with (the ``recipe``).
    directory : str or path-like
        Where to write; created if needed.
    name : str, optional
        File name stem; the architecture by default.
    recipe : str, optional
        The recipe file the run came from, recorded beside the configuration.

    Returns
    -------
    pathlib.Path
        The ``.safetensors`` file written.

    Raises
    ------
    ConfigError
        If the run left no best weights (no epoch completed).
    """
    import torch

    from promethium.errors import ConfigError
    from promethium.ml.weights import load_weights, save_weights
    from promethium.train.loop.networks import network_class

    if not Path(result.weights).is_file():
        raise ConfigError(
            f"the run left no best weights at {str(result.weights)!r} (no epoch completed); "
            "train at least one epoch before exporting."
        )
    architecture = config.model.architecture
    state, info = load_weights(result.weights)
    network = network_class(architecture)(**config.model.params)
    network.load_state_dict(state, strict=True)
    target = Path(directory) / f"{name or architecture}.safetensors"
    save_weights(
        network,
        target,
        config=config.model.params,
        metadata=info.get("metadata") or {},
        architecture=architecture,
    )
    data = config.data.model_dump(mode="json")
    update_sidecar(
        target,
        {
            "recipe": {"file": recipe, "config": config.model_dump(mode="json")},
            "data": {
                "source": "synthetic" if config.data.synthetic is not None else "files",
                **data,
            },
            "metrics": {
                "validation": dict(result.metrics),
                "best_epoch": result.best_epoch,
                "best_val_loss": result.best_val_loss,
            },
            "trained_on": {
                **machine(),
                "device": result.device,
                "precision": result.precision,
                "torch_threads": torch.get_num_threads(),
                "torch_version": torch.__version__,
                "wall_time_s": round(result.wall_time_s, 2),
                "epochs": result.epochs_run,
                "steps": result.global_step,
            },
            "init_weights": (info.get("metadata") or {}).get("init_weights"),
        },
    )
    return target
