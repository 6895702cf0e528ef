"""The per-block patch computation of :mod:`promethium.ml.engine`.

A block is a piece of the data (the whole array in memory, one dask block plus its
halo otherwise) located by its global ranges. :func:`run_block` runs every grid patch
that touches the block's core, normalizes it, batches it through the predictor and
blends the predictions with Hann weights.

Only patches that *contribute* enter the blend, and the weighted sum is divided by
the weights of those patches alone:

- a patch with no live trace (or whose live samples are all NaN) holds no
  information: it is skipped and its weight is not counted, so it never dilutes the
  predictions of neighbouring patches across a wide gap;
- a patch whose live samples are all zero (RMS 0) is silent: its prediction, scaled
  back by the RMS, is exactly zero, so it contributes zeros with its full weight
  (without calling the predictor);
- a sample no contributing patch covers is 0.

Whether a patch contributes depends on its own samples only, which every block whose
core it touches holds in full (the halo is ``patch - 1``): every block counts the same
patches, and the result is identical for any chunking.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from promethium.errors import PluginError
from promethium.ml.blend import patch_weights
from promethium.ml.grid import PatchGrid

__all__ = ["BlockPlan", "check_prediction", "run_block"]

#: Samples of the patches gathered and normalized together (about 20 MB of working
#: copies), whatever the patch size; the predictor is still called with `batch_size`.
GROUP_SAMPLES = 2**20


@dataclass(frozen=True)
class BlockPlan:
    """Everything a block needs besides its data: small and picklable.

    Attributes
    ----------
    grid : PatchGrid
        The global grid of one panel.
    batch_shape : tuple of int
        Shape of the batch dims of the whole array (to key patches globally).
    batch_size : int
        Patches per predictor call.
    normalize : bool
        Divide each patch by the RMS of its live samples.
    n_outputs : int
        0: the predictor returns ``(B, Pt, Pv)``; K >= 1: ``(B, K, Pt, Pv)``.
    dtype : str
        Output dtype.
    """

    grid: PatchGrid
    batch_shape: tuple[int, ...]
    batch_size: int
    normalize: bool
    n_outputs: int
    dtype: str


@dataclass
class _Patches:
    """Contributing patches, in grid order: where they are and what goes in.

    ``panel`` indexes the block's panels (batch dims flattened), ``row`` and ``col``
    the block's trace and vertical starts; ``scale`` is the RMS a patch was divided
    by (0: silent, predicts zeros); ``x`` the normalized patches of the non-silent
    ones (missing samples 0) and ``live`` their live traces.
    """

    panel: np.ndarray
    row: np.ndarray
    col: np.ndarray
    scale: np.ndarray
    x: np.ndarray
    live: np.ndarray


def run_block(
    data: np.ndarray,
    mask: np.ndarray,
    plan: BlockPlan,
    predictor: Any,
    core: tuple[tuple[int, int], ...],
    origin: tuple[tuple[int, int], ...],
) -> np.ndarray:
    """Predict and blend the core of a block.

    Parameters
    ----------
    data : numpy.ndarray
        The block, spanning the global ranges `origin` (one per axis, halo included).
    mask : numpy.ndarray
        Live traces of the block: `data`'s shape without the vertical axis.
    plan : BlockPlan
        Grid and options.
    predictor : PatchPredictor
        Maps ``(B, 2, Pt, Pv)`` to ``(B, Pt, Pv)`` (or ``(B, K, Pt, Pv)``).
    core, origin : tuple of (int, int)
        Global ``(start, stop)`` per axis of the block's core and of `data`.

    Returns
    -------
    numpy.ndarray
        ``(K, *core_shape)`` blended predictions (``K = max(n_outputs, 1)``).

    Raises
    ------
    PluginError
        If the predictor returns an array of the wrong shape.

    Notes
    -----
    The patches are cut, normalized and weighted as whole arrays (groups of
    :data:`GROUP_SAMPLES` samples), not one by one; the weighted predictions are
    summed over an accumulator spanning every patch that touches the core, in grid
    order, then divided by the summed weights of the contributing patches.
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
    (ot, ov) = (origin[-2][0], origin[-1][0])
    st, sv = grid.starts(0), grid.starts(1)
    st = st[(st < ct1) & (st + pt > ct0)]
    sv = sv[(sv < cv1) & (sv + pv > cv0)]
    k = max(plan.n_outputs, 1)
    batch_shape = data.shape[:nb]
    panels = data.reshape(-1, *data.shape[-2:])
    # The accumulator spans the core and every patch touching it (global t0, v0).
    t0, v0 = min(ct0, int(st.min())), min(cv0, int(sv.min()))
    extent = (max(ct1, int(st.max()) + pt) - t0, max(cv1, int(sv.max()) + pv) - v0)
    acc = np.zeros((k, panels.shape[0], *extent), dtype=np.float64)
    used = np.zeros((panels.shape[0], *extent), dtype=np.float64)
    wt = np.stack([patch_weights(pt, int(s), pnt) for s in st])
    wv = np.stack([patch_weights(pv, int(s), pnv) for s in sv])
    at_t, at_v = st - t0, sv - v0  # patch starts in the accumulator

    def blend(panel: np.ndarray, row: np.ndarray, col: np.ndarray, pred: np.ndarray | None,
              scale: np.ndarray) -> None:  # fmt: skip
        """Add patches (`pred` None: weights only) in order."""
        w = wt[row][:, :, None] * wv[col][:, None, :]
        if pred is None:
            for j, (p, a, c) in enumerate(zip(panel, at_t[row], at_v[col])):
                used[p, a : a + pt, c : c + pv] += w[j]
            return
        weighted = pred * (w * scale[:, None, None])[:, None]
        for j, (p, a, c) in enumerate(zip(panel, at_t[row], at_v[col])):
            acc[:, p, a : a + pt, c : c + pv] += weighted[j]

    # A batch never holds more than this block's patches: a huge batch_size costs nothing.
    size = max(1, min(plan.batch_size, st.size * sv.size * panels.shape[0]))
    buf = np.empty((size, 2, pt, pv), dtype=np.float32)
    keys = np.empty((size, 3), dtype=np.int64)
    pending = [np.empty(size, dtype=np.int64) for _ in range(3)] + [np.empty(size)]
    wants_keys = bool(getattr(predictor, "wants_patch_keys", False))
    batch_origin = np.array([o[0] for o in origin[:nb]], dtype=np.int64).reshape(-1, 1)

    def flush(b: int) -> None:
        pred = predictor(buf[:b], keys=keys[:b]) if wants_keys else predictor(buf[:b])
        pred = check_prediction(pred, b, plan.n_outputs, (pt, pv))
        panel, row, col, scale = (a[:b] for a in pending)
        blend(panel, row, col, pred, scale)

    fill = 0
    for group in _contributing(panels, mask.reshape(-1, mask.shape[-1]), plan, st - ot, sv - ov):
        blend(group.panel, group.row, group.col, None, group.scale)  # every weight counts
        sent = np.flatnonzero(group.scale > 0.0)  # silent patches contribute zeros
        done = 0
        while done < sent.size:
            n = min(size - fill, sent.size - done)
            take, into = sent[done : done + n], slice(fill, fill + n)
            buf[into, 0] = group.x[done : done + n]
            buf[into, 1] = group.live[done : done + n, :, None]
            for dest, src in zip(pending, (group.panel, group.row, group.col, group.scale)):
                dest[into] = src[take]
            keys[into, 0] = 0
            if nb:
                where = np.unravel_index(group.panel[take], batch_shape)
                keys[into, 0] = np.ravel_multi_index(batch_origin + where, plan.batch_shape)
            keys[into, 1], keys[into, 2] = st[group.row[take]], sv[group.col[take]]
            done, fill = done + n, fill + n
            if fill == size:
                flush(fill)
                fill = 0
    if fill:
        flush(fill)
    out = np.zeros((k, *batch_shape, ct1 - ct0, cv1 - cv0), dtype=np.float64)
    core_acc = acc[:, :, ct0 - t0 : ct1 - t0, cv0 - v0 : cv1 - v0].reshape(out.shape)
    core_used = used[:, ct0 - t0 : ct1 - t0, cv0 - v0 : cv1 - v0].reshape(out.shape[1:])
    np.divide(core_acc, core_used, out=out, where=np.broadcast_to(core_used > 0.0, out.shape))
    return out.astype(plan.dtype)


