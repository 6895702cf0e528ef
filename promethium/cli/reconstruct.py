"""``promethium reconstruct``: fill the missing traces of a survey with a model."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional, cast

import typer

from promethium.cli.files import (
    ABSENT_HELP,
    check_like_and_absent,
    is_zarr,
    open_input,
    output_is_zarr,
    write_output,
)
from promethium.cli.logs import Quiet, Verbose, command_settings
from promethium.cli.model_options import key_values
from promethium.cli.segy_options import Byte, Geometry, Profile, segy_keys
from promethium.cli.selection import Sel, apply_selection, parse_selection

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["reconstruct"]


def reconstruct(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="Input SEG-Y file or Zarr store.")],
    target: Annotated[Path, typer.Argument(help="Output SEG-Y file or .zarr store.")],
    model: Annotated[str, typer.Option("--model", "-m", help="Model name, or auto.")] = "auto",
    device: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="auto, cpu or cuda (torch models)."),
    ] = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Patches per batch.")] = None,  # noqa: UP045
    patch_size: Annotated[Optional[int], typer.Option(help="Patch size in samples.")] = None,  # noqa: UP045
    overlap: Annotated[Optional[float], typer.Option(help="Patch overlap fraction.")] = None,  # noqa: UP045
    precision: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="float32, float16 or bfloat16 (torch models)."),
    ] = None,
    option: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--option", "-o", help="Any model option as KEY=VALUE (repeatable), e.g. n_iter=30."
        ),
    ] = None,
    config: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Model configuration as KEY=VALUE (repeatable)."),
    ] = None,
    like: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="SEG-Y whose headers to copy (default: the input, if SEG-Y)."),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output.")] = False,
    absent: Annotated[Optional[str], typer.Option(help=ABSENT_HELP)] = None,  # noqa: UP045
    extrapolate: Annotated[
        bool, typer.Option(help="Also fill absent positions beyond a line's recorded traces.")
    ] = False,
    refill: Annotated[bool, typer.Option(help="Refill traces a model filled before.")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    sel: Sel = None,
    verbose: Verbose = 0,
    quiet: Quiet = False,
    iline: Byte = None,
    xline: Byte = None,
    offset: Byte = None,
    cdp: Byte = None,
    shot: Byte = None,
    channel: Byte = None,
    profile: Profile = None,
    geometry: Geometry = "auto",
) -> None:
    """Fill missing traces of a survey with a model; SEG-Y headers are preserved.

    --sel reconstructs and writes a subset, selected by coordinate labels (inclusive
    ranges, e.g. --sel iline=1000:1010).
    """
    from dask.base import is_dask_collection

    import promethium as pm
    from promethium.core.energy import warn_weak_fills, weak_fills
    from promethium.errors import ConfigError
    from promethium.progress import progress_bar

    settings = command_settings(ctx, verbose, quiet)
    output_is_zarr(target)
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
    if options.get("return_uncertainty"):
        raise ConfigError(
            "the command line writes one array; use the Python API for uncertainty: "
            "pm.reconstruct(da, model=..., return_uncertainty=True)."
        )
    keys = segy_keys(locals())
    da = apply_selection(open_input(source, keys), selection)
    model_config = key_values(config or [], "--config") or None
    # The result is written as one array: no return_uncertainty here.
    out = cast(
        "xr.DataArray",
        pm.reconstruct(
            da, model=model, config=model_config, extrapolate=extrapolate, refill=refill,
            **options,
        ),
    )  # fmt: skip
    if like is None and not is_zarr(source):
        like = source
    if like is not None and absent is None and not output_is_zarr(target):
        absent = "insert"  # a reconstruction fills grid positions the original lacks
    pending = write_output(out, target, like, overwrite, absent, compute=False)
    live = out.coords["trace_mask"]
    filled = out.coords["trace_filled"]
    weak = weak_fills(out)  # lazy: checked in the same pass as the write
    show = progress and not settings.quiet
    with progress_bar(f"{model}: {source.name} -> {target.name}", enabled=show):
        _, n_live, n_filled, n_weak = pending.compute_with(live.sum(), filled.sum(), weak.sum())
    missing = live.size - int(n_live)
    if not settings.quiet:
        typer.echo(f"wrote {target}: {model} filled {int(n_filled)} of {live.size} traces")
    if missing == 0 and is_dask_collection(live.data):  # else pm.reconstruct warned already
        warnings.warn("no trace was missing: the output holds the input's samples.", stacklevel=1)
    if is_dask_collection(weak.data):  # else pm.reconstruct warned already
        warn_weak_fills(int(n_weak), int(n_filled))
