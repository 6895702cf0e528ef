"""Small surveys for the QC tests."""

from __future__ import annotations

import pytest

import promethium as pm

#: The classical models: fast, and independent of which network weights ship.
CLASSICAL = ["pocs", "linear"]


@pytest.fixture
def section():
    """A stacked section with dipping reflectors: 48 CDPs, 96 samples at 4 ms."""
    return pm.synthetic_section(n_traces=48, n_samples=96, seed=1)


@pytest.fixture
def decimated(section):
    """The section with every second trace missing (regular decimation by 2)."""
    return pm.apply_trace_mask(section, pm.regular_mask(section, 2))


@pytest.fixture(scope="package")
def report():
    """A QC report of pocs and linear on random holes of the section (computed once)."""
    section = pm.synthetic_section(n_traces=48, n_samples=96, seed=1)
    return pm.qc(section, CLASSICAL, holdout=0.2, seed=0)


@pytest.fixture(scope="package")
def saved(report, tmp_path_factory):
    """`report` saved once into a folder (figures are the slow part)."""
    return report.save(tmp_path_factory.mktemp("saved") / "report")
