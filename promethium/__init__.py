"""Promethium: seismic data reconstruction on labeled, lazy xarray data.

>>> import promethium as pm
>>> da = pm.synthetic_gather()
>>> pm.vertical_dim(da)
'time'
"""

from __future__ import annotations

from promethium.core import (
    TRACE_MASK,
    apply_trace_mask,
    gap_mask,
    get_registry,
    get_trace_mask,
    infer_trace_mask,
    random_mask,
    regular_mask,
    sample_interval,
    trace_dim,
    validate,
    vertical_dim,
    with_trace_mask,
)
from promethium.errors import (
    ConfigError,
    InvalidDataError,
    ModelNotFoundError,
    PluginError,
    PromethiumError,
    PromethiumWarning,
    SegyFormatError,
    UnitError,
)
from promethium.synthetic import synthetic_gather, synthetic_section, synthetic_shots

__all__ = [
    "TRACE_MASK",
    "ConfigError",
    "InvalidDataError",
    "ModelNotFoundError",
    "PluginError",
    "PromethiumError",
    "PromethiumWarning",
    "SegyFormatError",
    "UnitError",
    "__version__",
    "apply_trace_mask",
    "gap_mask",
    "get_registry",
    "get_trace_mask",
    "infer_trace_mask",
    "random_mask",
    "regular_mask",
    "sample_interval",
    "synthetic_gather",
    "synthetic_section",
    "synthetic_shots",
    "trace_dim",
    "validate",
    "vertical_dim",
    "with_trace_mask",
]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("promethium")
        except PackageNotFoundError:  # running from a source tree
            return "0+unknown"
    raise AttributeError(f"module 'promethium' has no attribute {name!r}")
