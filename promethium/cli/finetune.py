"""``promethium finetune``: fine-tune a network on a survey's own live traces."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from promethium.cli.choices import DEVICES, complete_from
from promethium.cli.files import local_path, open_input
from promethium.cli.logs import CliSettings
from promethium.cli.options import DEVICE_HELP, Progress, shared_options
from promethium.cli.selection import Sel, apply_selection, parse_selection

__all__ = ["finetune"]


@shared_options()
def finetune(
    source: Annotated[
        Path, typer.Argument(parser=local_path, help="The survey: a SEG-Y file or Zarr store.")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            parser=local_path,
            help="Folder to write the new weight set to (<model>.safetensors and .json).",
        ),
    ],
    model: Annotated[
        str,
        typer.Option(
            "--model",
            "-m",
            help="The network: unet, attention_unet, residual_unet, vae, gan or pinn.",
        ),
    ] = "unet",
    weights: Annotated[
        Optional[Path],  # noqa: UP045 - typer reads the annotation at runtime
        typer.Option(
            parser=local_path,
            help="Weights to start from (.safetensors with its .json sidecar); default: "
            "the weights Promethium ships for --model.",
        ),
    ] = None,
    steps: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(help="Most optimiser steps (default 300)."),
    ] = None,
    device: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help=DEVICE_HELP, autocompletion=complete_from(DEVICES)),
    ] = None,
    set_: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--set",
            help="Any fine-tuning setting, e.g. --set fraction=0.2 or "
            "--set tracking.register_as=unet-line7 (repeatable; see docs/finetune.md).",
            metavar="K=V",
        ),
    ] = None,
    tracking_uri: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--tracking-uri",
            help="Track the run in this MLflow store and register the new weights.",
        ),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing --out folder.")] = False,
    progress: Progress = True,
    sel: Sel = None,
    *,
    settings: CliSettings,
    segy: dict[str, Any],
) -> None:
    """Fine-tune a network on a survey: no ground truth needed, the live traces teach it.

    Holds out a fraction of the live traces, trains the network to restore hidden
    live traces on the rest, and writes a new weight set scored on the held-out
    traces before and after. The input is only read. Reconstruct with the result:
    promethium reconstruct IN OUT -m unet --config weights=OUT_DIR/unet.safetensors.
    """
    from promethium.errors import ConfigError
    from promethium.finetuning.run import finetune as run
    from promethium.train.config import apply_overrides

    values = apply_overrides({}, list(set_ or []))
    own = sorted(set(values) & {"model", "weights", "output", "overwrite", "inference"})
    if own:
        raise ConfigError(
            f"--set {own[0]}=...: {own[0]} is not a fine-tuning setting; use the "
            "command's own options (--model, --weights, --out, --overwrite)."
        )
    if steps is not None:
        values["steps"] = steps
    if device is not None:
        values["device"] = device
    if tracking_uri:
        tracking = values.get("tracking")
        values["tracking"] = {
            **(tracking if isinstance(tracking, dict) else {}),
            "enabled": True,
            "tracking_uri": tracking_uri,
        }
    selection = parse_selection(sel or [])
    da = apply_selection(open_input(source, segy), selection)
    result = run(
        da, model, weights=weights, output=out, overwrite=overwrite,
        progress=progress and not settings.quiet, **values,
    )  # fmt: skip
    if not settings.quiet:
        typer.echo(result.describe())
