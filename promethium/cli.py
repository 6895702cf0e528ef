"""The ``promethium`` command: inspect, convert and reconstruct seismic files.

Every command has ``--help``. User mistakes print one line, ``error: ...``, and exit
with status 1 (usage mistakes: the usage and status 2); warnings print as
``warning: ...``. ``--debug`` shows Python tracebacks instead.
"""

from __future__ import annotations

import json
import sys
import warnings
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


def _version(value: bool) -> None:
    if value:
        import promethium

        typer.echo(f"promethium {promethium.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show Python tracebacks on errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Seismic data reconstruction: fill dead and missing traces."""


# -- SEG-Y reading options, shared by every command that opens a file ---------------------
_Byte = Annotated[
    Optional[int],  # noqa: UP045 - typer needs Optional on Python 3.10
    typer.Option(help="Trace-header byte of this key (SEG-Y input; default: standard)."),
]
_Profile = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(help="Named byte-location profile (SEG-Y input), see `promethium info`."),
]
_Geometry = Annotated[str, typer.Option(help="SEG-Y geometry: auto, 3d, 2d, prestack or traces.")]


#: The SEG-Y reading options every command takes, passed on to ``open_segy``.
_SEGY_KEYS = ("iline", "xline", "offset", "cdp", "shot", "channel", "profile", "geometry")


def _segy_keys(params: dict[str, Any]) -> dict[str, Any]:
    """The SEG-Y reading options a command was given (from its ``locals()``)."""
    return {k: params[k] for k in _SEGY_KEYS if params.get(k) not in (None, "auto")}


def _is_zarr(path: Path) -> bool:
    return path.suffix == ".zarr" or (path.is_dir() and (path / "zarr.json").exists())


def _open(path: Path, segy: dict[str, Any]) -> xr.DataArray:
    from promethium.io import open_segy, open_zarr

    if _is_zarr(path):
        return open_zarr(path)
    da = open_segy(path, **segy)
    if da.attrs.get("geometry") == "traces" and segy.get("geometry") != "traces":
        warnings.warn(
            f"{path.name} opened as a sequence of traces ({da.attrs.get('geometry_note', '')}); "
            f"if it is a cube or gathers, `promethium info {path}` suggests --iline/--xline "
            "bytes.",
            stacklevel=2,
        )
    return da


#: Suffixes of SEG-Y output files (compared case-insensitively).
_SEGY_SUFFIXES = (".sgy", ".segy")

_ABSENT_HELP = (
    "With --like (SEG-Y out): 'skip' leaves out grid positions the original file has no "
    "trace for; 'append' writes them after the original traces with headers from a "
    "neighbour. Default: append for reconstruct, skip for convert."
)


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
    da: xr.DataArray,
    path: Path,
    like: Path | None,
    overwrite: bool,
    absent: str | None,
    *,
    compute: bool = True,
) -> Any:
    """Write `da` as Zarr or SEG-Y by the suffix of `path`; a PendingWrite if not `compute`."""
    from promethium.errors import ConfigError
    from promethium.io import to_segy, to_zarr

    zarr = _output_is_zarr(path)
    if path.exists() and not overwrite:
        raise ConfigError(f"{path} exists; pass --overwrite to replace it.")
    if absent is not None and (zarr or like is None):
        raise ConfigError("--absent applies when writing SEG-Y with --like ORIGINAL.sgy.")
    if zarr:
        return to_zarr(da, path, mode="w", compute=compute)
    extra: dict[str, Any] = {"absent": absent} if absent else {}
    return to_segy(da, path, like=like, mode="w", compute=compute, **extra)  # checked above


def _check_like_and_absent(like: Path | None, absent: str | None) -> None:
    """Refuse a Zarr ``--like`` and an unknown ``--absent`` before any work is done."""
    from promethium.errors import ConfigError

    if like is not None and _is_zarr(like):
        raise ConfigError(f"--like must be a SEG-Y file whose headers to copy; got {like}.")
    if absent not in (None, "skip", "append"):
        raise ConfigError(f"--absent must be 'skip' or 'append'; got {absent!r}.")


def _key_values(pairs: list[str], what: str) -> dict[str, Any]:
    """Parse ``KEY=VALUE`` pairs; values are JSON (numbers, lists, true) or strings."""
    from promethium.errors import ConfigError

    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"{what} {pair!r} is not KEY=VALUE, e.g. {what} n_iter=30.")
        try:
            out[key] = json.loads(text)
        except json.JSONDecodeError:
            out[key] = text
    return out


