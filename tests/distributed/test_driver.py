"""The driver loop: how many inputs it keeps open, and its progress counts."""

from __future__ import annotations

import pytest

import promethium as pm
from promethium.distributed import driver as driver_module
from promethium.distributed.checks import run_settings
from promethium.distributed.driver import MAX_OPEN_INPUTS, BatchDriver
from tests.distributed.batch_models import write_survey

FRONT_DOOR = {"keep_observed": True, "extrapolate": False, "refill": False}


@pytest.fixture
def many_threads():
    """A client of one in-process worker reporting MAX_OPEN_INPUTS threads."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=MAX_OPEN_INPUTS,
                                 processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        yield client


def test_open_inputs_are_capped_however_many_threads(many_threads, tmp_path, monkeypatch):
    settings = run_settings("linear", None, {}, None, FRONT_DOOR, None, None, ("zarr",))
    driver = BatchDriver(many_threads, [], settings, True, None, None, None, None)
    assert driver.max_active == MAX_OPEN_INPUTS == 64  # not twice the 64 threads
    # The same with a cap of 3, on a batch of 7 inputs: every state reports at most 3
    # open, and the first (all opened before any result) exactly 3.
    monkeypatch.setattr(driver_module, "MAX_OPEN_INPUTS", 3)
    (tmp_path / "in").mkdir()
    paths = [write_survey(tmp_path / "in" / f"s{i}.sgy", seed=i, n_shots=1) for i in range(7)]
    seen = []
    result = pm.batch_reconstruct(paths, tmp_path / "out", client=many_threads, model="linear",
                                  formats=["zarr"], progress=seen.append)  # fmt: skip
    assert [r.status for r in result.inputs] == ["written"] * 7
    assert seen[0].files_open == max(s.files_open for s in seen) == 3
    assert seen[-1].files_open == 0
