"""The documentation site builds without a warning: links, nav and API reference."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_docs_build_in_strict_mode(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
         str(ROOT / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-4000:]
    site = tmp_path / "site"
    # The API reference is generated from the docstrings: numpydoc sections rendered.
    io = (site / "reference" / "io" / "index.html").read_text()
    assert 'id="promethium.io.segy_info"' in io and "Summarize a SEG-Y file" in io
    main = (site / "reference" / "reconstruct" / "index.html").read_text()
    assert 'id="promethium.reconstruct.reconstruct"' in main
    plugins = (site / "reference" / "plugins" / "index.html").read_text()
    assert 'id="promethium.Registry"' in plugins and 'id="promethium.hookimpl"' in plugins
    assert (site / "getting-started" / "index.html").exists()


def test_every_docs_page_is_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    missing = sorted(p for p in pages if p not in nav)
    assert not missing, f"add these pages to the nav of mkdocs.yml: {missing}"
