"""Small surveys and one real LocalCluster (worker processes) shared by the batch tests."""

from __future__ import annotations

import pytest
from batch_models import write_survey


@pytest.fixture
def surveys(tmp_path):
    """Two SEG-Y inputs in ``tmp_path/in``."""
    folder = tmp_path / "in"
    folder.mkdir()
    return [write_survey(folder / f"line{i}.sgy", seed=i) for i in range(2)]


@pytest.fixture(scope="session")
def client():
    """Two single-thread worker processes; a killed worker is restarted by its nanny."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
            resources={"GPU": 1},
        ) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        yield client
