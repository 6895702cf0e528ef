"""Promethium: seismic data reconstruction on labeled, lazy xarray data.

>>> import promethium as pm
>>> da = pm.synthetic_gather()
>>> pm.vertical_dim(da)
'time'
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import promethium.accessor  # noqa: F401  (registers the ``da.pm`` accessor)
from promethium import ops, plot, testing
from promethium.catalog import create_model, list_models
from promethium.core import (
    TRACE_MASK,
    apply_trace_mask,
    gap_mask,
    get_trace_mask,
    infer_trace_mask,
    random_mask,
    regular_mask,
    sample_interval,
    trace_dim,
    unit_registry,
    validate,
    vertical_dim,
    with_trace_mask,
)
from promethium.errors import (
    BatchError,
    ConfigError,
    InvalidDataError,
    ModelNotFoundError,
    PluginError,
    PromethiumError,
    PromethiumWarning,
    SegyFormatError,
    SourceChangedError,
    StoreError,
    UnitError,
)
from promethium.finetuning import finetune
from promethium.io import (
    open_segy,
    open_zarr,
    scan_headers,
    segy_info,
    to_segy,
    to_zarr,
    zarr_info,
)
from promethium.plugin import (
    PROMETHIUM_PLUGIN_API,
    ModelOptions,
    ModelSpec,
    Reconstructor,
    hookimpl,
)
from promethium.plugins import plugin_errors
from promethium.qc import QCReport, qc
from promethium.reconstruct import reconstruct
from promethium.registry import Registry
from promethium.synthetic import synthetic_gather, synthetic_section, synthetic_shots

if TYPE_CHECKING:  # imported lazily by __getattr__ below
    from promethium.distributed import batch_reconstruct

# The library logs under the ``promethium`` logger and never configures logging: the
# application (or ``promethium -v``) attaches handlers.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "BatchError",
    "ConfigError",
    "InvalidDataError",
    "ModelNotFoundError",
    "ModelOptions",
    "ModelSpec",
    "PROMETHIUM_PLUGIN_API",
    "PluginError",
    "PromethiumError",
    "PromethiumWarning",
    "QCReport",
    "Reconstructor",
    "Registry",
    "SegyFormatError",
    "SourceChangedError",
    "StoreError",
    "TRACE_MASK",
    "UnitError",
    "__version__",
    "apply_trace_mask",
    "batch_reconstruct",
    "create_model",
    "finetune",
    "gap_mask",
    "get_trace_mask",
    "hookimpl",
    "infer_trace_mask",
    "list_models",
    "open_segy",
    "open_zarr",
    "ops",
    "plot",
    "plugin_errors",
    "qc",
    "random_mask",
    "reconstruct",
    "regular_mask",
    "sample_interval",
    "scan_headers",
    "segy_info",
    "synthetic_gather",
    "synthetic_section",
    "synthetic_shots",
    "testing",
    "to_segy",
    "to_zarr",
    "trace_dim",
    "unit_registry",
    "validate",
    "vertical_dim",
    "with_trace_mask",
    "zarr_info",
]


def __getattr__(name: str) -> Any:
    if name == "batch_reconstruct":  # dask.distributed is imported on first use only
        from promethium.distributed import batch_reconstruct

        return batch_reconstruct
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("promethium")
        except PackageNotFoundError:  # running from a source tree
            return "0+unknown"
    raise AttributeError(f"module 'promethium' has no attribute {name!r}")