@app.command()
def info(
    path: Annotated[Path, typer.Argument(help="A SEG-Y file or Zarr store.")],
    dead_traces: Annotated[
        bool, typer.Option(help="Count dead (all-zero or all-NaN) traces: reads every sample.")
    ] = False,
    iline: _Byte = None,
    xline: _Byte = None,
    offset: _Byte = None,
    cdp: _Byte = None,
    shot: _Byte = None,
    channel: _Byte = None,
    profile: _Profile = None,
    geometry: _Geometry = "auto",
) -> None:
    """Summarize a file's geometry: dims, sizes, sample interval, byte locations."""
    from rich.console import Console

    console = Console()
    if _is_zarr(path):
        from promethium.core import get_trace_mask, sample_interval

        da = _open(path, {})
        console.print(f"[bold]{path}[/] (Zarr)")
        console.print(f"dims: {dict(da.sizes)}")
        unit = "ms" if da.dims[-1] == "time" else "m"
        console.print(f"sample interval: {sample_interval(da, unit):g} {unit}")
        if dead_traces:
            console.print(f"missing traces: {int((~get_trace_mask(da)).sum())}")
        return
    from promethium.io import segy_info

    keys = _segy_keys(locals())
    summary = segy_info(path, dead_traces=dead_traces, **keys)
    console.print(summary.to_text(), highlight=False)
    if summary.suggestion:
        flags = " ".join(f"--{k} {v}" for k, v in summary.suggestion.items())
        console.print(f"on the command line: {flags}", highlight=False)


@app.command()
def convert(
    source: Annotated[Path, typer.Argument(help="Input SEG-Y file or Zarr store.")],
    target: Annotated[Path, typer.Argument(help="Output: a .zarr store or a SEG-Y file.")],
    like: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="SEG-Y whose headers to copy when writing SEG-Y."),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output.")] = False,
    absent: Annotated[Optional[str], typer.Option(help=_ABSENT_HELP)] = None,  # noqa: UP045
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    iline: _Byte = None,
    xline: _Byte = None,
    offset: _Byte = None,
    cdp: _Byte = None,
    shot: _Byte = None,
    channel: _Byte = None,
    profile: _Profile = None,
    geometry: _Geometry = "auto",
) -> None:
    """Convert SEG-Y to Zarr or Zarr to SEG-Y, streaming chunk by chunk."""
    from promethium.progress import progress_bar

    _output_is_zarr(target)
    _check_like_and_absent(like, absent)
    keys = _segy_keys(locals())
    da = _open(source, keys)
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
    absent: Annotated[Optional[str], typer.Option(help=_ABSENT_HELP)] = None,  # noqa: UP045
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    iline: _Byte = None,
    xline: _Byte = None,
    offset: _Byte = None,
    cdp: _Byte = None,
    shot: _Byte = None,
    channel: _Byte = None,
    profile: _Profile = None,
    geometry: _Geometry = "auto",
) -> None:
    """Fill missing traces of a survey with a model; SEG-Y headers are preserved."""
    from dask.base import is_dask_collection

    import promethium as pm
    from promethium.errors import ConfigError
    from promethium.progress import progress_bar

    _output_is_zarr(target)
    _check_like_and_absent(like, absent)
    given = {
        "device": device,
        "batch_size": batch_size,
        "patch_size": patch_size,
        "overlap": overlap,
        "precision": precision,
    }
    options: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    options.update(_key_values(option or [], "--option"))
    if options.get("return_uncertainty"):
        raise ConfigError(
            "the command line writes one array; use the Python API for uncertainty: "
            "pm.reconstruct(da, model=..., return_uncertainty=True)."
        )
    keys = _segy_keys(locals())
    da = _open(source, keys)
    model_config = _key_values(config or [], "--config") or None
    # The result is written as one array: no return_uncertainty here.
    out = cast("xr.DataArray", pm.reconstruct(da, model=model, config=model_config, **options))
    if like is None and not _is_zarr(source):
        like = source
    if like is not None and absent is None and not _output_is_zarr(target):
        absent = "append"  # a reconstruction fills grid positions the original lacks
    pending = _write(out, target, like, overwrite, absent, compute=False)
    live = out.coords["trace_mask"]
    with progress_bar(f"{model}: {source.name} -> {target.name}", enabled=progress):
        _, n_live = pending.compute_with(live.sum())  # the mask comes with the data read
    missing = live.size - int(n_live)
    typer.echo(f"wrote {target}: {model} filled {missing} of {live.size} traces")
    if missing == 0 and is_dask_collection(live.data):  # else pm.reconstruct warned already
        warnings.warn("no trace was missing: the output holds the input's samples.", stacklevel=1)


@app.command()
def plugins() -> None:
    """List every registered model, and the plugins that failed to load."""
    from rich.console import Console

    from promethium.plugins import render_plugins

    Console().print(render_plugins())


def _show_warning(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
    typer.secho(f"warning: {message}", fg=typer.colors.YELLOW, err=True)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 on success, 1 for an error, 2 for a usage mistake.
    """
    from promethium.errors import PromethiumError

    args = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in args
    with warnings.catch_warnings():
        if not debug:
            warnings.showwarning = _show_warning
        try:
            app(args=args, prog_name="promethium", standalone_mode=True)
        except SystemExit as done:  # click's normal exit, usage errors included
            code = done.code
            return code if isinstance(code, int) else (0 if code is None else 1)
        except (PromethiumError, OSError) as err:
            if debug:
                raise
            typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
            return 1
        except Exception as err:
            if debug:
                raise
            typer.secho(
                f"error: {type(err).__name__}: {err} (run with --debug for the traceback)",
                fg=typer.colors.RED,
                err=True,
            )
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
