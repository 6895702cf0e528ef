"""Writing a QC report folder atomically: all of it, or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from promethium.errors import ConfigError
from promethium.io.atomic import commit, prepare, remove_path, sigterm_unwinds

if TYPE_CHECKING:
    from promethium.qc.report import QCReport

__all__ = ["REPORT_FILES", "save_report"]

#: The files of a report folder besides the figures.
REPORT_FILES = ("qc.json", "qc.md")


def save_report(report: QCReport, folder: Path, *, overwrite: bool = False) -> Path:
    """Write ``qc.json``, ``qc.md`` and the PNG figures of `report` into `folder`.

    Everything is written into a temporary folder beside `folder`, which is moved
    into place when complete, as the Zarr writes are (:mod:`promethium.io.atomic`): a
    failure or SIGTERM leaves no half-written report (and, with `overwrite`, the
    previous report stays until the new one is complete); a staging folder left by a
    killed process is removed by the next save to the same folder.

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
    with sigterm_unwinds():  # SIGTERM removes the staging folder too
        staging = prepare(folder)
        try:
            staging.mkdir()
            report.to_json(staging / "qc.json")
            (staging / "qc.md").write_text(_markdown(report), encoding="utf-8")
            report.figures(staging)
        except BaseException:
            remove_path(staging)
            raise
        commit(staging, folder, "w" if overwrite else "w-")
    return folder


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
