"""Shared fixtures: small synthetic data, nothing downloaded."""

from __future__ import annotations

import os
import sys
import textwrap
from itertools import count

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("ci", max_examples=25, deadline=None)
settings.register_profile("thorough", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_plugin_ids = count()


@pytest.fixture(scope="session")
def gather():
    """A 48-trace, 128-sample synthetic shot gather (offset, time); do not modify it."""
    import promethium as pm

    return pm.synthetic_gather(n_traces=48, n_samples=128, seed=3)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def make_plugin(tmp_path, monkeypatch):
    """Install a throwaway distribution whose ``promethium`` entry point runs `source`."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    modules: list[str] = []

    def make(name: str, source: str, *, version: str = "1.2.3") -> str:
        module = f"fake_promethium_plugin_{next(_plugin_ids)}"
        (site / f"{module}.py").write_text(textwrap.dedent(source))
        info = site / f"{module}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: {version}\n"
        )
        (info / "entry_points.txt").write_text(f"[promethium]\n{name} = {module}\n")
        modules.append(module)
        return module

    yield make
    for module in modules:
        sys.modules.pop(module, None)
