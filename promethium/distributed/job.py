"""One input of a batch run: open it, plan its chunks, make its tasks, assemble its outputs.

The reconstruction of an input is the lazy graph of :func:`promethium.reconstruct`; each
of its output chunks becomes one task that saves the chunk and its record
(:func:`~promethium.distributed.manifest.save_chunk`) and returns only the record. When
every chunk is recorded, the outputs are written from the saved chunks by the ordinary
atomic writers (:func:`~promethium.io.to_zarr`, and :func:`~promethium.io.to_segy` with
the input's headers), so they appear under their names only when complete.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from promethium.distributed.manifest import (
    MANIFEST_DIR,
    ChunkRecord,
    WorkFolder,
    input_identity,
    load_chunk,
    run_key,
    save_chunk,
)
from promethium.errors import ConfigError

if TYPE_CHECKING:
    import xarray as xr
    from dask.delayed import Delayed

    from promethium.io.pending import PendingWrite
    from promethium.registry import Registry

__all__ = ["InputJob", "RunSettings", "lazy_reconstruction", "output_targets"]

SEGY_SUFFIXES = (".sgy", ".segy")


@dataclass(frozen=True)
class RunSettings:
    """Everything that decides an input's output (its run key hashes these).

    Attributes
    ----------
    model : str
        The model name.
    config : dict
        Model configuration overrides.
    options : dict
        The model's options as given.
    resolved : dict
        The model's options, validated, with the model's defaults filled in.
    front_door : dict
        ``keep_observed``, ``extrapolate``, ``refill``.
    chunks : dict or None
        How inputs are chunked (None: the readers' defaults).
    segy : dict
        SEG-Y reading keys (byte locations, profile, geometry).
    formats : tuple of str
        Outputs per input: ``"zarr"``, and ``"segy"`` for SEG-Y inputs.
    model_version : str
        The model's and plugin's versions.
    """

    model: str
    config: dict[str, Any]
    options: dict[str, Any]
    resolved: dict[str, Any]
    front_door: dict[str, Any]
    chunks: dict[str, int] | None
    segy: dict[str, Any]
    formats: tuple[str, ...]
    model_version: str

    def as_record(self) -> dict[str, Any]:
        """The settings as JSON-ready data."""
        from promethium import __version__

        return json.loads(
            json.dumps(
                {
                    "model": self.model,
                    "config": self.config,
                    "options": self.resolved,
                    "front_door": self.front_door,
                    "chunks": self.chunks,
                    "segy": self.segy,
                    "formats": list(self.formats),
                    "model_version": self.model_version,
                    "promethium_version": __version__,
                },
                sort_keys=True,
                default=str,
            )
        )


def is_zarr_input(path: Path) -> bool:
    """Whether `path` is a Zarr store (a ``.zarr`` name, or a folder with ``zarr.json``)."""
    return path.suffix == ".zarr" or (path.is_dir() and (path / "zarr.json").exists())


def output_targets(source: Path, out: Path, formats: tuple[str, ...]) -> dict[str, Path]:
    """The final outputs of `source`: ``OUT/<stem>.zarr``, and ``OUT/<name>`` as SEG-Y."""
    stem = source.name[: -len(source.suffix)] if source.suffix else source.name
    targets = {"zarr": out / f"{stem}.zarr"} if "zarr" in formats else {}
    if "segy" in formats and not is_zarr_input(source):
        suffix = source.suffix if source.suffix.lower() in SEGY_SUFFIXES else ".sgy"
        targets["segy"] = out / f"{stem}{suffix}"
    return targets


@dataclass
class InputJob:
    """The state of one input in a batch run.

    Attributes
    ----------
    source : pathlib.Path
        The input file or store (never modified).
    targets : dict of str to pathlib.Path
        Final outputs by format.
    work : WorkFolder
        Its manifest.
    """

    source: Path
    targets: dict[str, Path]
    work: WorkFolder
    run: dict[str, Any] = field(default_factory=dict)
    result: xr.DataArray | None = None
    done: dict[tuple[int, ...], ChunkRecord] = field(default_factory=dict)
    total: int = 0
    reused: int = 0
    computed: int = 0
    batch_size: int | None = None
    error: str | None = None
    status: str = "waiting"
    filled: int = 0
    traces: int = 0

    @classmethod
    def for_source(cls, source: Path, out: Path, formats: tuple[str, ...]) -> InputJob:
        """The job of `source`, writing under `out`."""
        targets = output_targets(source, out, formats)
        name = next(iter(targets.values())).name
        stem = name[: -len(Path(name).suffix)]
        return cls(source, targets, WorkFolder(out / MANIFEST_DIR / stem))

    @property
    def indices(self) -> list[tuple[int, ...]]:
        """Every chunk index of the output."""
        assert self.result is not None
        return list(product(*(range(len(c)) for c in self.result.data.chunks)))

    @property
    def pending(self) -> list[tuple[int, ...]]:
        """Chunk indices not yet finished."""
        return [i for i in self.indices if i not in self.done]

    def up_to_date(self, settings: RunSettings, *, resume: bool) -> bool:
        """Whether a previous run with the same key completed and its outputs are in place."""
        if not resume:
            return False
        old = self.work.read_run()
        if old is None or old.get("state") != "complete":
            return False
        key = run_key(input_identity(self.source), settings.as_record())
        if old.get("key") != key or not all(p.exists() for p in self.targets.values()):
            return False
        self.traces, self.filled = int(old.get("traces", 0)), int(old.get("filled", 0))
        return True

    def check_targets(self, *, overwrite: bool) -> None:
        """Refuse to replace an output this batch did not write (unless `overwrite`)."""
        ours = self.work.read_run() is not None
        for target in self.targets.values():
            if target.exists() and not ours and not overwrite:
                raise ConfigError(
                    f"{target} exists and was not written by promethium batch (no manifest "
                    f"in {self.work.path}); remove it, choose another output folder, or "
                    "pass overwrite=True (--overwrite)."
                )

    def prepare(
        self,
        settings: RunSettings,
        *,
        resume: bool,
        registry: Registry | None,
        resources: dict[str, float] | None,
    ) -> None:
        """Open the input, build its lazy reconstruction and find its finished chunks."""
        identity = input_identity(self.source)
        result = lazy_reconstruction(
            self.source, settings, registry, batch_size=self.batch_size, resources=resources
        )
        self.result = result
        recorded = settings.as_record()
        record = {
            "key": run_key(identity, recorded),
            "input": os.fspath(self.source),
            "identity": identity,
            "settings": recorded,
            "chunks": [list(c) for c in result.data.chunks],
            "dtype": result.dtype.str,
            "history": result.attrs.get("history"),
            "outputs": {k: os.fspath(v) for k, v in self.targets.items()},
        }
        run = self.work.start(record, resume=resume)
        if run.get("chunks") != record["chunks"] or run.get("dtype") != record["dtype"]:
            run = self.work.start(record, resume=False)  # another chunk grid: start over
        self.run = run
        valid = set(self.indices)
        self.done = {
            i: r for i, r in self.work.finished().items() if i in valid and _fits(r, result, i)
        }
        self.reused = len(self.done)
        self.total = len(valid)
        self.traces = int(result.coords["trace_mask"].size)
        self.filled = int(np.asarray(result.coords["trace_filled"]).sum())

    def chunk_tasks(self, run_id: str) -> dict[tuple[int, ...], Delayed]:
        """One task per unfinished chunk: compute it, save it, return its record."""
        import dask

        assert self.result is not None
        blocks = self.result.data.to_delayed(optimize_graph=False)
        folder = os.fspath(self.work.chunks)
        save = dask.delayed(save_chunk, pure=True)
        return {
            i: save(blocks[i], folder, i, run_id, dask_key_name=self._key(i, run_id))
            for i in self.pending
        }

    def _key(self, index: tuple[int, ...], run_id: str) -> str:
        # Unique per run and batch size: a retry with a smaller batch is a new task.
        where = ".".join(map(str, index))
        return f"promethium-chunk-{self.run['key'][:12]}-{run_id[:8]}-b{self.batch_size}-{where}"

    def writes(self) -> list[PendingWrite]:
        """The pending writes of the outputs, from the saved chunks (nothing runs yet)."""
        import promethium as pm

        assert self.result is not None
        out = self.result.copy(data=_assembled(self))
        if self.run.get("history") is not None:  # the first run's, so reruns write the same
            out.attrs["history"] = self.run["history"]
        pending: list[PendingWrite] = []
        for kind, target in self.targets.items():
            if kind == "zarr":
                pending.append(pm.to_zarr(out, target, mode="w", compute=False))
            else:
                segy = pm.to_segy(
                    out, target, like=self.source, mode="w", compute=False, absent="insert"
                )
                pending.append(cast("PendingWrite", segy))
        return pending


def lazy_reconstruction(
    source: Path,
    settings: RunSettings,
    registry: Registry | None,
    *,
    batch_size: int | None = None,
    resources: dict[str, float] | None = None,
    concrete_mask: bool = True,
) -> xr.DataArray:
    """The lazy reconstruction of `source` with `settings`: what a batch run computes.

    Parameters
    ----------
    source : pathlib.Path
        A SEG-Y file or Zarr store.
    settings : RunSettings
        The run's settings.
    registry : Registry or None
        Where the model is looked up.
    batch_size : int, optional
        Overrides the model's ``batch_size`` (after a device out-of-memory error).
    resources : dict, optional
        Worker resources the tasks ask for (``{"GPU": 1}``).
    concrete_mask : bool, default True
        Compute a trace mask that is inferred from the data once, here (the tasks then
        share it); False leaves it lazy (enough to count the tasks and their size).
    """
    import dask

    import promethium as pm

    da = _open(source, settings)
    mask = pm.get_trace_mask(da)
    if concrete_mask and mask.chunks is not None:  # inferred from the data: compute once
        da = pm.with_trace_mask(da, mask.compute())
    annotate = dask.annotate(resources=resources) if resources else contextlib.nullcontext()
    with annotate:
        return pm.reconstruct(
            da, model=settings.model, config=settings.config or None,
            registry=registry, **settings.front_door,
            **_given_options(settings, batch_size),
        )  # fmt: skip


def _open(source: Path, settings: RunSettings) -> xr.DataArray:
    import promethium as pm

    if not source.exists():
        raise ConfigError(f"input {source} does not exist.")
    if is_zarr_input(source):
        return pm.open_zarr(source, chunks=settings.chunks or "store")
    chunks: Any = settings.chunks if settings.chunks is not None else "auto"
    return pm.open_segy(source, chunks=chunks, **settings.segy)


def _given_options(settings: RunSettings, batch_size: int | None) -> dict[str, Any]:
    options = dict(settings.options)
    if batch_size is not None:
        options["batch_size"] = batch_size
    return options


def _fits(record: ChunkRecord, result: xr.DataArray, index: tuple[int, ...]) -> bool:
    shape = tuple(c[i] for c, i in zip(result.data.chunks, index, strict=True))
    return record.shape == shape and record.dtype == result.dtype.str


def _assembled(job: InputJob) -> Any:
    """A dask array whose chunks are read back from the saved chunk files."""
    import dask.array as dska
    from dask.highlevelgraph import HighLevelGraph

    assert job.result is not None
    chunks = job.result.data.chunks
    name = f"promethium-saved-{job.run['key'][:16]}"
    folder = os.fspath(job.work.chunks)
    graph: dict[Any, Any] = {
        (name, *index): (load_chunk, folder, index, job.done[index].sha256) for index in job.indices
    }
    layer = HighLevelGraph.from_collections(name, graph, dependencies=())
    dtype = np.dtype(job.run["dtype"])
    return dska.Array(layer, name, chunks, dtype=dtype, meta=np.empty((0,) * len(chunks), dtype))
