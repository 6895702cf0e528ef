"""Patch inference: run a predictor over a global patch grid and blend, lazily.

The grid (:class:`~promethium.ml.grid.PatchGrid`) is global to each 2-D
(trace, vertical) panel. In memory the whole array is one block; on dask input every
block is given a halo of ``patch - 1`` samples (``dask.array.overlap.overlap``, never
rechunked behind the caller's back) and its global offset, runs exactly the patches
that touch its core, and blends them with the globally summed weights. Each output
sample therefore sees the same patches, inputs and weights whatever the chunking, and
a task holds one block (plus halo) in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from promethium.core.chunks import RECHUNK_ATTR, merge_small_chunks
from promethium.core.dims import trace_dims, vertical_dim
from promethium.core.mask import get_trace_mask
from promethium.errors import ConfigError, PluginError
from promethium.ml.blend import patch_weights, weight_sum
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


@dataclass(frozen=True)
class _Plan:
    """Everything a block task needs, besides the data: small and picklable."""

    grid: PatchGrid
    batch_shape: tuple[int, ...]
    batch_size: int
    normalize: bool
    n_outputs: int  # 0: predictor returns (B, Pt, Pv); K >= 1: (B, K, Pt, Pv)
    dtype: str


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
        multiply the prediction back. Patches without live signal predict zeros.

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
    blended value is :math:`\\sum_p w_p y_p / \\sum_p w_p`, so weights sum to 1.

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
    plan = _Plan(grid, tuple(da.shape[:-2]), int(batch_size), bool(normalize), n_outputs, dtype.str)
    mask = get_trace_mask(da).transpose(*trace_dims(da)).data
    k = max(n_outputs, 1)

    if not isinstance(da.data, dska.Array):
        data = np.asarray(da.data)
        core = tuple((0, n) for n in data.shape)
        result = _run_block(data, np.asarray(mask, dtype=bool), plan, predictor, core, core)
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
    plan: _Plan,
    predictor: PatchPredictor,
    chunks_in: tuple[tuple[int, ...], ...],
    depth: dict[int, int],
    full_mask: np.ndarray | None,
    block_id: tuple[int, ...],
) -> np.ndarray:
    """One dask block: find its global core and origin, then run :func:`_run_block`.

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
    return _run_block(data, mask, plan, predictor, tuple(core), tuple(origin))


