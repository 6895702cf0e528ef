"""Writing a QC report folder atomically: all of it, or nothing."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from promethium.errors import ConfigError

if TYPE_CHECKING:
    from promethium.qc.report import QCReport

__all__ = ["REPORT_FILES", "save_report"]

#: The files of a report folder besides the figures.
REPORT_FILES = ("qc.json", "qc.md")


def save_report(report: QCReport, folder: Path, *, overwrite: bool = False) -> Path:
    """Write ``qc.json``, ``qc.md`` and the PNG figures of `report` into `folder`.

    Everything is written into a temporary folder beside `folder`, which is renamed
    into place when complete: a failure leaves no half-written report (and, with
    `overwrite`, the previous report stays until the new one is complete).

    Parameters
    ----------
    report : QCReport
        A report made by :func:`promethium.qc`.
    folder : pathlib.Path
        The report folder to create.
    overwrite : bool, default False
        Replace an existing `folder`.

    Returns
    -------
    pathlib.Path
        `folder`.

    Raises
    ------
    ConfigError
        If `folder` exists (without `overwrite`) or is a file, or its parent folder
        does not exist.
    InvalidDataError
        If the report has no arrays to draw (read back from JSON).
    """
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} is a file; the QC report is a folder: give another path.")
    if folder.exists() and not overwrite:
        raise ConfigError(f"{folder} exists; pass --overwrite (overwrite=True) to replace it.")
    parent = folder.resolve().parent
    if not parent.is_dir():
        raise ConfigError(f"cannot write {folder}: its folder {parent} does not exist.")
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=parent))
    try:
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; a report is not
        report.to_json(staging / "qc.json")
        (staging / "qc.md").write_text(_markdown(report), encoding="utf-8")
        report.figures(staging)
        _swap_in(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _swap_in(staging: Path, folder: Path) -> None:
    """Rename `staging` to `folder`; an old `folder` is moved aside, then removed."""
    if not folder.exists():
        staging.rename(folder)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=staging.parent))
    old.rmdir()
    folder.rename(old)
    try:
        staging.rename(folder)
    except BaseException:
        old.rename(folder)  # put the previous report back
        raise
    shutil.rmtree(old, ignore_errors=True)


def _markdown(report: QCReport) -> str:
    from promethium.qc.figures import figure_name

    h = report.holdout
    lines = [
        "# Blind-test QC",
        "",
        f"{h['n_hidden']} of {h['n_live']} live traces hidden ({h['pattern']}, fraction "
        f"{h['fraction']}, seed {h['seed']}) in {h['n_sampled']} of the survey's "
        f"{h['n_gathers']} gather(s); each model restored them and was scored against "
        "the hidden truth. Best first.",
        "",
        report.table(markdown=True),
        "",
        f"Best: **{report.best.label}**.",
        "",
        "![best](best.png)",
        "",
        *(f"![{s.label}]({figure_name(s.label)})" for s in report.scores),
        "",
        "![f-k spectra](fk.png)",
        "",
        "![per-trace SNR](per-trace.png)",
        "",
    ]
    return "\n".join(lines)
