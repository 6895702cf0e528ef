"""The trainer: AdamW, ReduceLROnPlateau, mixed precision, clipping, early stopping.

Checkpoints every epoch (and every N steps) resume exactly; under torchrun it trains
with DistributedDataParallel.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from promethium.errors import ConfigError
from promethium.train.checkpoint import (
    flatten_optimizer_state,
    latest_checkpoint,
    load_checkpoint,
    restore_optimizer_state,
    save_checkpoint,
)
from promethium.train.config import TrainConfig
from promethium.train.data import Batch, PatchDataset, build_datasets, prefetch
from promethium.train.loop.callbacks import Callback, EpochRecord, StepInfo
from promethium.train.loop.distributed import World, all_reduce_sums, start, stop
from promethium.train.loop.networks import (
    Objective,
    build_network,
    load_initial_weights,
    resolve_precision,
)
from promethium.train.loop.rng import capture_rng, restore_rng
from promethium.train.summary import TrainResult, save_trained_weights, validation_metrics

__all__ = ["RESUMABLE_CHANGES", "Trainer"]

logger = logging.getLogger("promethium.train")

#: Settings a resumed run may change; any other difference is a ConfigError.
RESUMABLE_CHANGES: tuple[str, ...] = (
    "training.epochs",
    "training.device",
    "training.checkpoint_every_steps",
    "training.early_stopping",
    "inference",
    "tracking",
)


@dataclass
class _Progress:
    """The loop's counters: all a checkpoint needs besides tensors."""

    epoch: int = 0
    batch: int = 0
    global_step: int = 0
    sums: dict[str, float] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    best_val_loss: float = math.inf
    best_epoch: int = -1
    bad_epochs: int = 0
    stopped_early: bool = False
    mlflow_run_id: str | None = None  # the tracked run, continued on resume
    wall_time_s: float = 0.0  # training time, summed over resumed sessions


