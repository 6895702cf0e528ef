"""Processes under ``torchrun``: the process group, this process's rank and device.

``torchrun --nproc_per_node=N -m promethium.train ...`` sets ``WORLD_SIZE``,
``RANK`` and ``LOCAL_RANK``; :func:`start` then joins the process group (NCCL on
CUDA, gloo on the CPU). Without them training runs in one process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from promethium.errors import ConfigError

__all__ = ["World", "all_reduce_sums", "start", "stop"]


@dataclass(frozen=True)
class World:
    """Where this process stands among the training processes.

    Attributes
    ----------
    rank, size : int
        Global rank and number of processes (0 and 1 without torchrun).
    device : str
        The device this process trains on.
    """

    rank: int
    size: int
    device: str

    @property
    def distributed(self) -> bool:
        """Whether several processes train together."""
        return self.size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the only process that logs and writes."""
        return self.rank == 0


def start(device: str) -> World:
    """Join the process group when run under torchrun; resolve this process's device.

    Parameters
    ----------
    device : str
        The ``training.device`` option (``auto``, ``cpu``, ``cuda``, ``cuda:N``).

    Raises
    ------
    ConfigError
        For an unknown device, or CUDA asked for where there is none.
    """
    from promethium.ml.device import resolve_device

    resolved = resolve_device(device)
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return World(0, 1, resolved)
    rank = int(os.environ["RANK"])
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if resolved.startswith("cuda"):
        if local >= torch.cuda.device_count():
            raise ConfigError(
                f"torchrun started {size} processes but this node has "
                f"{torch.cuda.device_count()} CUDA device(s); use --nproc_per_node <= that."
            )
        resolved = f"cuda:{local}"
        torch.cuda.set_device(local)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if resolved.startswith("cuda") else "gloo")
    return World(rank, size, resolved)


def stop(world: World) -> None:
    """Leave the process group (if this process joined one)."""
    if world.distributed and dist.is_initialized():
        dist.destroy_process_group()


def all_reduce_sums(values: list[float], world: World) -> list[float]:
    """Sum `values` over every process (float64); the same list without torchrun."""
    if not world.distributed:
        return list(values)
    backend_device = world.device if world.device.startswith("cuda") else "cpu"
    tensor = torch.tensor(values, dtype=torch.float64, device=backend_device)
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return [float(v) for v in tensor.cpu()]
