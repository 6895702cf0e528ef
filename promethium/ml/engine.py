"""Patch inference: run a predictor over a global patch grid and blend, lazily.

This module is the driver: it validates the options and maps the per-block
computation of :mod:`promethium.ml.block` over the data. The grid
(:class:`~promethium.ml.grid.PatchGrid`) is global to each 2-D (trace, vertical)
panel. In memory the whole array is one block; on dask input every block is given a
halo of ``patch - 1`` samples (``dask.array.overlap.overlap``, never rechunked behind
the caller's back) and its global offset, runs exactly the patches that touch its
core, and blends them with the weights of the contributing patches. Each output sample
therefore sees the same patches, inputs and weights whatever the chunking, and a task
holds one block (plus halo) in memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from promethium.core.chunks import RECHUNK_ATTR, merge_small_chunks
from promethium.core.dims import trace_dims, vertical_dim
from promethium.core.mask import get_trace_mask
from promethium.errors import ConfigError
from promethium.ml.block import BlockPlan, run_block
from promethium.ml.grid import PatchGrid

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["RECHUNK_ATTR", "PatchPredictor", "predict_patches", "predict_patches_stack"]


@runtime_checkable
class PatchPredictor(Protocol):
    """A picklable callable mapping a batch of patches to predictions.

    It goes into the dask graph, so it must be small: references (import paths,
    file paths, hashes), never a ``torch.nn.Module`` or tensors. A predictor that
    sets ``wants_patch_keys = True`` is also passed ``keys=``: an int64 array
    ``(B, 3)`` of (global panel index, trace start, vertical start) per patch, which
    identifies a patch whatever the chunking (used to seed MC dropout).
    """

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        """Predict a batch of patches.

        Parameters
        ----------
        batch : numpy.ndarray
            float32 ``(B, 2, Pt, Pv)``: channel 0 is the normalized data with missing
            traces zero, channel 1 the live mask broadcast along the vertical (1.0
            live, 0.0 missing).

        Returns
        -------
        numpy.ndarray
            float32 ``(B, Pt, Pv)`` predictions in the same normalized units (or
            ``(B, K, Pt, Pv)`` for :func:`predict_patches_stack` with ``K`` outputs).
        """
        ...


def predict_patches(
    da: xr.DataArray,
    predictor: PatchPredictor,
    *,
    patch_size: int | tuple[int, int] = 256,
    overlap: float = 0.5,
    batch_size: int = 8,
    normalize: bool = True,
) -> xr.DataArray:
    r"""Run `predictor` over a global patch grid of every 2-D panel and blend.

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data, vertical dim last, trace dim before it, any batch dims before
        that; NumPy- or dask-backed. Its ``trace_mask`` coordinate (inferred where
        absent) says which traces are live.
    predictor : PatchPredictor
        Maps float32 ``(B, 2, Pt, Pv)`` patches to ``(B, Pt, Pv)`` predictions.
    patch_size : int or (int, int), optional
        Patch length, or ``(trace, vertical)`` lengths. Axes shorter than a patch are
        reflect-padded to it and the padding cropped from the result.
    overlap : float, optional
        Overlap of neighbouring patches as a fraction of the patch, in [0, 1).
    batch_size : int, optional
        Patches per predictor call.
    normalize : bool, optional
        Divide each patch by the RMS of its live samples before prediction and
        multiply the prediction back. A patch whose live samples are all zero
        predicts zeros (without calling the predictor).

    Returns
    -------
    xarray.DataArray
        Like `da` (dims, coords, attrs, name), floating point, dask-backed when `da`
        is (nothing is computed). If chunks smaller than the patch halo had to be
        merged, ``attrs["promethium_rechunked"]`` says how.

    Raises
    ------
    ConfigError
        If `patch_size`, `overlap` or `batch_size` is invalid.
    PluginError
        If the predictor returns an array of the wrong shape.

    Notes
    -----
    A patch's blending weight is the separable Hann window ``w_t(i) w_v(j)`` (see
    :mod:`promethium.ml.blend`), untapered on sides touching the data edge; the
    blended value is :math:`\\sum_p w_p y_p / \\sum_p w_p` over the patches that
    contribute, so the weights applied to a sample sum to 1. A patch without a live
    trace contributes nothing (neither prediction nor weight): it never dilutes its
    neighbours, and a sample that no contributing patch covers is 0. See
    :mod:`promethium.ml.block`.

    Examples
    --------
    >>> import promethium as pm
    >>> da = pm.synthetic_gather(n_traces=24, n_samples=64)
    >>> out = predict_patches(da, lambda b: b[:, 0], patch_size=16)
    >>> bool(abs(out - da).max() < 1e-5)
    True
    """
    (out,) = _predict(da, predictor, patch_size, overlap, batch_size, normalize, 0)
    return out


def predict_patches_stack(
    da: xr.DataArray,
    predictor: PatchPredictor,
    n_outputs: int,
    *,
    patch_size: int | tuple[int, int] = 256,
    overlap: float = 0.5,
    batch_size: int = 8,
    normalize: bool = True,
) -> tuple[xr.DataArray, ...]:
    """Like :func:`predict_patches` for a predictor with `n_outputs` output channels.

    The predictor returns ``(B, n_outputs, Pt, Pv)``; each channel is scaled back and
    blended separately (e.g. an ensemble's mean and standard deviation), in one pass
    over the data.

    Returns
    -------
    tuple of xarray.DataArray
        One DataArray like `da` per output channel, sharing one dask graph.
    """
    if isinstance(n_outputs, bool) or not isinstance(n_outputs, int) or n_outputs < 1:
        raise ConfigError(f"n_outputs must be a positive integer; got {n_outputs!r}.")
    return _predict(da, predictor, patch_size, overlap, batch_size, normalize, n_outputs)


# -- driver -----------------------------------------------------------------------------
def _predict(
    da: xr.DataArray,
    predictor: PatchPredictor,
    patch_size: int | tuple[int, int],
    overlap: float,
    batch_size: int,
    normalize: bool,
    n_outputs: int,
) -> tuple[xr.DataArray, ...]:
    import dask.array as dska

    vertical_dim(da)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise ConfigError(f"batch_size must be a positive integer; got {batch_size!r}.")
    if batch_size < 1:
        raise ConfigError(f"batch_size must be a positive integer; got {batch_size!r}.")
    if not callable(predictor):
        raise ConfigError(f"predictor must be callable; got {type(predictor).__name__}.")
    grid = PatchGrid.build((da.shape[-2], da.shape[-1]), patch_size, overlap)
    dtype = da.dtype if np.issubdtype(da.dtype, np.floating) else np.dtype("float32")
    plan = BlockPlan(
        grid, tuple(da.shape[:-2]), int(batch_size), bool(normalize), n_outputs, dtype.str
    )
    mask = get_trace_mask(da).transpose(*trace_dims(da)).data
    k = max(n_outputs, 1)

    if not isinstance(da.data, dska.Array):
        data = np.asarray(da.data)
        core = tuple((0, n) for n in data.shape)
        result = run_block(data, np.asarray(mask, dtype=bool), plan, predictor, core, core)
        result = result.reshape((k, *data.shape))
        return tuple(da.copy(data=result[i]) for i in range(k))

    data, notes = _chunk_for_grid(da.data, grid, da.dims[-2:])
    depth = {
        ax: (grid.halo[i] if len(data.chunks[ax]) > 1 else 0)
        for i, ax in enumerate((data.ndim - 2, data.ndim - 1))
    }
    data_ov = data
    if any(depth.values()):
        data_ov = dska.overlap.overlap(data, depth=depth, boundary="none", allow_rechunk=False)
    masks: list[Any] = []
    full_mask = None
    if isinstance(mask, dska.Array):
        # A lazy mask (e.g. inferred from the data) gets the same halo as the data.
        mask = mask.rechunk(data.chunks[:-1])[..., None]
        mask_depth = {ax: (d if ax < data.ndim - 1 else 0) for ax, d in depth.items()}
        masks = [mask]
        if any(mask_depth.values()):
            masks = [dska.overlap.overlap(mask, mask_depth, boundary="none", allow_rechunk=False)]
    else:
        # An in-memory mask (one bool per trace) is one graph key that every task
        # slices: split into dask chunks, it would make dask read all data first.
        import dask

        full_mask = dask.delayed(np.asarray(mask, dtype=bool), pure=True)
    from dask.base import tokenize

    name = "promethium-patches-" + tokenize(data.name, plan, predictor, full_mask, *masks)
    result = dska.map_blocks(
        _block_task,
        data_ov,
        *masks,
        new_axis=[0],
        chunks=((k,), *data.chunks),
        dtype=dtype,
        meta=np.empty((0,) * (data.ndim + 1), dtype=dtype),
        name=name,
        plan=plan,
        predictor=predictor,
        chunks_in=data.chunks,
        depth=depth,
        full_mask=full_mask,
    )
    outs = tuple(da.copy(data=result[i]) for i in range(k))
    if notes:
        note = "predict_patches merged chunks smaller than the patch halo: " + "; ".join(notes)
        for out in outs:
            out.attrs[RECHUNK_ATTR] = note
    return outs


def _chunk_for_grid(data: Any, grid: PatchGrid, dims: Any) -> tuple[Any, list[str]]:
    """Merge chunks too small for the halo (recorded, never silent)."""
    new: dict[int, tuple[int, ...]] = {}
    notes: list[str] = []
    for i, ax in enumerate((data.ndim - 2, data.ndim - 1)):
        chunks = data.chunks[ax]
        if len(chunks) < 2:
            continue
        if data.shape[ax] < grid.patch[i]:
            merged: tuple[int, ...] = (data.shape[ax],)  # shorter than a patch: one chunk
        elif min(chunks) < grid.halo[i]:
            merged = merge_small_chunks(chunks, grid.halo[i])
        else:
            continue
        new[ax] = merged
        notes.append(f"{dims[i]}: {tuple(chunks)} -> {merged}")
    return (data.rechunk(new) if new else data), notes


def _block_task(
    data: np.ndarray,
    mask: np.ndarray | None = None,
    *,
    plan: BlockPlan,
    predictor: PatchPredictor,
    chunks_in: tuple[tuple[int, ...], ...],
    depth: dict[int, int],
    full_mask: np.ndarray | None,
    block_id: tuple[int, ...],
) -> np.ndarray:
    """One dask block: find its global core and origin, then run the block computation.

    The live mask is either `mask`, a block overlapped like `data` (trailing axis of
    length 1), or `full_mask`, the whole in-memory mask, sliced here.
    """
    block_id = block_id[1:]  # the new leading output axis
    core, origin = [], []
    for ax, i in enumerate(block_id):
        bounds = np.cumsum((0, *chunks_in[ax]))
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        core.append((lo, hi))
        left = depth.get(ax, 0) if i > 0 else 0
        origin.append((lo - left, lo - left + data.shape[ax]))
    if mask is None:
        mask = full_mask[tuple(slice(a, b) for a, b in origin[:-1])]  # type: ignore[index]
    else:
        mask = mask[..., 0]
    return run_block(data, mask, plan, predictor, tuple(core), tuple(origin))