class Trainer:
    """Train the network of a :class:`~promethium.train.config.TrainConfig`.

    Parameters
    ----------
    config : TrainConfig
        The validated configuration.
    resume : bool, optional
        Continue from the latest checkpoint in ``training.output_dir``.
    callbacks : sequence of Callback, optional
        Called on rank 0 (e.g. :class:`~promethium.train.loop.callbacks.ProgressBar`).
    datasets : tuple of PatchDataset, optional
        The training and validation patches, instead of those of ``config.data``
        (fine-tuning on a survey already opened, :mod:`promethium.finetuning`).

    Notes
    -----
    Each step feeds a batch to the network's own loss (a GAN alternates its
    generator and discriminator updates, each with its optimiser); the validation
    loss is the weighted squared error of the inference output (eval mode), the same
    for every architecture, and drives the scheduler, early stopping and the choice
    of the best weights. See ``docs/training.md``.
    """

    def __init__(
        self,
        config: TrainConfig,
        *,
        resume: bool = False,
        callbacks: Sequence[Callback] = (),
        datasets: tuple[PatchDataset, PatchDataset] | None = None,
    ) -> None:
        self.config = config
        self.datasets = datasets
        self.resume = resume
        self.callbacks = list(callbacks)
        self.output_dir = Path(config.training.output_dir)
        self.checkpoints = self.output_dir / "checkpoints"

    def fit(self) -> TrainResult:
        """Train, and return the summary (rank 0's; other ranks get theirs too).

        Raises
        ------
        ConfigError
            For unreadable data, a patch larger than the data, a checkpoint from
            another architecture or configuration, or checkpoints left in
            ``output_dir`` without `resume`.
        """
        world = start(self.config.training.device)
        try:
            return self._fit(world)
        finally:
            stop(world)

    # -- set-up ---------------------------------------------------------------------

    def _setup(self, world: World) -> None:
        cfg, tc = self.config, self.config.training
        self.world = world
        self.train_data, self.val_data = self.datasets or build_datasets(cfg)
        sampling = self.train_data.sampling() if cfg.model.architecture == "pinn" else None
        self.network = build_network(cfg.model, tc.seed)
        # The starting weight set (a resumed run then loads its checkpoint over it).
        self.init_weights = (
            load_initial_weights(self.network, tc.init_weights) if tc.init_weights else None
        )
        self.network = self.network.to(world.device)
        self.precision = resolve_precision(tc.mixed_precision, world.device)
        objective = Objective(self.network, sampling)
        self.model: nn.Module = objective
        if world.distributed:
            from torch.nn.parallel import DistributedDataParallel

            cuda = world.device.startswith("cuda")
            self.model = DistributedDataParallel(
                objective,
                device_ids=[torch.device(world.device).index] if cuda else None,
                find_unused_parameters=cfg.model.architecture == "gan",
            )
        net: Any = self.network
        groups = (
            {"generator": net.generator, "discriminator": net.discriminator}
            if cfg.model.architecture == "gan"
            else {"model": self.network}
        )
        self.parameters = {name: list(m.parameters()) for name, m in groups.items()}
        opt = tc.optimizer
        self.optimizers = {
            name: torch.optim.AdamW(
                params, lr=opt.learning_rate, betas=opt.betas, weight_decay=opt.weight_decay
            )
            for name, params in self.parameters.items()
        }
        sch = tc.scheduler
        self.schedulers = {
            name: torch.optim.lr_scheduler.ReduceLROnPlateau(
                o, mode="min", factor=sch.factor, patience=sch.patience, min_lr=sch.min_lr
            )
            for name, o in self.optimizers.items()
        }
        self.scaler = torch.amp.GradScaler(
            self.precision.device_type, enabled=self.precision.scaled
        )
        self.progress = _Progress()
        random.seed(tc.seed)
        np.random.seed(tc.seed)  # noqa: NPY002 - for third-party code that uses it
        torch.manual_seed(tc.seed + world.rank)
        if self.resume:
            self._restore()
        elif latest_checkpoint(self.checkpoints) is not None:
            raise ConfigError(
                f"training.output_dir {str(self.output_dir)!r} holds checkpoints of an earlier "
                "run; pass --resume to continue it, or choose another output_dir."
            )
        if world.is_main:
            logger.info(
                "training %s on %s (%d process(es)), precision: %s; %d training and %d "
                "validation patches",
                cfg.model.architecture,
                world.device,
                world.size,
                self.precision.describe(),
                len(self.train_data),
                len(self.val_data),
            )

    # -- the loop -------------------------------------------------------------------

    def _fit(self, world: World) -> TrainResult:
        self._setup(world)
        self._clock = time.perf_counter()
        tc, p = self.config.training, self.progress
        n_batches = self.train_data.n_batches(tc.batch_size, world.size, tc.steps_per_epoch)
        self._emit("on_train_start")
        while p.epoch < tc.epochs and not p.stopped_early:
            self._emit("on_epoch_start", p.epoch, n_batches, p.batch)
            self.network.train()
            batches = self.train_data.batches(
                p.epoch,
                tc.batch_size,
                rank=world.rank,
                world_size=world.size,
                max_batches=tc.steps_per_epoch,
                skip=p.batch,
            )
            # closing(): an error in a step stops the prefetching thread at once.
            with contextlib.closing(prefetch(batches)) as stream:
                for batch in stream:
                    self._train_step(batch, n_batches)
            self._end_epoch()
        self._emit("on_train_end")
        return self._finish()

    def _train_step(self, batch: Batch, n_batches: int) -> None:
        """One step, its bookkeeping, a checkpoint when one is due, the callbacks."""
        p, every = self.progress, self.config.training.checkpoint_every_steps
        loss, parts = self._step(batch)
        p.batch += 1
        p.global_step += 1
        n = len(batch.inputs)
        for key, value in {"loss": loss, **parts}.items():
            p.sums[key] = p.sums.get(key, 0.0) + value * n
        p.sums["count"] = p.sums.get("count", 0.0) + n
        if every and p.global_step % every == 0 and p.batch < n_batches:
            self._checkpoint()
        self._emit("on_step_end", StepInfo(p.epoch, p.batch, n_batches, p.global_step, loss, n))

    def _step(self, batch: Batch) -> tuple[float, dict[str, float]]:
        device = self.world.device
        x, y, w = (
            torch.from_numpy(a).to(device) for a in (batch.inputs, batch.target, batch.weight)
        )
        if "generator" in self.optimizers:
            with self.precision.autocast():
                total, parts, prediction = self.model(x, y, w, "generator")
            self._update("generator", total)
            with self.precision.autocast():
                d_total, _, _ = self.model(x, y, w, "discriminator", prediction.detach())
            self._update("discriminator", d_total)
            parts = {**parts, "discriminator": d_total}
        else:
            with self.precision.autocast():
                total, parts, _ = self.model(x, y, w, "loss")
            self._update("model", total)
        self.scaler.update()
        return float(total.detach()), {k: float(v.detach()) for k, v in parts.items()}

    def _update(self, name: str, loss: torch.Tensor) -> None:
        optimizer = self.optimizers[name]
        optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        clip = self.config.training.grad_clip
        if clip is not None:
            self.scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(self.parameters[name], clip)
        self.scaler.step(optimizer)

    def _validate(self) -> float:
        self.network.eval()
        model: Any = self.model.module if self.world.distributed else self.model
        err = weight = 0.0
        with torch.no_grad(), self.precision.autocast():
            for batch in self.val_data.batches(
                0, self.config.training.batch_size, rank=self.world.rank, world_size=self.world.size
            ):
                x, y, w = (
                    torch.from_numpy(a).to(self.world.device)
                    for a in (batch.inputs, batch.target, batch.weight)
                )
                _, _, out = model(x, y, w, "eval")
                err += float((w * (out.float() - y).square()).sum())
                weight += float(w.sum())
        err, weight = all_reduce_sums([err, weight], self.world)
        if weight == 0.0:
            raise ConfigError(
                "the validation data have no live samples to score (every patch is silent "
                "or dead); give validation data with recorded traces."
            )
        return err / weight

    def _end_epoch(self) -> None:
        p, tc = self.progress, self.config.training
        keys = sorted(p.sums)
        totals = dict(zip(keys, all_reduce_sums([p.sums[k] for k in keys], self.world)))
        count = totals.pop("count", 0.0) or 1.0
        train_loss = totals.pop("loss", math.nan) / count
        val_loss = self._validate()
        lr = float(next(iter(self.optimizers.values())).param_groups[0]["lr"])
        for scheduler in self.schedulers.values():
            scheduler.step(val_loss)
        parts = {k: v / count for k, v in totals.items()}
        record = EpochRecord(p.epoch, train_loss, val_loss, lr, parts)
        p.history.append(record.as_dict())
        stopping = tc.early_stopping
        if val_loss < p.best_val_loss - stopping.min_delta:
            p.bad_epochs = 0
        else:
            p.bad_epochs += 1
        if val_loss < p.best_val_loss:
            p.best_val_loss, p.best_epoch = val_loss, p.epoch
            if self.world.is_main:
                save_trained_weights(self, "best", record)
        p.stopped_early = stopping.enable and p.bad_epochs >= stopping.patience
        p.epoch, p.batch, p.sums = p.epoch + 1, 0, {}
        self._checkpoint()
        self._emit("on_epoch_end", record)

    def _finish(self) -> TrainResult:
        p = self.progress
        metrics: dict[str, float] = {}
        weights = self.output_dir / "weights" / "best.safetensors"
        last = self.output_dir / "weights" / "last.safetensors"
        if self.world.distributed:
            # Parameters agree on every rank (DDP averages gradients); buffers such as
            # batch-norm statistics are rank 0's at each forward: make them agree too.
            for buffer in self.network.buffers():
                torch.distributed.broadcast(buffer, src=0)
        if self.world.is_main:
            if p.history:
                save_trained_weights(self, "last", None)
                metrics = validation_metrics(self, weights)
        if self.world.distributed:
            torch.distributed.barrier()
        return TrainResult(
            best_epoch=p.best_epoch,
            best_val_loss=p.best_val_loss,
            epochs_run=len(p.history),
            stopped_early=p.stopped_early,
            history=list(p.history),
            weights=weights,
            last_weights=last,
            metrics=metrics,
            precision=self.precision.describe(),
            device=self.world.device,
            global_step=p.global_step,
            world_size=self.world.size,
            wall_time_s=p.wall_time_s,
        )

    def _emit(self, event: str, *args: Any) -> None:
        if self.world.is_main:
            for callback in self.callbacks:
                getattr(callback, event)(self, *args)

    # -- checkpoints ----------------------------------------------------------------

    def _tick(self) -> None:
        """Add the time since the last tick to the run's wall time."""
        now = time.perf_counter()
        self.progress.wall_time_s += now - self._clock
        self._clock = now

    def _checkpoint(self) -> None:
        self._tick()
        if not self.world.is_main:
            return
        tensors = {f"model.{k}": v for k, v in self.network.state_dict().items()}
        optimizers = {}
        for name, optimizer in self.optimizers.items():
            opt_tensors, plain = flatten_optimizer_state(optimizer.state_dict(), f"opt_{name}")
            tensors.update(opt_tensors)
            optimizers[name] = plain
        rng_tensors, rng_plain = capture_rng()
        tensors.update(rng_tensors)
        p = self.progress
        state = {
            "config": self.config.model_dump(mode="json"),
            "progress": {k: getattr(p, k) for k in p.__dataclass_fields__},
            "optimizers": optimizers,
            "schedulers": {k: s.state_dict() for k, s in self.schedulers.items()},
            "scaler": self.scaler.state_dict(),
            "rng": rng_plain,
        }
        save_checkpoint(self.checkpoints, p.global_step, tensors, state)

    def _restore(self) -> None:
        folder = latest_checkpoint(self.checkpoints)
        if folder is None:
            raise ConfigError(
                f"--resume: training.output_dir {str(self.output_dir)!r} holds no checkpoint; "
                "start without --resume."
            )
        tensors, state = load_checkpoint(folder)
        self._check_same_run(state["config"], folder)
        model_state = {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}
        self.network.load_state_dict(model_state, strict=True)
        for name, optimizer in self.optimizers.items():
            optimizer.load_state_dict(
                restore_optimizer_state(tensors, state["optimizers"][name], f"opt_{name}")
            )
        for name, scheduler in self.schedulers.items():
            scheduler.load_state_dict(state["schedulers"][name])
        if state["scaler"]:
            self.scaler.load_state_dict(state["scaler"])
        restore_rng(tensors, state["rng"])
        self.progress = _Progress(**state["progress"])
        if self.world.is_main:
            logger.info("resumed from %s (step %d)", folder, self.progress.global_step)

    def _check_same_run(self, saved: dict[str, Any], folder: Path) -> None:
        current = self.config.model_dump(mode="json")
        if saved["model"] != current["model"]:
            raise ConfigError(
                f"checkpoint {str(folder)!r} was written for model "
                f"{saved['model']['architecture']!r} with params {saved['model']['params']}; "
                f"this config trains {current['model']['architecture']!r} with params "
                f"{current['model']['params']}. Resume with the config the run started "
                "with, or choose another training.output_dir."
            )
        changed = [
            key
            for key in _differences(saved, current)
            if not any(key == k or key.startswith(k + ".") for k in RESUMABLE_CHANGES)
        ]
        if changed:
            raise ConfigError(
                f"checkpoint {str(folder)!r} was written with another configuration: "
                f"{changed} differ. Only {list(RESUMABLE_CHANGES)} may change on resume."
            )


def _differences(a: Any, b: Any, prefix: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b))
        return [d for k in keys for d in _differences(a.get(k), b.get(k), f"{prefix}{k}.")]
    return [] if a == b else [prefix.rstrip(".")]
