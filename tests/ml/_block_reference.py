"""The per-patch block computation that ``promethium.ml.block`` shipped before it worked on arrays.

Kept, unchanged in substance (a Python loop that cuts, normalizes, batches and blends
one patch at a time), as the reference the vectorized :func:`promethium.ml.block.run_block`
is tested against (``tests/ml/test_block.py``), and, with the reference POCS, as "today's
implementation" in ``benchmarks/pocs_throughput.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from promethium.ml.blend import patch_weights
from promethium.ml.block import BlockPlan, check_prediction

__all__ = ["run_block"]

# (panel index in block, trace start, vertical start, scale, normalized patch, live traces)
_Patch = tuple[tuple[int, ...], int, int, float, "np.ndarray | None", np.ndarray]


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
    st, sv = grid.starts(0), grid.starts(1)
    st = st[(st < ct1) & (st + pt > ct0)]
    sv = sv[(sv < cv1) & (sv + pv > cv0)]
    wt = {int(s): patch_weights(pt, int(s), pnt) for s in st}
    wv = {int(s): patch_weights(pv, int(s), pnv) for s in sv}
    k = max(plan.n_outputs, 1)
    batch_shape = data.shape[:nb]
    acc = np.zeros((k, *batch_shape, ct1 - ct0, cv1 - cv0), dtype=np.float64)
    used = np.zeros((*batch_shape, ct1 - ct0, cv1 - cv0), dtype=np.float64)
    batch_origin = tuple(o[0] for o in origin[:nb])

    def add(
        idx: tuple[int, ...], s_t: int, s_v: int, pred: np.ndarray | None, scale: float
    ) -> None:
        """Add one contributing patch (`pred` None: silent, zeros) and its weight."""
        t0, t1 = max(ct0, s_t), min(ct1, s_t + pt)
        v0, v1 = max(cv0, s_v), min(cv1, s_v + pv)
        w = np.multiply.outer(wt[s_t][t0 - s_t : t1 - s_t], wv[s_v][v0 - s_v : v1 - s_v])
        where: tuple[int | slice, ...] = (
            *idx,
            slice(t0 - ct0, t1 - ct0),
            slice(v0 - cv0, v1 - cv0),
        )
        used[where] += w
        if pred is not None:
            piece = pred[:, t0 - s_t : t1 - s_t, v0 - s_v : v1 - s_v]
            full: tuple[int | slice, ...] = (slice(None), *where)
            acc[full] += piece * (w * scale)

    # A batch never holds more than this block's patches: a huge batch_size costs nothing.
    size = max(1, min(plan.batch_size, st.size * sv.size * int(np.prod(batch_shape))))
    buf = np.empty((size, 2, pt, pv), dtype=np.float32)
    keys = np.empty((size, 3), dtype=np.int64)
    pending: list[tuple[tuple[int, ...], int, int, float]] = []
    wants_keys = bool(getattr(predictor, "wants_patch_keys", False))

    def flush() -> None:
        b = len(pending)
        pred = predictor(buf[:b], keys=keys[:b]) if wants_keys else predictor(buf[:b])
        pred = check_prediction(pred, b, plan.n_outputs, (pt, pv))
        for j, (idx, s_t, s_v, scale) in enumerate(pending):
            add(idx, s_t, s_v, pred[j], scale)
        pending.clear()

    origin_tv = (origin[-2][0], origin[-1][0])
    for idx, s_t, s_v, scale, x, m in _patches(data, mask, plan, st, sv, origin_tv):
        if x is None:
            add(idx, s_t, s_v, None, 0.0)
            continue
        j = len(pending)
        buf[j, 0] = x
        buf[j, 1] = m[:, None]
        global_idx = tuple(b + i for b, i in zip(batch_origin, idx))
        panel_key = int(np.ravel_multi_index(global_idx, plan.batch_shape)) if nb else 0
        keys[j] = (panel_key, s_t, s_v)
        pending.append((idx, s_t, s_v, scale))
        if len(pending) == size:
            flush()
    if pending:
        flush()
    out = np.zeros_like(acc)
    np.divide(acc, used, out=out, where=np.broadcast_to(used > 0.0, acc.shape))
    return out.astype(plan.dtype)


def _patches(
    data: np.ndarray,
    mask: np.ndarray,
    plan: BlockPlan,
    st: np.ndarray,
    sv: np.ndarray,
    origin: tuple[int, int],
) -> Iterator[_Patch]:
    """The contributing patches, normalized; a silent patch has ``x`` None."""
    pt, pv = plan.grid.patch
    ot, ov = origin
    for idx in np.ndindex(data.shape[:-2]):
        panel, live_traces = data[idx], mask[idx]
        for s_t in st:
            m = live_traces[s_t - ot : s_t - ot + pt]
            if not m.any():
                continue  # no information: not counted
            for s_v in sv:
                x = panel[s_t - ot : s_t - ot + pt, s_v - ov : s_v - ov + pv]
                live = m[:, None] & np.isfinite(x)
                if not live.any():
                    continue  # live traces all NaN here: no information either
                scale = 1.0
                if plan.normalize:
                    values = x[live].astype(np.float64)
                    scale = float(np.sqrt(np.mean(values * values)))
                    if not np.isfinite(scale):
                        continue
                    if scale == 0.0:
                        yield idx, int(s_t), int(s_v), 0.0, None, m  # silent: zeros
                        continue
                # Divide in float64: a float32 RMS of near-silent data can be
                # positive yet underflow when dividing in float32.
                x = np.where(live, x.astype(np.float64) / scale, 0.0)
                yield idx, int(s_t), int(s_v), scale, x, m