# -- the block computation ----------------------------------------------------------------
def _run_block(
    data: np.ndarray,
    mask: np.ndarray,
    plan: _Plan,
    predictor: PatchPredictor,
    core: tuple[tuple[int, int], ...],
    origin: tuple[tuple[int, int], ...],
) -> np.ndarray:
    """Predict and blend the core of a block.

    `data` spans the global ranges `origin` (one per axis, halo included), `mask` the
    same without the vertical axis; the result spans the global ranges `core`:
    ``(K, *core_shape)``.
    """
    grid = plan.grid
    nb = data.ndim - 2
    pt, pv = grid.patch
    (nt, nv), (pnt, pnv) = grid.shape, grid.padded
    if pnt > nt or pnv > nv:  # an axis shorter than a patch lies whole in this block
        pad = [(0, 0)] * nb + [(0, pnt - nt), (0, pnv - nv)]
        data = np.pad(data, pad, mode="reflect")
        mask = np.pad(mask.astype(np.uint8), pad[:-1], mode="reflect").astype(bool)
    (ct0, ct1), (cv0, cv1) = core[-2], core[-1]
    ot, ov = origin[-2][0], origin[-1][0]
    st, sv = grid.starts(0), grid.starts(1)
    st = st[(st < ct1) & (st + pt > ct0)]
    sv = sv[(sv < cv1) & (sv + pv > cv0)]
    wt = {int(s): patch_weights(pt, int(s), pnt) for s in st}
    wv = {int(s): patch_weights(pv, int(s), pnv) for s in sv}
    k = max(plan.n_outputs, 1)
    batch_shape = data.shape[:nb]
    acc = np.zeros((k, *batch_shape, ct1 - ct0, cv1 - cv0), dtype=np.float64)
    batch_origin = tuple(o[0] for o in origin[:nb])

    def patches() -> Iterator[tuple[tuple[int, ...], int, int, float, np.ndarray, np.ndarray]]:
        for idx in np.ndindex(batch_shape):
            panel, live_traces = data[idx], mask[idx]
            for s_t in st:
                m = live_traces[s_t - ot : s_t - ot + pt]
                if not m.any():
                    continue
                for s_v in sv:
                    x = panel[s_t - ot : s_t - ot + pt, s_v - ov : s_v - ov + pv]
                    live = m[:, None] & np.isfinite(x)
                    scale = 1.0
                    if plan.normalize:
                        values = x[live].astype(np.float64)
                        scale = float(np.sqrt(np.mean(values * values))) if values.size else 0.0
                        if not scale > 0.0 or not np.isfinite(scale):
                            continue
                    # Divide in float64: a float32 RMS of near-silent data can be
                    # positive yet underflow when dividing in float32.
                    x = np.where(live, x.astype(np.float64) / scale, 0.0)
                    yield idx, int(s_t), int(s_v), scale, x, m

    buf = np.empty((plan.batch_size, 2, pt, pv), dtype=np.float32)
    keys = np.empty((plan.batch_size, 3), dtype=np.int64)
    pending: list[tuple[tuple[int, ...], int, int, float]] = []
    wants_keys = bool(getattr(predictor, "wants_patch_keys", False))

    def flush() -> None:
        b = len(pending)
        pred = predictor(buf[:b], keys=keys[:b]) if wants_keys else predictor(buf[:b])
        pred = _check_prediction(pred, b, plan.n_outputs, (pt, pv))
        for j, (idx, s_t, s_v, scale) in enumerate(pending):
            t0, t1 = max(ct0, s_t), min(ct1, s_t + pt)
            v0, v1 = max(cv0, s_v), min(cv1, s_v + pv)
            w = np.multiply.outer(wt[s_t][t0 - s_t : t1 - s_t], wv[s_v][v0 - s_v : v1 - s_v])
            piece = pred[j, :, t0 - s_t : t1 - s_t, v0 - s_v : v1 - s_v]
            acc[(slice(None), *idx, slice(t0 - ct0, t1 - ct0), slice(v0 - cv0, v1 - cv0))] += (
                piece * (w * scale)
            )
        pending.clear()

    for idx, s_t, s_v, scale, x, m in patches():
        j = len(pending)
        buf[j, 0] = x
        buf[j, 1] = m[:, None]
        global_idx = tuple(b + i for b, i in zip(batch_origin, idx))
        panel_key = int(np.ravel_multi_index(global_idx, plan.batch_shape)) if nb else 0
        keys[j] = (panel_key, s_t, s_v)
        pending.append((idx, s_t, s_v, scale))
        if len(pending) == plan.batch_size:
            flush()
    if pending:
        flush()
    total = np.multiply.outer(weight_sum(st, pt, pnt, ct0, ct1), weight_sum(sv, pv, pnv, cv0, cv1))
    return (acc / total).astype(plan.dtype)


def _check_prediction(pred: Any, b: int, n_outputs: int, patch: tuple[int, int]) -> np.ndarray:
    """Return the prediction as ``(B, K, Pt, Pv)``, or raise naming the mismatch."""
    arr = np.asarray(pred)
    expected = (b, *patch) if n_outputs == 0 else (b, n_outputs, *patch)
    if arr.shape != expected:
        raise PluginError(
            f"the patch predictor returned an array of shape {arr.shape} for a batch of "
            f"{b} patches of {patch}; expected {expected}. A model must return one value "
            "per input sample (drop extra channels, keep the patch size)."
        )
    return arr[:, None] if n_outputs == 0 else arr
