"""xarray backend: ``xr.open_dataarray("f.sgy", engine="promethium")``.

SEG-Y files are recognized by content (textual header and a plausible binary header),
so a ``.dat`` SEG-Y file opens and a non-SEG-Y ``.sgy`` file does not. The samples are
a lazily indexed backend array: indexing reads only the traces asked for, and
``chunks={}`` gives dask chunks that follow the file order.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np
from xarray.backends import BackendArray, BackendEntrypoint
from xarray.core import indexing

from promethium.io.segy.layout import SegyLayout, looks_like_segy
from promethium.io.segy.read import CHUNK_BYTES, _default_chunks, from_index, index_segy
from promethium.io.segy.traces import read_block

__all__ = ["PromethiumBackendEntrypoint", "SegyBackendArray"]

_OPEN_KEYWORDS = (
    "geometry",
    "iline",
    "xline",
    "offset",
    "cdp",
    "shot",
    "channel",
    "profile",
    "dt",
    "min_fill",
)


class SegyBackendArray(BackendArray):
    """Samples of a SEG-Y file over a grid, read on indexing (outer indexing)."""

    def __init__(self, layout: SegyLayout, trace_index: np.ndarray) -> None:
        self.layout = layout
        self.trace_index = trace_index
        self.shape = (*trace_index.shape, layout.n_samples)
        self.dtype = np.dtype(layout.fmt.value_dtype)

    def __getitem__(self, key: indexing.ExplicitIndexer) -> np.ndarray:
        return indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.OUTER, self._raw_getitem
        )

    def _raw_getitem(self, key: tuple[Any, ...]) -> np.ndarray:
        trace_key = key[:-1]
        tindex = self.trace_index[
            np.ix_(
                *[_as_index(k, n) for k, n in zip(trace_key, self.trace_index.shape, strict=True)]
            )
        ]
        block = read_block(tindex, self.layout)
        squeeze = tuple(i for i, k in enumerate(trace_key) if isinstance(k, int | np.integer))
        return block.squeeze(axis=squeeze)[..., key[-1]]


def _as_index(key: Any, size: int) -> np.ndarray:
    if isinstance(key, slice):
        return np.arange(size)[key]
    return np.atleast_1d(np.asarray(key))


class PromethiumBackendEntrypoint(BackendEntrypoint):
    """Open SEG-Y files with xarray: ``xr.open_dataset(path, engine="promethium")``.

    The Dataset has one data variable, ``amplitude``; keyword arguments of
    :func:`promethium.io.segy.open_segy` (byte locations, ``geometry``, ``profile``,
    ``dt``, ``min_fill``) pass through.

    Examples
    --------
    >>> import xarray as xr
    >>> da = xr.open_dataarray("line.dat", engine="promethium", chunks={})  # doctest: +SKIP
    """

    description = "Open SEG-Y files lazily, with geometry from trace headers (Promethium)"
    url = "https://github.com/promethium/promethium"
    open_dataset_parameters = ("filename_or_obj", "drop_variables", *_OPEN_KEYWORDS)

    def guess_can_open(self, filename_or_obj: Any) -> bool:
        """Return whether `filename_or_obj` is a path to a SEG-Y file, by content."""
        if not isinstance(filename_or_obj, str | os.PathLike):
            return False
        return os.path.isfile(filename_or_obj) and looks_like_segy(filename_or_obj)

    def open_dataset(
        self,
        filename_or_obj: Any,
        *,
        drop_variables: str | Iterable[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Open a SEG-Y file as a Dataset with one data variable, ``amplitude``."""
        import xarray as xr

        index = index_segy(os.fspath(filename_or_obj), **kwargs)
        da = from_index(index)
        layout, geom = index.layout, index.geometry
        lazy = indexing.LazilyIndexedArray(SegyBackendArray(layout, geom.trace_index))
        item = layout.n_samples * np.dtype(layout.fmt.value_dtype).itemsize
        chunks = (*_default_chunks(geom.shape, item, CHUNK_BYTES), layout.n_samples)
        variable = xr.Variable(
            da.dims,
            lazy,
            attrs=da.attrs,
            encoding={"preferred_chunks": dict(zip(da.dims, chunks, strict=True))},
        )
        ds = da.to_dataset()
        ds["amplitude"] = variable
        if drop_variables is not None:
            names = [drop_variables] if isinstance(drop_variables, str) else drop_variables
            ds = ds.drop_vars([n for n in names if n in ds.variables])
        return ds
