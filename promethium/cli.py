"""The ``promethium`` command: inspect, convert and reconstruct seismic files.

Every command has ``--help``. User mistakes print one line, ``error: ...``, and exit
with status 1; ``--debug`` shows the Python traceback instead.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional, cast

import typer

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["app", "main"]

app = typer.Typer(
    name="promethium",
    help="Seismic data reconstruction: fill dead and missing traces.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state = {"debug": False}


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show Python tracebacks on errors.")
    ] = False,
) -> None:
    """Seismic data reconstruction: fill dead and missing traces."""
    _state["debug"] = debug


def _is_zarr(path: Path) -> bool:
    return path.suffix == ".zarr" or (path.is_dir() and (path / "zarr.json").exists())


def _open(path: Path) -> xr.DataArray:
    from promethium.io import open_segy, open_zarr

    return open_zarr(path) if _is_zarr(path) else open_segy(path)


_ABSENT_HELP = (
    "SEG-Y with --like: 'skip' leaves out grid positions the original file has no trace "
    "for; 'append' writes them after the original traces with headers from a neighbour."
)


#: Suffixes of SEG-Y output files (compared case-insensitively).
_SEGY_SUFFIXES = (".sgy", ".segy")


def _output_is_zarr(path: Path) -> bool:
    """Whether to write `path` as Zarr (True) or SEG-Y (False); raise for anything else."""
    from promethium.errors import ConfigError

    if _is_zarr(path):
        return True
    if path.suffix.lower() in _SEGY_SUFFIXES:
        return False
    raise ConfigError(
        f"cannot tell the output format of {str(path)!r} from its suffix "
        f"{path.suffix or '(none)'!r}; name it *.zarr (a Zarr store) or "
        f"{' / '.join('*' + s for s in _SEGY_SUFFIXES)} (SEG-Y, any case)."
    )


def _write(
    da: xr.DataArray, path: Path, like: Path | None, overwrite: bool, absent: str = "skip"
) -> None:
    from promethium.errors import PromethiumError
    from promethium.io import to_segy, to_zarr

    zarr = _output_is_zarr(path)
    if path.exists() and not overwrite:
        raise PromethiumError(f"{path} exists; pass --overwrite to replace it.")
    if zarr:
        to_zarr(da, path, mode="w")
    else:
        template = like if like is not None and not _is_zarr(like) else None
        extra: dict[str, Any] = {"absent": absent} if template else {}
        to_segy(da, path, like=template, **extra)


@app.command()
def info(
    path: Annotated[Path, typer.Argument(help="A SEG-Y file or Zarr store.")],
    dead_traces: Annotated[
        bool, typer.Option(help="Count dead (all-zero or all-NaN) traces: reads every sample.")
    ] = False,
) -> None:
    """Summarize a file's geometry: dims, sizes, sample interval, dead traces."""
    from rich.console import Console

    console = Console()
    if _is_zarr(path):
        from promethium.core import get_trace_mask, sample_interval

        da = _open(path)
        console.print(f"[bold]{path}[/] (Zarr)")
        console.print(f"dims: {dict(da.sizes)}")
        unit = "ms" if da.dims[-1] == "time" else "m"
        console.print(f"sample interval: {sample_interval(da, unit):g} {unit}")
        if dead_traces:
            console.print(f"dead traces: {int((~get_trace_mask(da)).sum())}")
        return
    from promethium.io import segy_info

    console.print(str(segy_info(path, dead_traces=dead_traces)), highlight=False)


@app.command()
def convert(
    source: Annotated[Path, typer.Argument(help="Input SEG-Y file or Zarr store.")],
    target: Annotated[Path, typer.Argument(help="Output: a .zarr store or a SEG-Y file.")],
    like: Annotated[
        Optional[Path],  # noqa: UP045 - typer needs Optional on Python 3.10
        typer.Option(help="SEG-Y whose headers to copy when writing SEG-Y."),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output.")] = False,
    absent: Annotated[str, typer.Option(help=_ABSENT_HELP)] = "skip",
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Convert SEG-Y to Zarr or Zarr to SEG-Y, streaming chunk by chunk."""
    from promethium.progress import progress_bar

    _output_is_zarr(target)
    da = _open(source)
    if like is None and not _is_zarr(source) and not _is_zarr(target):
        like = source
    with progress_bar(f"{source.name} -> {target.name}", enabled=progress):
        _write(da, target, like, overwrite, absent)
    typer.echo(f"wrote {target}")


@app.command()
def reconstruct(
    source: Annotated[Path, typer.Argument(help="Input SEG-Y file or Zarr store.")],
    target: Annotated[Path, typer.Argument(help="Output SEG-Y file or .zarr store.")],
    model: Annotated[str, typer.Option("--model", "-m", help="Registered model name.")] = "pocs",
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
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output.")] = False,
    absent: Annotated[str, typer.Option(help=_ABSENT_HELP)] = "append",
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Fill missing traces of a survey with a model; SEG-Y headers are preserved."""
    import promethium as pm
    from promethium.progress import progress_bar

    given = {
        "device": device,
        "batch_size": batch_size,
        "patch_size": patch_size,
        "overlap": overlap,
        "precision": precision,
    }
    options: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    da = _open(source)
    # No return_uncertainty option here: the result is a DataArray, never a Dataset.
    out = cast("xr.DataArray", pm.reconstruct(da, model=model, **options))
    like = None if _is_zarr(source) else source
    with progress_bar(f"{model}: {source.name} -> {target.name}", enabled=progress):
        _write(out, target, like, overwrite, absent)
    typer.echo(f"wrote {target}")


@app.command()
def plugins() -> None:
    """List every registered model, and the plugins that failed to load."""
    from rich.console import Console

    from promethium.plugins import render_plugins

    Console().print(render_plugins())


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    from promethium.errors import PromethiumError

    try:
        app(args=argv, standalone_mode=False)
    except PromethiumError as err:
        if _state["debug"]:
            raise
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        return 1
    except OSError as err:
        if _state["debug"]:
            raise
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        return 1
    except typer.Exit as exit_:
        return exit_.exit_code
    except typer.Abort:
        typer.secho("aborted", err=True)
        return 1
    except Exception as err:  # click usage errors
        import click

        if isinstance(err, click.exceptions.ClickException):
            err.show()
            return err.exit_code
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
