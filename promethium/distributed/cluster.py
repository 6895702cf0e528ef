"""The dask.distributed client of a batch run: one given, one at an address, or a local one.

Without a scheduler, :func:`open_client` starts a ``LocalCluster`` sized to the machine
(dask's defaults: worker processes and threads from the CPU count, memory shared
between workers); ``gpus_per_worker`` gives each worker the resource ``GPU`` so that
tasks asking for ``GPU=1`` never oversubscribe a device.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from promethium.errors import ConfigError, PromethiumWarning

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

__all__ = [
    "LOCAL_THREADS_PER_CORE",
    "NANNY_PARENT_ENVIRON",
    "WORKER_ENVIRON",
    "WORKER_PROCESS_BYTES",
    "ClusterSpec",
    "dashboard_link",
    "local_cluster",
    "open_client",
    "task_resources",
    "warn_ignored_sizes",
    "worker_summary",
]

#: Environment of the worker processes of :func:`local_cluster`, beside dask's own.
WORKER_ENVIRON = {"MALLOC_MMAP_THRESHOLD_": str(32 * 2**20)}

#: What a dask ``Nanny`` sets in its own process's environment besides the pre-spawn
#: environment (``distributed.nanny``: a fixed hash seed for the workers, the parent's
#: pid for process titles).
NANNY_PARENT_ENVIRON = ("PYTHONHASHSEED", "__DASK_PARENT_PID")

#: Threads a local cluster may run per CPU core of the machine (``os.cpu_count()``), over
#: all its workers. Tasks compute (or feed a GPU, one task per GPU): past one thread per
#: core they only share the cores. Eight per core leaves room for tasks waiting on
#: storage and for deliberate oversubscription; more (``threads_per_worker=10**6``) cannot
#: be meant, and each thread costs its stack and keeps inputs open in the driver.
LOCAL_THREADS_PER_CORE = 8

#: Resident memory of a worker process with Promethium's readers, torch and a model loaded
#: (``benchmarks/distributed.py`` measures 450-590 MiB).
WORKER_PROCESS_BYTES = 512 * 2**20


class ClusterSpec:
    """How to size a local cluster (ignored when a client or an address is given).

    Parameters
    ----------
    n_workers : int, optional
        Worker processes (dask's default: from the CPU count).
    threads_per_worker : int, optional
        Threads per worker.
    gpus_per_worker : int, optional
        ``GPU`` resource per worker; tasks of GPU models ask for ``GPU=1`` each.
    memory_limit : str or int, optional
        Memory per worker (``"4GiB"``, bytes, or ``"auto"``: the machine's memory shared
        between workers).
    processes : bool, optional
        Worker processes (default) or threads of this process.
    dashboard_address : str, optional
        Where the dashboard listens (``":8787"`` by default; None turns it off).

    Raises
    ------
    ConfigError
        If a size is not a positive integer, or cannot be meant on this machine: more
        worker processes than its memory holds (:data:`WORKER_PROCESS_BYTES` each), or
        more threads in all than :data:`LOCAL_THREADS_PER_CORE` per CPU core.
    """

    def __init__(
        self,
        *,
        n_workers: int | None = None,
        threads_per_worker: int | None = None,
        gpus_per_worker: int | None = None,
        memory_limit: str | int = "auto",
        processes: bool = True,
        dashboard_address: str | None = ":0",
    ) -> None:
        for name, value in (
            ("n_workers", n_workers),
            ("threads_per_worker", threads_per_worker),
            ("gpus_per_worker", gpus_per_worker),
        ):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 1):  # fmt: skip
                raise ConfigError(f"{name} must be a positive integer; got {value!r}.")
        if processes and n_workers is not None:
            _check_worker_processes(n_workers)
        _check_threads(n_workers, threads_per_worker, processes)
        self.n_workers = n_workers
        self.threads_per_worker = threads_per_worker
        self.gpus_per_worker = gpus_per_worker
        self.memory_limit = memory_limit
        self.processes = processes
        self.dashboard_address = dashboard_address

    def capacity_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`~promethium.distributed.estimate.worker_capacity`."""
        return {
            "n_workers": self.n_workers,
            "threads_per_worker": self.threads_per_worker,
            "memory_limit": self.memory_limit,
            "gpus_per_worker": self.gpus_per_worker,
            "processes": self.processes,
        }

    def cluster_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``LocalCluster``."""
        kwargs: dict[str, Any] = {
            "processes": self.processes,
            "memory_limit": self.memory_limit,
            "dashboard_address": self.dashboard_address,
        }
        if self.n_workers is not None:
            kwargs["n_workers"] = self.n_workers
        if self.threads_per_worker is not None:
            kwargs["threads_per_worker"] = self.threads_per_worker
        if self.gpus_per_worker is not None:
            kwargs["resources"] = {"GPU": self.gpus_per_worker}
        return kwargs


def _check_worker_processes(n_workers: int) -> None:
    """Refuse more local worker processes than this machine's memory holds, idle."""
    import psutil

    from promethium.ops._memory import format_bytes

    total = int(psutil.virtual_memory().total)
    most = max(1, total // WORKER_PROCESS_BYTES)
    if n_workers > most:
        raise ConfigError(
            f"n_workers={n_workers} worker processes need about "
            f"{format_bytes(n_workers * WORKER_PROCESS_BYTES)} for their imports and model alone "
            f"(~{format_bytes(WORKER_PROCESS_BYTES)} each), more than this machine's "
            f"{format_bytes(total)}; ask for at most {most} (--workers; one per core is "
            f"usual: this machine has {os.cpu_count() or 1}), or give the address of a "
            "cluster with more machines."
        )


def _check_threads(n_workers: int | None, threads_per_worker: int | None, processes: bool) -> None:
    """Refuse a local cluster of more threads than :data:`LOCAL_THREADS_PER_CORE` per core."""
    from promethium.distributed.estimate import local_size

    workers, threads = local_size(n_workers, threads_per_worker, processes)
    cores = os.cpu_count() or 1
    most = LOCAL_THREADS_PER_CORE * cores
    if workers * threads <= most:
        return
    given = {"n_workers": n_workers, "threads_per_worker": threads_per_worker}
    named = " and ".join(f"{k}={v}" for k, v in given.items() if v is not None)
    raise ConfigError(
        f"{named} would start {workers} worker(s) x {threads} thread(s) = "
        f"{workers * threads} threads on this machine's {cores} CPU core(s); a local "
        f"cluster runs at most {LOCAL_THREADS_PER_CORE} per core ({most} here), as its tasks "
        f"compute and more threads only share the cores. Give n_workers x threads_per_worker "
        f"<= {most} (--workers, --threads-per-worker; leaving both out starts about one "
        "thread per core), or the address of a cluster with more machines (client=, "
        "--scheduler)."
    )


def warn_ignored_sizes(where: str, sizes: dict[str, Any]) -> None:
    """Warn that the sizes of a local cluster given (those not None) mean nothing at `where`.

    A client or scheduler address given, its workers run the tasks: ``n_workers`` and
    the like are not checked and change nothing.
    """
    given = [f"{name}={value!r}" for name, value in sizes.items() if value is not None]
    if given:
        warnings.warn(
            f"{', '.join(given)} size a local cluster and are ignored: the tasks run on the "
            f"workers of {where}. Size that cluster where it is started (dask-jobqueue, "
            "dask-cuda, dask worker), or leave the scheduler out to start a local one.",
            PromethiumWarning,
            stacklevel=3,
        )


@contextlib.contextmanager
def open_client(
    client: Client | str | None, spec: ClusterSpec | None = None, *, timeout: str = "10s"
) -> Iterator[Client]:
    """Yield a client: `client` itself, one connected to an address, or a new local cluster.

    A client given is left open; one this function made is closed (and its cluster
    shut down) on exit.

    Parameters
    ----------
    client : distributed.Client, str or None
        An existing client, a scheduler address (``"tcp://host:8786"``), or None for
        a ``LocalCluster`` sized by `spec`.
    spec : ClusterSpec, optional
        The local cluster's size.
    timeout : str, optional
        How long to wait for a scheduler at an address.

    Raises
    ------
    ConfigError
        If the address is malformed or no scheduler answers there (within 10 s), or
        `client` is of another type.
    """
    from distributed import Client

    if isinstance(client, Client):
        yield client
        return
    if isinstance(client, str):
        yield from _connect(client, timeout)
        return
    if client is not None:
        raise ConfigError(
            f"client must be a distributed.Client, a scheduler address such as "
            f"'tcp://host:8786', or None; got {type(client).__name__}."
        )
    with local_cluster(spec or ClusterSpec()) as cluster, Client(cluster) as local:
        yield local


@contextlib.contextmanager
def local_cluster(spec: ClusterSpec) -> Iterator[LocalCluster]:
    """Start a ``LocalCluster`` sized by `spec`, its workers' allocator set for arrays.

    dask starts worker processes with ``MALLOC_TRIM_THRESHOLD_=65536``, which also turns
    off glibc's adaptive mmap threshold: every temporary array above 128 KiB is then
    mapped and unmapped, and touching it again costs page faults (``pocs`` on a
    256 x 1000 panel: about 0.5 s of system time on 0.8 s of compute). The workers
    started here also get :data:`WORKER_ENVIRON` (arrays up to 32 MiB reuse the heap;
    dask's trimming stays on). The environment of this process is as before once the
    block ends (dask's nannies set their workers' variables in it while they spawn them).

    Parameters
    ----------
    spec : ClusterSpec
        The cluster's size.

    Yields
    ------
    distributed.LocalCluster
        The running cluster, closed on exit.
    """
    import dask
    from distributed import LocalCluster

    environ = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **WORKER_ENVIRON}
    with (
        _parent_environ_kept([*environ, *NANNY_PARENT_ENVIRON]),
        dask.config.set({"distributed.nanny.pre-spawn-environ": environ}),
        LocalCluster(**spec.cluster_kwargs()) as cluster,
    ):
        yield cluster


@contextlib.contextmanager
def _parent_environ_kept(names: list[str]) -> Iterator[None]:
    """Give the variables `names` of this process's environment back their values on exit.

    A dask ``Nanny`` sets its workers' pre-spawn environment (and its own markers) in
    the environment of the process that starts it, just before spawning a worker, and
    leaves them there; without this, every process the caller started after a batch run
    would inherit ``MALLOC_MMAP_THRESHOLD_``, ``PYTHONHASHSEED=6640`` and one-thread BLAS
    settings. Restored only once the cluster is closed: a nanny restarting a killed
    worker sets them again, and they must be there when it spawns.
    """
    saved = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _connect(address: str, timeout: str) -> Iterator[Client]:
    from distributed import Client

    if "://" not in address and ":" not in address:
        raise ConfigError(
            f"scheduler address {address!r} is not an address; give one such as "
            "'tcp://10.0.0.5:8786' (the scheduler prints it when it starts)."
        )
    try:
        connected = Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as err:
        raise ConfigError(
            f"no dask scheduler answers at {address!r} ({type(err).__name__}: {err}); "
            "check the address (dask scheduler prints it), that the scheduler runs and is "
            f"reachable (within {timeout}), or leave the address out to start a local cluster."
        ) from err
    with connected:
        yield connected


def worker_summary(client: Client) -> dict[str, Any]:
    """Workers, threads, memory limit per worker (the smallest) and GPUs, for messages."""
    info = client.scheduler_info(n_workers=-1)["workers"]
    limits = [int(w.get("memory_limit") or 0) for w in info.values()]
    return {
        "workers": len(info),
        "threads": sum(int(w.get("nthreads") or 0) for w in info.values()),
        "memory_limit": min(limits) if limits else 0,
        "gpus": sum(float((w.get("resources") or {}).get("GPU", 0)) for w in info.values()),
    }


def dashboard_link(client: Client) -> str | None:
    """The address of the client's dask dashboard, or None when it has none."""
    try:
        link = client.dashboard_link
    except (KeyError, AttributeError):
        return None
    return str(link) if link else None


def task_resources(client: Client, device: str | None) -> dict[str, float] | None:
    """``{"GPU": 1}`` for the tasks of a model on `device` where workers offer GPUs.

    None for a model without a ``device`` option (`device` None) or on ``"cpu"``; a
    CUDA device on workers without the resource ``GPU`` runs with a warning.
    """
    if device is None or device == "cpu":
        return None
    if worker_summary(client)["gpus"] > 0:
        return {"GPU": 1}
    if device.startswith("cuda"):
        warnings.warn(
            f"device={device!r} but no worker offers the resource 'GPU': tasks do not "
            "reserve a GPU and several may share one. Start workers with --resources "
            "GPU=1 (or gpus_per_worker=1; dask-cuda does it per GPU).",
            PromethiumWarning,
            stacklevel=3,
        )
    return None
