"""The clients a batch run opens never become dask's default scheduler."""

from __future__ import annotations

import dask

from promethium.distributed.cluster import ClusterSpec, open_client


def _default_scheduler():
    return dask.base.get_scheduler(collections=[dask.delayed(1)])


def test_a_local_cluster_of_a_batch_run_leaves_the_default_scheduler_alone():
    before = _default_scheduler()
    spec = ClusterSpec(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None)
    with open_client(None, spec) as client:
        # A default client would send every later .compute() of this process to the
        # cluster: dask callbacks and warnings would never be seen here.
        assert _default_scheduler() is before
        assert client.submit(sum, [1, 2]).result() == 3
    assert _default_scheduler() is before
