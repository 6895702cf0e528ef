"""The seismic data model: dims, units, sample interval, trace masks, validation."""

from __future__ import annotations

from promethium.core.axis import sample_interval, vertical_values
from promethium.core.dims import batch_dims, trace_dim, trace_dims, vertical_dim
from promethium.core.mask import (
    TRACE_FILLED,
    TRACE_MASK,
    apply_trace_mask,
    gap_mask,
    get_trace_mask,
    infer_trace_mask,
    random_mask,
    regular_mask,
    with_trace_mask,
)
from promethium.core.units import convert, unit_of, unit_registry
from promethium.core.validate import validate

__all__ = [
    "TRACE_FILLED",
    "TRACE_MASK",
    "apply_trace_mask",
    "batch_dims",
    "convert",
    "gap_mask",
    "get_trace_mask",
    "infer_trace_mask",
    "random_mask",
    "regular_mask",
    "sample_interval",
    "trace_dim",
    "trace_dims",
    "unit_of",
    "unit_registry",
    "validate",
    "vertical_dim",
    "vertical_values",
    "with_trace_mask",
]
