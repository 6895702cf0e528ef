"""Batch reconstruction on dask.distributed: many files, or one survey by chunks.

:func:`batch_reconstruct` runs :func:`promethium.reconstruct` on a cluster (a
``LocalCluster`` it starts, or any scheduler address), records every finished output
chunk in a manifest, resumes after a crash without recomputing finished chunks, and
writes each output atomically once complete. ``promethium batch`` is its command.

Importing :mod:`promethium` does not import this package (nor dask.distributed);
``pm.batch_reconstruct`` imports it on first use.
"""

from __future__ import annotations

from promethium.distributed.batch import batch_reconstruct
from promethium.distributed.cluster import ClusterSpec, open_client
from promethium.distributed.progress import BatchProgress, progress_display
from promethium.distributed.result import BatchResult, InputResult

__all__ = [
    "BatchProgress",
    "BatchResult",
    "ClusterSpec",
    "InputResult",
    "batch_reconstruct",
    "open_client",
    "progress_display",
]
