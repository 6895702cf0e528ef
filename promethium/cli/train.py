"""``promethium train``: train a network from the seed's YAML configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from promethium.cli.logs import CliSettings
from promethium.cli.options import shared_options

__all__ = ["train"]


@shared_options(segy=False)
def train(
    config: Annotated[
        Path, typer.Option("--config", "-c", help="YAML file: model, data, training, inference.")
    ],
    set_: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer reads the annotation at runtime
        typer.Option(
            "--set",
            help="Override a key, e.g. --set training.epochs=2 (repeatable).",
            metavar="K=V",
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Continue from the latest checkpoint in training.output_dir.")
    ] = False,
    tracking_uri: Annotated[
        Optional[str],  # noqa: UP045 - typer reads the annotation at runtime
        typer.Option(
            "--tracking-uri",
            help="MLflow tracking store (overrides tracking.tracking_uri and MLFLOW_TRACKING_URI).",
        ),
    ] = None,
    export: Annotated[
        Optional[Path],  # noqa: UP045 - typer reads the annotation at runtime
        typer.Option(
            "--export",
            help="Also write the best weights as DIR/<architecture>.safetensors + .json "
            "(recipe, data, metrics, machine, wall time).",
            metavar="DIR",
        ),
    ] = None,
    *,
    settings: CliSettings,
) -> None:
    """Train a network (U-Net, VAE, GAN, PINN, ...) on SEG-Y, Zarr or synthetic data.

    Under torchrun (torchrun --nproc_per_node=N -m promethium.train --config ...) the
    same configuration trains with DistributedDataParallel.
    """
    from promethium.train.run import train as run_training

    overrides = list(set_ or [])
    if tracking_uri:
        overrides.append(f"tracking.tracking_uri={tracking_uri}")
    result = run_training(
        config, overrides, resume=resume, progress=not settings.quiet, export=export
    )
    if not settings.quiet:
        typer.echo(result.describe())
