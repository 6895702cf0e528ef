"""The checks of a batch run before any work: inputs, output folder, formats, model, outputs.

Each raises :class:`~promethium.errors.ConfigError` naming the problem and its fix;
none starts a cluster or writes a file, so a refused run leaves nothing behind.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promethium.distributed.job import InputJob, RunSettings, is_zarr_input, lazy_reconstruction
from promethium.errors import ConfigError

if TYPE_CHECKING:
    import xarray as xr

    from promethium.distributed.estimate import WorkerCapacity
    from promethium.distributed.fit import RunEstimate
    from promethium.registry import Registry
    from promethium.typing import PathType

logger = logging.getLogger(__name__)

__all__ = [
    "FORMATS",
    "check_jobs",
    "checked_chunks",
    "checked_formats",
    "checked_output_dir",
    "checked_sources",
    "lazy_inputs",
    "make_output_dir",
    "run_estimate",
    "run_settings",
]

#: The output formats of a batch run, in the order they are written.
FORMATS = ("zarr", "segy")


def checked_sources(inputs: PathType | Sequence[PathType]) -> list[Path]:
    """The inputs as absolute paths; refuse none given or any missing."""
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    sources = [Path(p).absolute() for p in inputs]
    if not sources:
        raise ConfigError("nothing to do: no input given; pass SEG-Y files or Zarr stores.")
    missing = [str(p) for p in sources if not p.exists()]
    if missing:
        raise ConfigError(f"input(s) not found: {', '.join(missing)}; nothing was started.")
    return sources


def checked_output_dir(output_dir: PathType) -> Path:
    """The output folder as an absolute path; refuse a file or a Zarr store."""
    out = Path(output_dir).absolute()
    if out.exists() and not out.is_dir():
        raise ConfigError(
            f"the output folder {out} is a file; give a folder (it is created if missing)."
        )
    if is_zarr_input(out):
        raise ConfigError(
            f"the output folder {out} is a Zarr store; give a folder to hold the outputs."
        )
    return out


def make_output_dir(out: Path) -> None:
    """Create the output folder (and its parents)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigError(f"cannot create the output folder {out}: {err.strerror}.") from err


def checked_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """The output formats asked for, in :data:`FORMATS` order; refuse others or none."""
    given = (formats,) if isinstance(formats, str) else tuple(formats)
    unknown = [f for f in given if f not in FORMATS]
    if unknown or not given:
        raise ConfigError(f"formats must be among {list(FORMATS)}; got {list(given)}.")
    return tuple(f for f in FORMATS if f in given)


def run_settings(
    model: str,
    config: Mapping[str, Any] | None,
    options: dict[str, Any],
    registry: Registry | None,
    front_door: dict[str, Any],
    chunks: Mapping[str, int] | None,
    segy: Mapping[str, Any] | None,
    formats: tuple[str, ...],
) -> RunSettings:
    """The run's settings, with the model, its config and options checked as a run would."""
    from promethium.plugins import default_registry
    from promethium.reconstruct import model_options

    if "return_uncertainty" in options:
        raise ConfigError(
            "batch_reconstruct writes the reconstruction itself; run pm.reconstruct with "
            "return_uncertainty=True for the mean and std."
        )
    reg = default_registry() if registry is None else registry
    spec = reg.get(model)
    reg.build(spec.name, config)  # the configuration, checked as the run checks it
    resolved = model_options(spec, options).model_dump(mode="json")
    return RunSettings(
        model=model,
        config=dict(config or {}),
        options=dict(options),
        resolved=resolved,
        front_door=front_door,
        chunks=dict(chunks) if chunks is not None else None,
        segy=dict(segy or {}),
        formats=formats,
        model_version=f"{spec.plugin} {spec.plugin_version} {spec.version}",
    )


def checked_chunks(chunks: Mapping[str, int] | None) -> dict[str, int] | None:
    """The chunk sizes by dim; refuse a size that is not a positive integer (or -1: whole)."""
    if chunks is None:
        return None
    for dim, size in chunks.items():
        if isinstance(size, bool) or not isinstance(size, int) or (size < 1 and size != -1):
            raise ConfigError(
                f"chunks: {dim}={size!r} is not a chunk size; give a positive number of "
                f"elements (or -1 for the whole dim), e.g. chunks={{'iline': 16}}."
            )
    return dict(chunks)


def check_jobs(jobs: list[InputJob], overwrite: bool) -> None:
    """Refuse two inputs writing one output, an output that is an input, and outputs not ours."""
    seen: dict[Path, Path] = {}
    for job in jobs:
        for target in job.targets.values():
            other = seen.get(target)
            if other is not None:
                raise ConfigError(
                    f"inputs {other} and {job.source} would both write {target}; rename one "
                    "or run them into different output folders."
                )
            seen[target] = job.source
    sources = {j.source.resolve() for j in jobs}
    for job in jobs:
        for target in job.targets.values():
            if target.resolve() in sources:
                raise ConfigError(
                    f"the output {target} is an input; inputs are never modified: choose "
                    "another output folder."
                )
        job.check_targets(overwrite=overwrite)


def lazy_inputs(
    jobs: list[InputJob], settings: RunSettings, registry: Registry | None
) -> list[xr.DataArray]:
    """The inputs' lazy reconstructions, opened as the run opens them (headers only).

    An input that cannot be opened is left out here: the run reports it with its error
    and completes the others.

    Raises
    ------
    ConfigError
        When every input refuses the settings (e.g. chunks of a dim no input has).
    """
    results = []
    refused: list[ConfigError] = []
    for job in jobs:
        try:
            with warnings.catch_warnings():  # the run gives them, once
                warnings.simplefilter("ignore")
                lazy = lazy_reconstruction(job.source, settings, registry, concrete_mask=False)
        except ConfigError as err:
            refused.append(err)
            continue
        except Exception:  # a bad input: reported by the run, input by input
            continue
        results.append(lazy)
    if not results and refused and len(refused) == len(jobs):
        raise refused[0]  # the settings suit no input (chunks of dims none has, say)
    return results


def run_estimate(
    results: list[xr.DataArray],
    settings: RunSettings,
    capacity: WorkerCapacity,
    *,
    calibrate: bool,
) -> RunEstimate:
    """The run's largest task over the inputs' lazy reconstructions, as ``plan`` estimates it.

    Counted by :func:`~promethium.distributed.fit.estimate_run`; with `calibrate`, the
    largest task's chunk also runs here (its memory measured, not timed) unless the
    counted tasks fit `capacity` with room to spare
    (:func:`~promethium.distributed.fit.clearly_fits`). A chunk that fails to run
    leaves the estimate counted only: the run reports that input with its error.
    """
    from promethium.distributed.fit import clearly_fits, estimate_run

    counted = estimate_run(results, settings.resolved, calibrate=False, timed=False)
    if not calibrate or clearly_fits(counted, capacity):
        return counted
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return estimate_run(results, settings.resolved, calibrate=True, timed=False)
    except Exception as err:  # the run reports it, with its input
        logger.info("calibration failed (%s: %s); the count alone is checked",
                    type(err).__name__, err)  # fmt: skip
    return counted
