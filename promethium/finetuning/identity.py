"""Which survey a weight set was fine-tuned on, recorded in its sidecar.

A survey may be a file of any size or an array in memory, so its identity is what can
be had cheaply and checked later: the source (file or store) with its size, the dims
and shape, and the sha256 of the sample that was held out for validation (its
samples and live-trace mask), which is in memory anyway. A SEG-Y file up to
:data:`HASHED_FILE_BYTES` is also hashed whole.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import xarray as xr

    from promethium.holdout import Holdout

__all__ = ["HASHED_FILE_BYTES", "survey_identity"]

#: Files up to this size are hashed whole (sha256) for the survey's identity.
HASHED_FILE_BYTES = 1 << 30


def survey_identity(da: xr.DataArray, holdout: Holdout) -> dict[str, Any]:
    """The identity of the survey `da` and its validation sample (JSON-ready).

    Parameters
    ----------
    da : xarray.DataArray
        The survey (``attrs["source"]`` of ``pm.open_segy`` or
        ``encoding["source"]`` of ``pm.open_zarr`` names its file).
    holdout : Holdout
        The held-out validation sample of `da`.

    Returns
    -------
    dict
        ``source`` (the path, or None in memory), ``file_bytes`` and ``file_sha256``
        (a file up to :data:`HASHED_FILE_BYTES`; else None), ``name``, ``dims``,
        ``shape``, ``n_live`` (live traces), ``holdout`` (what was hidden:
        :meth:`promethium.holdout.Holdout.record`) and ``sample_sha256`` (the samples
        and live mask of the validation sample).
    """
    from promethium.core.mask import get_trace_mask
    from promethium.ml.weights import sha256_file

    source = da.attrs.get("source") or da.encoding.get("source")
    path = Path(str(source)) if source else None
    size = path.stat().st_size if path is not None and path.is_file() else None
    whole = size is not None and size <= HASHED_FILE_BYTES
    truth = holdout.truth
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(truth.values).tobytes())
    digest.update(np.ascontiguousarray(get_trace_mask(truth).values, dtype=bool).tobytes())
    return {
        "source": str(path) if path is not None else None,
        "file_bytes": size,
        "file_sha256": sha256_file(path) if whole and path is not None else None,
        "name": None if da.name is None else str(da.name),
        "dims": [str(d) for d in da.dims],
        "shape": [int(n) for n in da.shape],
        "n_live": int(np.asarray(get_trace_mask(da).values, dtype=bool).sum()),
        "holdout": holdout.record(),
        "sample_sha256": digest.hexdigest(),
    }
