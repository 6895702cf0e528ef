"""The local cluster of a batch run: its size checked up front, its workers' environment."""

from __future__ import annotations

import os
import re

import pytest

from promethium.distributed.cluster import (
    LOCAL_THREADS_PER_CORE,
    NANNY_PARENT_ENVIRON,
    WORKER_ENVIRON,
    ClusterSpec,
    local_cluster,
)
from promethium.errors import ConfigError


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


CORES = os.cpu_count() or 1
MOST = LOCAL_THREADS_PER_CORE * CORES


def test_a_million_threads_per_worker_is_refused_naming_the_cpu_count():
    with pytest.raises(ConfigError) as info:
        ClusterSpec(threads_per_worker=10**6)
    assert str(info.value) == (
        f"threads_per_worker=1000000 would start 1 worker(s) x 1000000 thread(s) = 1000000 "
        f"threads on this machine's {CORES} CPU core(s); a local cluster runs at most 8 per "
        f"core ({MOST} here), as its tasks compute and more threads only share the cores. "
        f"Give n_workers x threads_per_worker <= {MOST} (--workers, --threads-per-worker; "
        "leaving both out starts about one thread per core), or the address of a cluster "
        "with more machines (client=, --scheduler)."
    )


@pytest.mark.parametrize(
    ("sizes", "named"),
    [
        ({"n_workers": MOST + 1, "processes": False}, f"n_workers={MOST + 1} would start"),
        ({"n_workers": 2, "threads_per_worker": MOST // 2 + 1},
         f"n_workers=2 and threads_per_worker={MOST // 2 + 1} would start 2 worker(s)"),
    ],
)  # fmt: skip
def test_more_threads_than_8_per_core_in_all_are_refused(sizes, named):
    with pytest.raises(ConfigError, match=rf"^{re.escape(named)} .* on this machine's {CORES} CPU"):
        ClusterSpec(**sizes)


def test_the_most_threads_allowed_pass():
    ClusterSpec(n_workers=1, threads_per_worker=MOST, processes=False)
    ClusterSpec(threads_per_worker=MOST)
    ClusterSpec()  # dask's own sizes


def test_a_hundred_thousand_worker_processes_are_refused():
    with pytest.raises(ConfigError, match=rf"^n_workers=100000 worker processes need about .*"
                       rf"ask for at most \d+ \(--workers; one per core is usual: this machine has "
                       rf"{CORES}\)"):  # fmt: skip
        ClusterSpec(n_workers=100_000)


@pytest.mark.parametrize("value", [0, -1, True, 2.5, "4"])
@pytest.mark.parametrize("name", ["n_workers", "threads_per_worker", "gpus_per_worker"])
def test_sizes_that_are_not_positive_integers_are_refused(name, value):
    with pytest.raises(ConfigError, match=rf"^{name} must be a positive integer; got "):
        ClusterSpec(**{name: value})
