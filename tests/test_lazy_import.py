"""`import promethium` stays fast and imports no heavy dependency (STYLE rule 3)."""

import subprocess
import sys

HEAVY = ("torch", "mlflow", "segyio", "zarr", "matplotlib", "pint", "scipy")


def test_import_promethium_loads_nothing_heavy():
    code = f"import sys, promethium\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import promethium loaded: {out.stdout.strip()}"


def test_import_has_no_side_effects(tmp_path):
    subprocess.run([sys.executable, "-c", "import promethium"], cwd=tmp_path, check=True)
    assert list(tmp_path.iterdir()) == []
