"""Training patches: cut, masked, normalised and augmented exactly as inference sees them.

The patch engine (:mod:`promethium.ml.block`) feeds a network ``(B, 2, Pt, Pv)``:
channel 0 the patch divided by the RMS of its live samples (missing traces 0),
channel 1 the live-trace mask; a network with ``in_channels=1`` reads channel 0. A
:class:`PatchDataset` builds the same inputs from complete data by removing traces
with a random mask, and the target is the complete patch divided by the same RMS.

Every random choice (patch order, mask, augmentation) is drawn from a generator
seeded by ``(seed, epoch, patch)``: the batches of an epoch are a pure function of the
configuration and the epoch, whatever was run before, so a resumed run sees exactly
the batches an uninterrupted one would.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from promethium.errors import ConfigError
from promethium.train.config import GapMask, RandomMask, RegularMask
from promethium.train.sources import Source, file_sources, synthetic_sources

if TYPE_CHECKING:
    from promethium.models.networks.sampling import Sampling
    from promethium.train.config import TrainConfig

__all__ = ["Batch", "PatchDataset", "build_datasets", "patch_starts", "prefetch"]

ItemT = TypeVar("ItemT")

_TRAIN = 0


@dataclass(frozen=True)
class Batch:
    """A batch of patches as float32 arrays.

    Attributes
    ----------
    inputs : numpy.ndarray
        ``(B, in_channels, Pt, Pv)``: normalised masked data (and the live mask).
    target : numpy.ndarray
        ``(B, 1, Pt, Pv)``: the complete patch, same normalisation.
    weight : numpy.ndarray
        ``(B, 1, Pt, Pv)``: 1 where the target is known and scored, else 0.
    missing : numpy.ndarray
        ``(B, Pt)`` bool: the recorded traces the mask removed (scored by the metrics).
    """

    inputs: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    missing: np.ndarray


def patch_starts(size: int, patch: int, stride: int) -> np.ndarray:
    """Starts of patches of `patch` at `stride` covering ``[0, size)``; the last ends at `size`.

    Examples
    --------
    >>> patch_starts(10, 4, 3).tolist()
    [0, 3, 6]
    >>> patch_starts(11, 4, 3).tolist()
    [0, 3, 6, 7]
    """
    starts = np.arange(0, size - patch + 1, stride)
    if starts[-1] + patch < size:
        starts = np.append(starts, size - patch)
    return starts


class PatchDataset:
    """The patches of a set of sources, made into batches (see the module docstring).

    Parameters
    ----------
    sources : list of Source
        The panels.
    config : TrainConfig
        ``data`` (patch size, stride, masks, augmentation), ``training`` (seed,
        ``loss_on``) and the model's input channels.
    split : {"train", "val"}
        Training patches are shuffled and augmented each epoch; validation patches
        keep their order, and their masks are the same every epoch.
    key : str
        The configuration key of the sources, for messages.

    Notes
    -----
    A source with :attr:`~promethium.train.sources.Source.hidden` traces (a
    validation holdout) has those traces removed from the input and scored in every
    patch, instead of a mask drawn from ``data.masks``.

    Raises
    ------
    ConfigError
        If a panel is smaller than ``data.patch_size``, or a gap mask cannot fit in a
        patch.
    """

    def __init__(self, sources: list[Source], config: TrainConfig, split: str, key: str) -> None:
        self.sources = sources
        self.patch = config.data.patch_size
        self.masks = config.data.masks
        self.augmentation = config.data.augmentation
        self.seed = config.training.seed
        self.loss_on = config.training.loss_on
        self.in_channels = config.model.in_channels
        self.split = split
        pt, pv = self.patch
        rows = []
        for s, source in enumerate(sources):
            nt, nv = source.panel_shape
            if nt < pt or nv < pv:
                raise ConfigError(
                    f"data.patch_size={list(self.patch)} is larger than the panels "
                    f"({nt} traces x {nv} samples) of {source.name!r} in {key}; use a "
                    "patch_size of at most the panel size."
                )
            st = patch_starts(nt, pt, config.data.stride[0])
            sv = patch_starts(nv, pv, config.data.stride[1])
            for panel in range(int(np.prod(source.panels, dtype=np.int64))):
                grid = np.stack(np.meshgrid(st, sv, indexing="ij"), axis=-1).reshape(-1, 2)
                head = np.broadcast_to(np.array([s, panel]), (len(grid), 2))
                rows.append(np.concatenate([head, grid], axis=1))
        self.index = np.concatenate(rows).astype(np.int64)
        for spec in self.masks:
            if isinstance(spec, GapMask) and spec.min_traces > pt:
                raise ConfigError(
                    f"data.masks: {spec.n_gaps} gaps of up to {spec.widest} traces do not fit "
                    f"in a patch of {pt} traces; use fewer or narrower gaps."
                )

    def __len__(self) -> int:
        return len(self.index)

    def order(self, epoch: int) -> np.ndarray:
        """The patch order of `epoch`: a permutation for training, the identity otherwise."""
        if self.split != "train":
            return np.arange(len(self))
        return np.random.default_rng([self.seed, epoch, _TRAIN]).permutation(len(self))

    def shard(self, epoch: int, rank: int = 0, world_size: int = 1) -> np.ndarray:
        """The patches of `epoch` for process `rank` of `world_size`, in order.

        Like ``DistributedSampler``: the order is padded by repeating it to a multiple
        of `world_size` and dealt round-robin, so every process gets as many patches.
        """
        order = self.order(epoch)
        if world_size == 1:
            return order
        return np.resize(order, -(-len(order) // world_size) * world_size)[rank::world_size]

    def batches(
        self,
        epoch: int,
        batch_size: int,
        *,
        rank: int = 0,
        world_size: int = 1,
        max_batches: int | None = None,
        skip: int = 0,
    ) -> Iterator[Batch]:
        """The batches of `epoch` for process `rank` of `world_size` (see :meth:`shard`).

        `max_batches` caps the batches; `skip` leaves out the first ones (a resumed
        epoch).
        """
        order = self.shard(epoch, rank, world_size)
        n = -(-len(order) // batch_size)
        if max_batches is not None:
            n = min(n, max_batches)
        for b in range(skip, n):
            yield self.batch(order[b * batch_size : (b + 1) * batch_size], epoch)

    def n_batches(
        self, batch_size: int, world_size: int = 1, max_batches: int | None = None
    ) -> int:
        """Number of batches per epoch and process."""
        per_rank = -(-len(self) // world_size)
        n = -(-per_rank // batch_size)
        return n if max_batches is None else min(n, max_batches)

    def batch(self, items: np.ndarray, epoch: int) -> Batch:
        """Build the batch of patches `items` (indices into :attr:`index`) for `epoch`."""
        parts = [self.item(int(i), epoch) for i in items]
        return Batch(*(np.stack(arrays) for arrays in zip(*parts)))

    def item(self, i: int, epoch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One patch: ``(inputs, target, weight, missing)`` (see :class:`Batch`)."""
        train = self.split == "train"
        rng = np.random.default_rng([self.seed, epoch if train else 0, i, 2 if train else 3])
        s, panel, t0, v0 = (int(v) for v in self.index[i])
        source = self.sources[s]
        x = source.read(panel, (t0, v0), self.patch)
        recorded = source.live_traces(panel, t0, self.patch[0]).copy()
        hidden = source.hidden_traces(panel, t0, self.patch[0])
        augment = train and self.augmentation.enable
        if augment:
            x, recorded, hidden = self._augment(x, recorded, hidden, rng)
        # A source with a holdout hides the same traces every epoch; else draw a mask.
        kept = self._mask(rng) if hidden is None else ~hidden
        live_traces = kept & recorded
        finite = np.isfinite(x)
        known = recorded[:, None] & finite
        live = live_traces[:, None] & finite
        scale = float(np.sqrt(np.mean(np.square(x[live])))) if live.any() else 0.0
        if not np.isfinite(scale) or scale == 0.0:
            known[:] = False  # nothing to learn from: scored nowhere
            scale = 1.0
        data = np.where(live, x / scale, 0.0)
        if augment and self.augmentation.noise_std > 0:
            data = data + live * rng.normal(0.0, self.augmentation.noise_std, data.shape)
        target = np.where(known, x / scale, 0.0)
        missing = recorded & ~kept
        weight = known & (missing[:, None] if self.loss_on == "missing" else True)
        channels = [data, np.broadcast_to(live_traces[:, None], data.shape)]
        inputs = np.stack(channels[: self.in_channels]).astype(np.float32)
        return inputs, target[None].astype(np.float32), weight[None].astype(np.float32), missing

    def _augment(
        self,
        x: np.ndarray,
        recorded: np.ndarray,
        hidden: np.ndarray | None,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        aug = self.augmentation
        if aug.flip_traces and rng.random() < 0.5:
            x, recorded = x[::-1], recorded[::-1]
            hidden = None if hidden is None else hidden[::-1]
        low, high = aug.amplitude_scale
        if high > low:
            x = x * rng.uniform(low, high, (x.shape[0], 1))
        if aug.polarity and rng.random() < 0.5:
            x = -x
        held = None if hidden is None else np.ascontiguousarray(hidden)
        return np.ascontiguousarray(x), np.ascontiguousarray(recorded), held

    def _mask(self, rng: np.random.Generator) -> np.ndarray:
        """Kept traces of one patch, drawn with :mod:`promethium.core.mask`."""
        import xarray as xr

        from promethium.core.mask import gap_mask, random_mask, regular_mask

        template = xr.DataArray(np.empty((self.patch[0], 1)), dims=("trace", "time"))
        spec = self.masks[int(rng.integers(len(self.masks)))]
        seed = int(rng.integers(2**31))
        if isinstance(spec, RandomMask):
            ratio = spec.ratio if isinstance(spec.ratio, float) else rng.uniform(*spec.ratio)
            mask = random_mask(template, float(ratio), seed=seed)
        elif isinstance(spec, RegularMask):
            choices = (spec.keep_every,) if isinstance(spec.keep_every, int) else spec.keep_every
            keep = int(rng.choice(choices))
            mask = regular_mask(template, keep, offset=int(rng.integers(keep)))
        else:
            width = spec.gap_width
            if not isinstance(width, int):
                width = int(rng.integers(width[0], width[1] + 1))
            mask = gap_mask(template, spec.n_gaps, width, seed=seed)
        return np.asarray(mask.values, dtype=bool)

    def sampling(self) -> Sampling:
        """The (shared) sampling of the sources, for the physics loss.

        Raises
        ------
        ConfigError
            If the sources are sampled differently (train them separately).
        """
        from promethium.models.networks.sampling import Sampling

        found = [Sampling.from_dataarray(source.da) for source in self.sources]
        first = found[0]
        for source, other in zip(self.sources, found):
            if not np.allclose(
                [other.trace_spacing_m, other.sample_interval_s],
                [first.trace_spacing_m, first.sample_interval_s],
                rtol=1e-6,
            ):
                raise ConfigError(
                    f"the physics loss needs one sampling for all training data; "
                    f"{source.name!r} has {other}, {self.sources[0].name!r} has {first}."
                )
        return first


def build_datasets(config: TrainConfig) -> tuple[PatchDataset, PatchDataset]:
    """The training and validation datasets of `config` (files opened lazily).

    Raises
    ------
    ConfigError
        For a data path without readable files, or a patch larger than the data.
    """
    data = config.data
    if data.synthetic is not None:
        train = synthetic_sources(data.synthetic, "train")
        val = synthetic_sources(data.synthetic, "val")
        keys = ("data.synthetic", "data.synthetic")
    else:
        assert data.train_path is not None and data.val_path is not None  # validated
        train = file_sources(data.train_path, "data.train_path")
        val = file_sources(data.val_path, "data.val_path")
        keys = ("data.train_path", "data.val_path")
    return (
        PatchDataset(train, config, "train", keys[0]),
        PatchDataset(val, config, "val", keys[1]),
    )


def prefetch(batches: Iterator[ItemT], depth: int = 2) -> Generator[ItemT, None, None]:
    """Yield `batches` in order, building the next `depth` in a background thread.

    The batches are a pure function of their epoch, so building them ahead changes
    nothing but the time: reading, masking and normalising overlap the training step
    (NumPy and torch release the GIL). An error in the thread is raised here; leaving
    the loop early stops the thread.

    Examples
    --------
    >>> list(prefetch(iter([1, 2, 3])))
    [1, 2, 3]
    """
    pipe: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                pipe.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not put(batch):
                    return
            put(end)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)

    worker = threading.Thread(target=produce, name="promethium-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = pipe.get()
            if item is end:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
