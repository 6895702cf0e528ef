"""``promethium batch``: reconstruct many inputs (or one large one by chunks) on a cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from promethium.cli.choices import complete_models
from promethium.cli.files import local_path
from promethium.cli.logs import CliSettings
from promethium.cli.model_options import checked_options, key_values
from promethium.cli.options import (
    Extrapolate,
    ModelConfig,
    ModelOptions,
    Refill,
    shared_options,
)

__all__ = ["batch", "parse_chunks"]


def parse_chunks(items: list[str]) -> dict[str, int] | None:
    """``DIM=N`` items as chunk sizes (None when none given)."""
    from promethium.errors import ConfigError

    chunks: dict[str, int] = {}
    for dim, value in key_values(items, "--chunks").items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(
                f"--chunks {dim}={value!r} is not a chunk size; give a positive number of "
                "elements, e.g. --chunks iline=16."
            )
        chunks[dim] = value
    return chunks or None


@shared_options()
def batch(
    inputs: Annotated[
        list[Path],
        typer.Argument(parser=local_path, help="Input SEG-Y files and Zarr stores."),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", parser=local_path, help="Output folder (created if missing)."),
    ],
    model: Annotated[
        str,
        typer.Option(
            "--model",
            "-m",
            help="Model name (`promethium plugins` lists them).",
            autocompletion=complete_models,
        ),
    ] = "auto",
    scheduler: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            help="Address of a running dask scheduler, e.g. tcp://10.0.0.5:8786 "
            "(default: start a local cluster).",
            metavar="ADDR",
        ),
    ] = None,
    workers: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(help="Local cluster: worker processes (default: from the CPU count)."),
    ] = None,
    threads_per_worker: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(help="Local cluster: threads per worker."),
    ] = None,
    gpus_per_worker: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(help="Local cluster: GPUs per worker (tasks of GPU models take one)."),
    ] = None,
    memory_limit: Annotated[
        str,
        typer.Option(help="Local cluster: memory per worker, e.g. 4GiB (default auto)."),
    ] = "auto",
    chunks: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Chunk size of a dim as DIM=N (repeatable): one task per chunk."),
    ] = None,
    output_format: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--format",
            help="Outputs: zarr and/or segy (default both; segy for "
            "SEG-Y inputs, with their headers).",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(help="Reuse chunks an interrupted run of the same command finished."),
    ] = True,
    overwrite: Annotated[
        bool, typer.Option(help="Replace outputs that this command did not write.")
    ] = False,
    option: ModelOptions = None,
    config: ModelConfig = None,
    extrapolate: Extrapolate = False,
    refill: Refill = False,
    calibrate: Annotated[
        bool,
        typer.Option(
            help="Where the counted memory leaves little room, run the largest chunk here "
            "first to measure it (as plan)."
        ),
    ] = True,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
    *,
    settings: CliSettings,
    segy: dict[str, Any],
) -> None:
    """Reconstruct many files, or one large survey by chunks, on dask.distributed.

    Each finished chunk is recorded under OUT/.promethium-batch; after a crash, the same
    command computes only what is missing. Outputs (OUT/NAME.zarr, and OUT/NAME.sgy
    with the input's headers) appear only when complete. Exits with status 1 if any
    input failed (the others are complete).
    """
    from promethium.distributed import batch_reconstruct, progress_display

    options: dict[str, Any] = key_values(option or [], "--option")
    checked_options(model, options)
    model_config = key_values(config or [], "--config") or None
    formats = tuple(output_format) if output_format else ("zarr", "segy")
    show = progress and not settings.quiet
    printed: list[str] = []

    def announce(link: str | None) -> None:
        if link and not printed and not settings.quiet:
            printed.append(link)
            typer.echo(f"dask dashboard: {link}", err=True)

    with progress_display(f"{model}:", enabled=show) as draw:

        def report(state: Any) -> None:
            announce(state.dashboard)
            draw(state)

        result = batch_reconstruct(
            inputs, out, model=model, client=scheduler, resume=resume, overwrite=overwrite,
            formats=formats, chunks=parse_chunks(chunks or []), config=model_config,
            extrapolate=extrapolate, refill=refill, segy=segy, calibrate=calibrate,
            n_workers=workers, threads_per_worker=threads_per_worker,
            gpus_per_worker=gpus_per_worker, memory_limit=memory_limit,
            progress=report, errors="report", **options,
        )  # fmt: skip
    for line in result.summary().splitlines():
        failed = line.startswith("FAILED")
        if failed or not settings.quiet:
            typer.secho(line, err=failed, fg=typer.colors.RED if failed else None)
    if result.failed:
        typer.secho(
            f"error: {len(result.failed)} of {len(result.inputs)} input(s) failed; the "
            "others are complete. Fix them and run the same command again.",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(1)
