"""The tests mirror the package: one folder per subpackage, no clashing module names."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).parent
PACKAGE = TESTS.parent / "promethium"


def _test_folders() -> list[Path]:
    return sorted({p.parent for p in TESTS.rglob("test_*.py")} - {TESTS})


def test_each_test_folder_is_named_after_a_module_of_the_package():
    stray = [
        str(folder.relative_to(TESTS))
        for folder in _test_folders()
        if not (PACKAGE / folder.relative_to(TESTS)).is_dir()
        and not (PACKAGE / folder.relative_to(TESTS)).with_suffix(".py").is_file()
    ]
    assert stray == [], f"test folders named after no module of promethium: {stray}"


def test_test_modules_outside_packages_have_unique_names():
    """pytest imports a test module of a folder without __init__.py by its bare name."""
    bare = [
        p.name
        for folder in _test_folders()
        if not (folder / "__init__.py").is_file()
        for p in folder.glob("test_*.py")
    ]
    packaged = [p.name for p in TESTS.glob("test_*.py")]
    clashes = sorted(name for name, n in Counter(bare + packaged).items() if n > 1)
    assert clashes == []
