"""Blind tests on the survey itself: hide live traces, reconstruct them, score against them.

A reconstruction cannot be scored on the traces a survey is missing: their truth is
unknown. It can be scored on live traces hidden on purpose. :func:`hide_traces` hides a
fraction of the *live* traces of a sample of gathers (never a dead, masked or absent
trace, whose truth is unknown too) and keeps their values; :func:`score` compares an
estimate with that truth on the hidden traces only, with the metrics of
:mod:`promethium.metrics`. The ``auto`` model, :func:`promethium.qc` and the quality
benchmark all use these two functions. A sample too small to hide enough traces at
once gets more rounds over the same gathers (:meth:`Holdout.again`,
:mod:`promethium.holdout_rounds`).

How traces are hidden (``pattern``):

``"random"``
    Single live traces drawn at random, without replacement.
``"survey"``
    Mimics the gather's own missing-trace pattern, so that the blind test poses the
    task the model will face. In a gather with gaps, the hidden traces come in runs of
    adjacent live traces whose lengths are drawn from the gather's own gap lengths,
    each run kept apart from the existing gaps and from the other runs (so no gap grows
    longer than the survey's). In a regularly decimated gather
    (:func:`promethium.core.pattern.missing_pattern` says ``"regular"``) no hiding of
    a *fraction* poses the survey's task: a hidden live trace joins the two gaps beside
    it (decimation by 2 becomes a gap of 3), and a Fourier method that aliases on the
    survey's lattice still fills a trace *on* that lattice well, so it would score
    well on the hidden traces while failing on the missing ones. ``"survey"``
    therefore hides every other live trace of such a gather (half of them, whatever
    `fraction`): the lattice stays regular with twice the period, the hidden traces
    lie on its missing phase, and the test is one of regular decimation, the case
    that breaks Fourier methods.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from dask.base import is_dask_collection

from promethium import metrics
from promethium.core.dims import batch_dims, trace_dims
from promethium.core.hiding import hide_line
from promethium.core.mask import TRACE_MASK, get_trace_mask
from promethium.errors import ConfigError, InvalidDataError

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "DEFAULT_GATHERS",
    "HIDE_PATTERNS",
    "SAMPLE_DIM",
    "SCORE_NAMES",
    "Holdout",
    "HoldoutScore",
    "HidePattern",
    "hide_traces",
    "score",
]

#: How hidden traces are placed: single random traces, or like the survey's own gaps.
HidePattern = Literal["random", "survey"]

#: The accepted values of ``pattern``.
HIDE_PATTERNS: tuple[str, ...] = ("random", "survey")

#: Gathers sampled from a dask-backed survey when ``gathers`` is not given.
DEFAULT_GATHERS = 4

#: The dim that holds the sampled gathers of data with two or more batch dims.
SAMPLE_DIM = "sample_gather"

#: The scalar scores of a :class:`HoldoutScore` (besides ``n_hidden``).
SCORE_NAMES: tuple[str, ...] = ("snr_improvement_db", "snr_db", "ssim", "mse", "coherence")


@dataclass(frozen=True)
class Holdout:
    """A sample of a survey with some of its live traces hidden, and their truth.

    Attributes
    ----------
    data : xarray.DataArray
        The sample, NumPy-backed, with the hidden traces zeroed and ``trace_mask``
        False on them (and on the traces missing before): the input of a blind test.
    truth : xarray.DataArray
        The sample as it was (same dims and coords as `data`, the original
        ``trace_mask``).
    hidden : xarray.DataArray
        Boolean over the trace dims of `data`: the hidden traces.
    fraction : float
        The fraction of each gather's live traces that was hidden.
    seed : int
        The seed that chose the gathers and the hidden traces.
    pattern : {"random", "survey"}
        How the hidden traces were placed.
    gathers : tuple of int
        The sampled gathers, as flat (row-major) indices over the survey's batch dims
        (``(0,)`` for a single 2-D panel).
    n_gathers : int
        How many gathers the survey has.
    """

    data: xr.DataArray
    truth: xr.DataArray
    hidden: xr.DataArray
    fraction: float
    seed: int
    pattern: HidePattern
    gathers: tuple[int, ...]
    n_gathers: int

    @property
    def n_hidden(self) -> int:
        """How many traces are hidden."""
        return int(self.hidden.sum())

    def record(self) -> dict[str, Any]:
        """What was hidden, for a provenance record (JSON-ready).

        Returns
        -------
        dict
            ``fraction``, ``seed``, ``pattern``, ``gathers`` (compact ranges of the flat
            gather indices, e.g. ``"0,12,25-26"``), ``n_sampled`` (how many),
            ``n_gathers`` (of the survey), ``n_hidden`` and ``n_live`` (live traces of
            the sample before hiding).
        """
        live = get_trace_mask(self.truth)
        return {
            "fraction": self.fraction,
            "seed": self.seed,
            "pattern": self.pattern,
            "gathers": index_ranges(np.asarray(self.gathers)),
            "n_sampled": len(self.gathers),
            "n_gathers": self.n_gathers,
            "n_hidden": self.n_hidden,
            "n_live": int(live.sum()),
        }

    @property
    def hidden_positions(self) -> frozenset[tuple[int, int]]:
        """The hidden traces as (gather, trace) pairs.

        The gather by its flat index over the survey's batch dims, the trace by its
        flat index within the gather.
        """
        rows = np.asarray(self.hidden.values, bool).reshape(len(self.gathers), -1)
        return frozenset(
            (g, int(i)) for g, row in zip(self.gathers, rows) for i in np.flatnonzero(row)
        )

    def again(self, seed: int) -> Holdout:
        """Hide another set of live traces of the same sample, chosen by `seed`.

        The same gathers, fraction and pattern; nothing is read from the survey again.

        Raises
        ------
        InvalidDataError
            If no trace can be hidden.

        Examples
        --------
        >>> import promethium as pm
        >>> first = hide_traces(pm.synthetic_gather(n_traces=40, n_samples=16), 0.1)
        >>> second = first.again(seed=1)
        >>> second.gathers == first.gathers, second.seed, second.n_hidden
        (True, 1, 4)
        """
        other = hide_traces(self.truth, self.fraction, seed=seed, pattern=self.pattern)
        return replace(
            other,
            gathers=tuple(self.gathers[g] for g in other.gathers),
            n_gathers=self.n_gathers,
        )


@dataclass(frozen=True)
class HoldoutScore:
    """How well an estimate restores the hidden traces of a :class:`Holdout`.

    Attributes
    ----------
    snr_improvement_db : float
        SNR gain in dB over the zero-filled input (the blind test's ``data``). On the
        hidden traces the zero-filled input scores exactly 0 dB, so this equals
        `snr_db`; it is reported under the name the QC tables use.
    snr_db : float
        SNR of the estimate on the hidden traces, in dB (``inf`` when exact).
    ssim : float
        SSIM map of the panels averaged over the hidden traces' samples (1 when exact).
    mse : float
        Mean squared error on the hidden traces.
    coherence : float
        Mean zero-lag normalized cross-correlation of the hidden traces, in [0, 1].
    trace_snr_db : xarray.DataArray
        SNR of each trace over the trace dims, NaN where a trace was not hidden.
    n_hidden : int
        How many traces were scored.
    """

    snr_improvement_db: float
    snr_db: float
    ssim: float
    mse: float
    coherence: float
    trace_snr_db: xr.DataArray
    n_hidden: int

    def as_dict(self) -> dict[str, float | int]:
        """The scalar scores by name (``trace_snr_db`` left out)."""
        return {
            "snr_improvement_db": self.snr_improvement_db,
            "snr_db": self.snr_db,
            "ssim": self.ssim,
            "mse": self.mse,
            "coherence": self.coherence,
            "n_hidden": self.n_hidden,
        }


def hide_traces(
    da: xr.DataArray,
    fraction: float = 0.1,
    *,
    seed: int = 0,
    gathers: int | None = None,
    pattern: HidePattern = "random",
) -> Holdout:
    """Hide a fraction of the live traces of a sample of `da`, keeping their truth.

    Parameters
    ----------
    da : xarray.DataArray
        Seismic data, vertical dim last, NumPy- or dask-backed, with or without a
        ``trace_mask`` coordinate (inferred if absent). Never modified.
    fraction : float, default 0.1
        Fraction of each sampled gather's live traces to hide, in (0, 0.5]. Each gather
        hides ``round(fraction * n_live)`` traces, rounded half down (a gather of one
        live trace keeps it at ``fraction=0.5``); with ``pattern="survey"`` a regularly
        decimated gather hides ``n_live // 2`` (see the module's notes).
    seed : int, default 0
        Chooses the gathers and the hidden traces. A gather's hidden traces depend only
        on the seed and its own index, not on which other gathers are sampled.
    gathers : int, optional
        How many gathers (indices of the batch dims: shots, inlines, ...) to sample,
        spread over the survey: one drawn at random from each of `gathers` equal runs
        of gathers. Default: every gather of NumPy-backed data,
        :data:`DEFAULT_GATHERS` of dask-backed data. Only the sample is computed.
    pattern : {"random", "survey"}, default "random"
        How hidden traces are placed: single random live traces, or like the gather's
        own missing traces (see the module's notes).

    Returns
    -------
    Holdout
        The blind test. Its ``data`` keeps `da`'s dims when the whole survey or a
        sample along a single batch dim is taken; with two or more batch dims the
        sampled gathers are stacked along a :data:`SAMPLE_DIM` dim (the batch coords
        along it).

    Raises
    ------
    ConfigError
        If `fraction` is not a number in (0, 0.5], `seed` not an integer >= 0,
        `gathers` not an integer >= 1, or `pattern` unknown.
    InvalidDataError
        If `da` has no trace dim, or no sampled gather has enough live traces to hide
        one (the message says how many are needed).

    Examples
    --------
    >>> import promethium as pm
    >>> da = pm.synthetic_gather(n_traces=40, n_samples=64)
    >>> blind = hide_traces(da, 0.1, seed=1)
    >>> blind.n_hidden, bool(blind.data.trace_mask.sum() == 36)
    (4, True)
    >>> score(blind, blind.truth).ssim
    1.0
    """
    fraction = _fraction(fraction)
    seed = _count("seed", seed, minimum=0)
    if gathers is not None:
        gathers = _count("gathers", gathers, minimum=1)
    if pattern not in HIDE_PATTERNS:
        raise ConfigError(
            f"hide_traces: pattern must be one of {', '.join(HIDE_PATTERNS)}; got {pattern!r}."
        )
    trace_dims(da)  # the dim conventions: a vertical dim and a trace dim before it
    if 0 in da.shape:
        sizes = ", ".join(f"{d}={n}" for d, n in da.sizes.items())
        raise InvalidDataError(
            f"hide_traces: the data have no trace ({sizes}); select a non-empty part."
        )
    sample, picked, total = _sample(da, gathers, seed)
    sample = sample.compute() if is_dask_collection(sample.data) else sample.copy()
    dims = _dims(sample)
    live = np.asarray(get_trace_mask(sample).transpose(*dims).values, dtype=bool)
    sample = sample.assign_coords({TRACE_MASK: (dims, live)})
    lines = live.reshape(-1, live.shape[-1])
    hidden = np.zeros_like(lines)
    for row, (line, gather) in enumerate(zip(lines, picked)):
        rng = np.random.default_rng([seed, int(gather)])
        hidden[row] = hide_line(line, fraction, pattern, rng)
    if not hidden.any():
        needed = math.floor(0.5 / fraction) + 1
        raise InvalidDataError(
            f"hide_traces: no live trace can be hidden: hiding {fraction:g} of a gather's "
            f"live traces (rounded half down) needs at least {needed} live traces in one "
            f"gather; the {len(picked)} sampled gather(s) of {dict(da.sizes)} hold at most "
            f"{int(lines.sum(axis=1).max())}. Raise fraction or sample more gathers."
        )
    hidden = hidden.reshape(live.shape)
    import xarray as xr

    values = np.where(hidden[..., None], 0, sample.values).astype(sample.dtype, copy=False)
    data = sample.copy(data=values).assign_coords({TRACE_MASK: (dims, live & ~hidden)})
    return Holdout(
        data=data,
        truth=sample,
        hidden=xr.DataArray(hidden, dims=dims, name="hidden"),
        fraction=fraction,
        seed=seed,
        pattern=pattern,
        gathers=tuple(int(g) for g in picked),
        n_gathers=total,
    )


def score(holdout: Holdout, estimate: xr.DataArray | np.ndarray) -> HoldoutScore:
    """Score `estimate` against the truth of the hidden traces of `holdout`.

    Parameters
    ----------
    holdout : Holdout
        The blind test (from :func:`hide_traces`).
    estimate : xarray.DataArray or numpy.ndarray
        A reconstruction of ``holdout.data``: same dims and labels (a DataArray is
        aligned by label), or the same shape. Dask-backed data are computed.

    Returns
    -------
    HoldoutScore
        SNR improvement over the zero-filled input, SNR, SSIM, MSE and coherence on the
        hidden traces only (:mod:`promethium.metrics`), and the SNR of each hidden trace.

    Raises
    ------
    InvalidDataError
        If `estimate` does not match ``holdout.data`` in shape or labels.

    Examples
    --------
    >>> import promethium as pm
    >>> blind = hide_traces(pm.synthetic_gather(n_traces=40, n_samples=64), 0.2)
    >>> result = score(blind, blind.data)  # doing nothing
    >>> result.snr_db, result.coherence
    (0.0, 0.0)
    """
    import xarray as xr

    truth, hidden = holdout.truth, holdout.hidden
    if isinstance(estimate, xr.DataArray):
        ordered = estimate.transpose(*truth.dims)
        estimate = ordered.compute() if is_dask_collection(ordered.data) else ordered
    per_trace = metrics.trace_snr(truth, estimate)
    trace_snr_db = xr.DataArray(
        np.where(hidden.values, per_trace, np.nan), dims=hidden.dims, name="trace_snr_db"
    )
    return HoldoutScore(
        snr_improvement_db=metrics.snr_improvement(truth, holdout.data, estimate, hidden),
        snr_db=metrics.snr(truth, estimate, hidden),
        ssim=metrics.ssim(truth, estimate, traces=hidden),
        mse=metrics.mse(truth, estimate, hidden),
        coherence=metrics.coherence(truth, estimate, hidden),
        trace_snr_db=trace_snr_db,
        n_hidden=holdout.n_hidden,
    )


def _dims(da: xr.DataArray) -> tuple[str, ...]:
    return tuple(str(d) for d in da.dims[:-1])


def index_ranges(index: np.ndarray) -> str:
    """Sorted integer indices as compact ranges, e.g. ``"0-3,7,9-10"``.

    Examples
    --------
    >>> index_ranges(np.array([0, 1, 2, 3, 7, 9, 10]))
    '0-3,7,9-10'
    """
    if index.size == 0:
        return ""
    breaks = np.flatnonzero(np.diff(index) != 1)
    starts = np.concatenate([index[:1], index[breaks + 1]])
    ends = np.concatenate([index[breaks], index[-1:]])
    return ",".join(f"{s}" if s == e else f"{s}-{e}" for s, e in zip(starts, ends))


def _fraction(fraction: object) -> float:
    ok = isinstance(fraction, (int, float, np.floating, np.integer)) and not isinstance(
        fraction, (bool, np.bool_)
    )
    if not ok or not 0 < float(fraction) <= 0.5:  # type: ignore[arg-type]
        raise ConfigError(
            f"hide_traces: fraction must be a number in (0, 0.5] (the share of live traces "
            f"hidden); got {fraction!r}."
        )
    return float(fraction)  # type: ignore[arg-type]


def _count(name: str, value: object, *, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ConfigError(f"hide_traces: {name} must be an integer >= {minimum}; got {value!r}.")
    if value < minimum:
        raise ConfigError(f"hide_traces: {name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def _sample(
    da: xr.DataArray, gathers: int | None, seed: int
) -> tuple[xr.DataArray, np.ndarray, int]:
    """The sampled gathers of `da`, their flat indices, and the survey's gather count."""
    import xarray as xr

    batch = batch_dims(da)
    shape = tuple(da.sizes[d] for d in batch)
    total = int(np.prod(shape, dtype=np.int64))
    if gathers is None:
        gathers = DEFAULT_GATHERS if is_dask_collection(da.data) else total
    if gathers >= total:
        return da, np.arange(total), total
    edges = np.linspace(0, total, gathers + 1).astype(np.int64)
    rng = np.random.default_rng([seed, total])
    picked = rng.integers(edges[:-1], edges[1:])  # one gather from each run
    if len(batch) == 1:
        return da.isel({batch[0]: picked}), picked, total
    index = np.unravel_index(picked, shape)
    points = {d: xr.DataArray(i, dims=SAMPLE_DIM) for d, i in zip(batch, index)}
    sample = da.isel(points).transpose(SAMPLE_DIM, *da.dims[len(batch) :])
    return sample, picked, total
