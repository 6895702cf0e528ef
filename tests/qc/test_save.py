"""Saving a report folder: all of it or nothing, never over an existing one unasked."""

from __future__ import annotations

import json

import pytest

from promethium.errors import ConfigError
from promethium.qc import figures


@pytest.fixture
def quick_figures(monkeypatch):
    """Figures drawn as one small file: the folder logic without matplotlib's time."""

    def draw(report, folder):
        (folder / "best.png").write_bytes(b"png")
        return [folder / "best.png"]

    monkeypatch.setattr(figures, "write_figures", draw)


def test_save_writes_json_markdown_and_figures(report, saved):
    out = saved
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["qc.json", "qc.md", "best.png", "fk.png", "per-trace.png",
                            "model-pocs.png", "model-linear.png"])  # fmt: skip
    assert json.loads((out / "qc.json").read_text())["best"] == report.best.label
    markdown = (out / "qc.md").read_text()
    assert report.table(markdown=True) in markdown and "![best](best.png)" in markdown
    assert list(out.parent.iterdir()) == [out]  # no staging folder left
    assert out.stat().st_mode & 0o755 == 0o755  # readable like any folder, not private


def test_an_existing_report_is_kept_unless_overwrite(report, tmp_path, quick_figures):
    out = tmp_path / "report"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    with pytest.raises(ConfigError, match="exists; pass --overwrite"):
        report.save(out)
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    report.save(out, overwrite=True)
    assert not (out / "mine.txt").exists() and (out / "qc.json").exists()
    assert list(tmp_path.iterdir()) == [out]


def test_a_failure_leaves_no_half_written_report(report, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(figures, "_comparison", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        report.save(tmp_path / "report")
    assert list(tmp_path.iterdir()) == []
    # With overwrite, the previous report stays as it was.
    old = tmp_path / "old"
    old.mkdir()
    (old / "qc.json").write_text("{}")
    with pytest.raises(RuntimeError, match="disk full"):
        report.save(old, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["old"]
    assert (old / "qc.json").read_text() == "{}"


def test_a_file_or_a_missing_parent_is_refused(report, tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="is a file"):
        report.save(tmp_path / "file", overwrite=True)
    with pytest.raises(ConfigError, match="does not exist"):
        report.save(tmp_path / "no" / "report")


def test_a_staging_folder_left_by_a_killed_save_is_removed_by_the_next(
    report, tmp_path, quick_figures
):
    import subprocess
    import sys

    from promethium.io import atomic

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "report"
    stale = tmp_path / f"{atomic.temp_prefix(out)}{atomic._host()}.{dead.pid}.0.abc"
    stale.mkdir()
    (stale / "qc.json").write_text("{")
    report.save(out)
    assert list(tmp_path.iterdir()) == [out]
