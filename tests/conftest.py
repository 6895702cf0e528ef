"""Shared fixtures: small synthetic data, nothing downloaded."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("ci", max_examples=25, deadline=None)
settings.register_profile("thorough", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def gather():
    """A 48-trace, 128-sample synthetic shot gather (offset, time); do not modify it."""
    import promethium as pm

    return pm.synthetic_gather(n_traces=48, n_samples=128, seed=3)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
