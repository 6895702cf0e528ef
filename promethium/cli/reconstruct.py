"""``promethium reconstruct``: fill the missing traces of a survey with a model."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from promethium.cli.choices import complete_models
from promethium.cli.files import (
    check_like_and_absent,
    check_target,
    check_uncertainty_target,
    is_zarr,
    local_path,
    open_input,
    output_is_zarr,
    write_output,
)
from promethium.cli.logs import CliSettings
from promethium.cli.model_options import checked_options, config_file, key_values
from promethium.cli.options import (
    Absent,
    Device,
    Extrapolate,
    MarkFilled,
    Precision,
    Progress,
    Refill,
    Source,
    shared_options,
)
from promethium.cli.plan import plan_run
from promethium.cli.selection import Sel, apply_selection, parse_selection

__all__ = ["reconstruct"]


@shared_options()
def reconstruct(
    ctx: typer.Context,
    source: Source,
    target: Annotated[
        Path,
        typer.Argument(parser=local_path, help="Output SEG-Y file or .zarr store."),
    ],
    model: Annotated[
        str,
        typer.Option(
            "--model",
            "-m",
            help="Model name: auto (chooses on a blind test of the survey), linear, pocs or "
            "any installed model "
            "(`promethium plugins` lists them with their options).",
            autocompletion=complete_models,
        ),
    ] = "auto",
    device: Device = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Patches per batch.")] = None,  # noqa: UP045
    patch_size: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Patch length, or TRACES,SAMPLES (e.g. 64,128).", metavar="N[,M]"),
    ] = None,
    overlap: Annotated[Optional[float], typer.Option(help="Patch overlap fraction.")] = None,  # noqa: UP045
    precision: Precision = None,
    option: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--option", "-o", help="Any model option as KEY=VALUE (repeatable), e.g. n_iter=30."
        ),
    ] = None,
    config: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            help="Model configuration as KEY=VALUE (repeatable, e.g. weights=best.safetensors),"
            " or a training config FILE.yaml whose model and inference sections apply.",
        ),
    ] = None,
    like: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            parser=local_path, help="SEG-Y whose headers to copy (default: the input, if SEG-Y)."
        ),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output.")] = False,
    uncertainty: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            parser=local_path,
            help="Also write the mean and std as a Zarr store here (models that estimate "
            "their uncertainty, e.g. ensembles: -o ensemble_size=8).",
        ),
    ] = None,
    absent: Absent = None,
    mark_filled: MarkFilled = False,
    extrapolate: Extrapolate = False,
    refill: Refill = False,
    finetune: Annotated[
        bool,
        typer.Option(
            help="Networks: fine-tune on the input's own live traces first, starting from "
            "--config weights=PATH; the new weights go to runs/finetune/ (docs/finetune.md).",
        ),
    ] = False,
    progress: Progress = True,
    sel: Sel = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print the resolved settings (model, options with defaults, chunks, "
            "output) and exit: nothing is computed or written.",
        ),
    ] = False,
    *,
    settings: CliSettings,
    segy: dict[str, Any],
) -> None:
    """Fill missing traces of a survey with a model; SEG-Y headers are preserved.

    --sel reconstructs and writes a subset, selected by coordinate labels (inclusive
    ranges, e.g. --sel iline=1000:1010). --dry-run shows what would run.
    """
    import xarray as xr
    from dask.base import is_dask_collection

    import promethium as pm
    from promethium.core.energy import warn_weak_fills, weak_fills
    from promethium.errors import ConfigError
    from promethium.progress import progress_bar

    output_is_zarr(target)
    check_target(target, overwrite, source)  # before any data is read or model warns
    check_like_and_absent(like, absent)
    selection = parse_selection(sel or [])
    given = {
        "device": device,
        "batch_size": batch_size,
        "patch_size": patch_size,
        "overlap": overlap,
        "precision": precision,
    }
    options: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    options.update(key_values(option or [], "--option"))
    config, from_file = config_file(config or [])
    if from_file is not None:  # the file's model and inference; the command line overrides
        source_of_model = getattr(ctx.get_parameter_source("model"), "name", "DEFAULT")
        if source_of_model == "DEFAULT":  # no --model given
            model = from_file.model
        options = {**from_file.options, **options}
    if "return_uncertainty" in options:
        raise ConfigError(
            "the command line writes the mean to TARGET; ask for the uncertainty with "
            "--uncertainty STORE.zarr (a Zarr store of mean and std)."
        )
    checked_options(model, options)  # the model's schema, before any data is read
    check_uncertainty_target(uncertainty, target, overwrite)
    da = apply_selection(open_input(source, segy), selection)
    file_config = from_file.config if from_file is not None else {}
    model_config = {**file_config, **key_values(config, "--config")} or None
    if uncertainty is not None:  # only models that estimate it accept the option
        options["return_uncertainty"] = True
    if like is None and not is_zarr(source):
        like = source
    if like is not None and absent is None and not output_is_zarr(target):
        absent = "insert"  # a reconstruction fills grid positions the original lacks
    if dry_run:
        plan = plan_run(
            source=source, target=target, da=da, model=model, config=model_config,
            options=options, front_door={"extrapolate": extrapolate, "refill": refill},
            selection=sel or [], like=like, absent=absent, mark_filled=mark_filled,
            uncertainty=uncertainty,
        )  # fmt: skip
        typer.echo(plan.to_text())
        return
    result = pm.reconstruct(
        da, model=model, config=model_config, extrapolate=extrapolate, refill=refill,
        finetune={"progress": progress and not settings.quiet} if finetune else False,
        **options,
    )  # fmt: skip
    out = result["mean"] if isinstance(result, xr.Dataset) else result
    pending = write_output(
        out, target, like, overwrite, absent, compute=False, mark_filled=mark_filled
    )
    others: list[Any] = []
    if uncertainty is not None:  # the same pass writes the mean and std store
        mode = "w" if overwrite else "w-"
        others.append(pm.to_zarr(result, uncertainty, mode=mode, compute=False))
    live = out.coords["trace_mask"]
    filled = out.coords["trace_filled"]
    weak = weak_fills(out)  # lazy: checked in the same pass as the write
    show = progress and not settings.quiet
    with progress_bar(f"{model}: {source.name} -> {target.name}", enabled=show):
        try:
            # One pass reads the input once.
            counts = (live.sum().data, filled.sum().data, weak.sum().data)
            _, *results = pending.compute_with(*counts, *others)
            n_live, n_filled, n_weak = (int(n) for n in results[: len(counts)])
        except BaseException:
            for other in others:
                other.abort()
            raise
    missing = live.size - n_live
    if not settings.quiet:
        typer.echo(
            f"wrote {target}: {model} filled {n_filled} of {live.size} traces"
            + _unfilled_note(missing - n_filled, output_is_zarr(target))
        )
        if uncertainty is not None:
            typer.echo(f"wrote {uncertainty}: mean and std (open_zarr(path, dataset=True))")
        choice = _auto_choice(out.attrs)
        if choice:
            typer.echo(choice)
        if finetune:
            typer.echo(_finetune_note(out.attrs))
    if missing == 0 and is_dask_collection(live.data):  # else pm.reconstruct warned already
        warnings.warn("no trace was missing: the output holds the input's samples.", stacklevel=1)
    if is_dask_collection(weak.data):  # else pm.reconstruct warned already
        warn_weak_fills(int(n_weak), int(n_filled))


def _auto_choice(attrs: dict[str, Any]) -> str:
    """What ``auto`` chose and its scores, from the provenance; "" for another model."""
    import json

    from promethium.models.auto import describe_choice
    from promethium.reconstruct import PROVENANCE_ATTR

    record = json.loads(attrs.get(PROVENANCE_ATTR, "{}")).get("auto")
    return describe_choice(record) if record else ""


def _unfilled_note(unfilled: int, zarr: bool) -> str:
    """The summary's note on grid positions that stay unfilled (absent, not extrapolated)."""
    if unfilled <= 0:
        return ""
    where = "trace_mask False" if zarr else "not written"
    return f"; {unfilled} grid position(s) left unfilled ({where})"


def _finetune_note(attrs: dict[str, Any]) -> str:
    """The summary line of a fine-tuning, from the provenance."""
    import json

    from promethium.core.strict_json import number_text
    from promethium.reconstruct import PROVENANCE_ATTR

    tuned = json.loads(attrs[PROVENANCE_ATTR])["finetune"]
    before, after = tuned["scores"]["before"]["snr_db"], tuned["scores"]["after"]["snr_db"]
    return (
        f"fine-tuned on the input: held-out SNR {number_text(before, '.2f', ' dB')} -> "
        f"{number_text(after, '.2f', ' dB')} ({number_text(tuned['gain_db'], '+.2f', ' dB')}), "
        f"{tuned['steps']} steps; reconstructed with the "
        f"{tuned['used']} weights; new weights: {tuned['weights']}"
    )
