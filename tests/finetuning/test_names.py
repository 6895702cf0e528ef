"""``pm.finetune`` is the function; the package's modules keep their dotted names."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import promethium as pm


def test_pm_finetune_is_the_function_and_the_modules_are_reachable_by_name():
    import promethium.finetuning.run

    assert isinstance(promethium.finetuning.run, types.ModuleType)  # not shadowed
    assert pm.finetune is promethium.finetuning.run.finetune
    assert callable(pm.finetune) and pm.finetune.__module__ == "promethium.finetuning.run"
    for name in ("settings", "start", "run", "identity", "output", "result", "front"):
        module = importlib.import_module(f"promethium.finetuning.{name}")
        assert getattr(promethium.finetuning, name) is module


def test_import_as_gives_the_package_in_a_fresh_interpreter():
    code = (
        "import promethium.finetuning.settings as s, promethium as pm, types; "
        "assert s.__name__ == 'promethium.finetuning.settings'; "
        "import promethium.finetuning as f; assert isinstance(f, types.ModuleType); "
        "assert callable(pm.finetune) and not isinstance(pm.finetune, types.ModuleType)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
