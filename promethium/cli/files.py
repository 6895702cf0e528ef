"""Opening the input and writing the output of a command, by path and suffix."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "ABSENT_HELP",
    "MARK_FILLED_HELP",
    "check_like_and_absent",
    "check_target",
    "check_uncertainty_target",
    "is_zarr",
    "local_path",
    "open_input",
    "output_is_zarr",
    "write_output",
]

logger = logging.getLogger(__name__)

#: Suffixes of SEG-Y output files (compared case-insensitively).
SEGY_SUFFIXES = (".sgy", ".segy")

MARK_FILLED_HELP = (
    "SEG-Y out: record which traces a model filled (trace identification code 32767 in "
    "bytes 29-30, counted on card C39), so that reading recovers trace_filled. Off: "
    "headers stay byte-identical."
)

ABSENT_HELP = (
    "With --like (SEG-Y out): 'skip' leaves out filled grid positions the original file "
    "has no trace for; 'insert' writes them at their place in the file's sort order with "
    "headers from a neighbour ('append' is its deprecated name). Default: insert for "
    "reconstruct, skip for convert."
)


def local_path(value: str) -> Path:
    """A path given on the command line; a URL is refused, never read as a local name.

    Without this, ``s3://bucket/out.zarr`` would become the local folder ``s3:``.
    """
    if "://" in value:
        raise typer.BadParameter(
            f"{value!r} is a URL: the command line reads and writes local paths only, and "
            "SEG-Y must be a local file. Zarr stores on object storage work from Python "
            "with the filesystem package installed: pm.open_zarr('s3://...'), "
            "pm.to_zarr(da, 's3://...')."
        )
    return Path(value)


def is_zarr(path: Path) -> bool:
    """Whether `path` names a Zarr store (by suffix, or a folder holding ``zarr.json``)."""
    return path.suffix == ".zarr" or (path.is_dir() and (path / "zarr.json").exists())


def open_input(path: Path, segy: dict[str, Any]) -> xr.DataArray:
    """Open a Zarr store or a SEG-Y file (with the SEG-Y reading options `segy`)."""
    from promethium.io import open_segy, open_zarr

    da = open_zarr(path) if is_zarr(path) else open_segy(path, **segy)
    chunks = {d: max(c) for d, c in zip(da.dims, da.chunks or (), strict=False)}
    logger.info("opened %s: dims %s, chunks %s", path, dict(da.sizes), chunks)
    return da


def output_is_zarr(path: Path) -> bool:
    """Whether to write `path` as Zarr (True) or SEG-Y (False); raise for anything else."""
    from promethium.errors import ConfigError

    if is_zarr(path):
        return True
    if path.suffix.lower() in SEGY_SUFFIXES:
        return False
    raise ConfigError(
        f"cannot tell the output format of {str(path)!r} from its suffix "
        f"{path.suffix or '(none)'!r}; name it *.zarr (a Zarr store) or "
        f"{' / '.join('*' + s for s in SEGY_SUFFIXES)} (SEG-Y, any case)."
    )


def write_output(
    da: xr.DataArray,
    path: Path,
    like: Path | None,
    overwrite: bool,
    absent: str | None,
    *,
    compute: bool = True,
    mark_filled: bool = False,
) -> Any:
    """Write `da` as Zarr or SEG-Y by the suffix of `path`; a PendingWrite if not `compute`.

    `mark_filled` records the filled traces in a SEG-Y output's headers (see
    :func:`~promethium.io.to_segy`); a Zarr store keeps ``trace_filled`` anyway.
    """
    from promethium.errors import ConfigError
    from promethium.io import to_segy, to_zarr

    zarr = output_is_zarr(path)
    check_target(path, overwrite)
    if absent is not None and (zarr or like is None):
        raise ConfigError("--absent applies when writing SEG-Y with --like ORIGINAL.sgy.")
    if mark_filled and zarr:
        raise ConfigError(
            "--mark-filled applies to SEG-Y output; a Zarr store keeps which traces were "
            "filled in its trace_filled coordinate."
        )
    mode = "w" if overwrite else "w-"  # enforced again when the write commits
    logger.info("writing %s as %s", path, "Zarr" if zarr else f"SEG-Y (headers from {like})")
    if zarr:
        return to_zarr(da, path, mode=mode, compute=compute)
    extra: dict[str, Any] = {"absent": absent} if absent else {}
    return to_segy(
        da, path, like=like, mode=mode, compute=compute, mark_filled=mark_filled, **extra
    )


def check_target(path: Path, overwrite: bool, source: Path | None = None) -> None:
    """Refuse an existing output unless ``--overwrite`` was given, and the input itself."""
    from promethium.errors import ConfigError

    if source is not None and _same_path(source, path):
        raise ConfigError(
            f"the output {path} is the input {source}; inputs are never modified: write "
            "to another path (then move it over the original if you mean to replace it)."
        )
    if path.exists() and not overwrite:
        raise ConfigError(f"{path} exists; pass --overwrite to replace it.")


def _same_path(a: Path, b: Path) -> bool:
    """Whether `a` and `b` name the same file or folder (links and hard links too)."""
    if a.exists() and b.exists():
        return a.samefile(b)
    return a.resolve() == b.resolve()


def check_uncertainty_target(path: Path | None, target: Path, overwrite: bool) -> None:
    """Refuse an ``--uncertainty`` store that is not ``*.zarr``, is `target`, or exists."""
    from promethium.errors import ConfigError

    if path is None:
        return
    if path.suffix != ".zarr":
        raise ConfigError(
            f"--uncertainty writes a Zarr store of mean and std; name it *.zarr, got {path}."
        )
    if path.resolve() == target.resolve():
        raise ConfigError(f"--uncertainty {path} is the output itself; give another path.")
    check_target(path, overwrite)


def check_like_and_absent(like: Path | None, absent: str | None) -> None:
    """Refuse a Zarr ``--like`` and an unknown ``--absent`` before any work is done."""
    from promethium.errors import ConfigError

    if like is not None and is_zarr(like):
        raise ConfigError(f"--like must be a SEG-Y file whose headers to copy; got {like}.")
    if absent not in (None, "skip", "insert", "append"):
        raise ConfigError(f"--absent must be 'skip' or 'insert'; got {absent!r}.")
