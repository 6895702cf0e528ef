"""Small surveys and one real LocalCluster (worker processes) shared by the batch tests."""

from __future__ import annotations

import pytest

from tests.distributed.batch_models import write_survey


@pytest.fixture
def surveys(tmp_path):
    """Two SEG-Y inputs in ``tmp_path/in``."""
    folder = tmp_path / "in"
    folder.mkdir()
    return [write_survey(folder / f"line{i}.sgy", seed=i) for i in range(2)]


@pytest.fixture(scope="session")
def cluster():
    """Two single-thread worker processes; a killed worker is restarted by its nanny."""
    pytest.importorskip("distributed")
    from promethium.distributed.cluster import ClusterSpec, local_cluster

    # As batch_reconstruct starts one (this process's environment left as it was).
    spec = ClusterSpec(n_workers=2, threads_per_worker=1, gpus_per_worker=1,
                       dashboard_address=None)  # fmt: skip
    with local_cluster(spec) as cluster:
        yield cluster


@pytest.fixture
def client(cluster):
    """A client of the shared cluster for one test.

    A client is dask's default scheduler while it is open, so it is closed after each
    test: later tests in the same worker process compute locally again (a session-wide
    client sent every later ``.compute()`` to the cluster, breaking compute-count
    callbacks and warnings, and slowing the whole run).
    """
    import dask
    import distributed

    with distributed.Client(cluster) as client:
        yield client
    assert dask.config.get("scheduler", None) != "dask.distributed", "client left as default"
