"""The local cluster of a batch run: its size checked up front, its workers' environment."""

from __future__ import annotations

import os

import pytest

from promethium.distributed.cluster import (
    NANNY_PARENT_ENVIRON,
    WORKER_ENVIRON,
    ClusterSpec,
    local_cluster,
)


def test_local_cluster_sets_its_workers_environ_and_leaves_this_process_as_it_was(
    monkeypatch,
):
    distributed = pytest.importorskip("distributed")
    # Variables the nannies set here, unset before (one set to a value of its own).
    for name in [*WORKER_ENVIRON, *NANNY_PARENT_ENVIRON, "OPENBLAS_NUM_THREADS"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    before = dict(os.environ)
    spec = ClusterSpec(n_workers=1, threads_per_worker=1, dashboard_address=None)
    with local_cluster(spec) as cluster, distributed.Client(cluster) as client:
        seen = client.run(lambda: {k: os.environ.get(k) for k in ("MALLOC_MMAP_THRESHOLD_",
                                                                 "MKL_NUM_THREADS")})  # fmt: skip
    # heap reuse up to 32 MiB arrays in the workers; the caller's own value kept
    assert list(seen.values()) == [{"MALLOC_MMAP_THRESHOLD_": str(32 * 2**20),
                                    "MKL_NUM_THREADS": "3"}]  # fmt: skip
    assert dict(os.environ) == before