def _contributing(
    panels: np.ndarray, masks: np.ndarray, plan: BlockPlan, rows: np.ndarray, cols: np.ndarray
) -> Iterator[_Patches]:
    """The contributing patches of `panels`, normalized, in groups, in grid order.

    `rows` and `cols` are the patch starts in the block. A patch without a live trace,
    or whose live samples are all NaN (or whose RMS overflows), holds no information
    and is left out; one whose live samples are all zero is silent (scale 0).
    """
    from numpy.lib.stride_tricks import sliding_window_view

    pt, pv = plan.grid.patch
    windows = sliding_window_view(panels, (pt, pv), axis=(1, 2))
    traces = sliding_window_view(masks, pt, axis=1)
    # (panel, row) pairs with a live trace; each spans all the columns.
    pairs = np.argwhere(traces[:, rows].any(axis=2))
    per_group = max(1, GROUP_SAMPLES // (pt * pv))
    total = len(pairs) * cols.size
    for start in range(0, total, per_group):
        pair, col = np.divmod(np.arange(start, min(start + per_group, total)), cols.size)
        panel, row = pairs[pair, 0], pairs[pair, 1]
        x = windows[panel, rows[row], cols[col]]  # (n, pt, pv) copies
        live_traces = traces[panel, rows[row]]
        live = live_traces[:, :, None] & np.isfinite(x)
        has = live.any(axis=(1, 2))
        scale = np.ones(x.shape[0])
        values = np.where(live, x.astype(np.float64), 0.0)
        if plan.normalize:
            count = live.sum(axis=(1, 2))
            scale = np.sqrt(np.einsum("nij,nij->n", values, values) / np.maximum(count, 1))
            has &= np.isfinite(scale)
        scale = scale[has]
        # Divide in float64: a float32 RMS of near-silent data can be positive yet
        # underflow when dividing in float32.
        values = values[has]
        sent = scale > 0.0
        normalized = values[sent] / scale[sent][:, None, None]
        yield _Patches(panel[has], row[has], col[has], scale, normalized.astype(np.float32),
                       live_traces[has][sent])  # fmt: skip


def check_prediction(pred: Any, b: int, n_outputs: int, patch: tuple[int, int]) -> np.ndarray:
    """Return the prediction as ``(B, K, Pt, Pv)``, or raise naming the mismatch.

    Raises
    ------
    PluginError
        If `pred` is not ``(b, *patch)`` (``n_outputs`` 0) or ``(b, n_outputs, *patch)``.
    """
    arr = np.asarray(pred)
    expected = (b, *patch) if n_outputs == 0 else (b, n_outputs, *patch)
    if arr.shape != expected:
        raise PluginError(
            f"the patch predictor returned an array of shape {arr.shape} for a batch of "
            f"{b} patches of {patch}; expected {expected}. A model must return one value "
            "per input sample (drop extra channels, keep the patch size)."
        )
    return arr[:, None] if n_outputs == 0 else arr
