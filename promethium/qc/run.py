"""The QC run: hide live traces, reconstruct them with each model, score each one."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.qc.models import QCModel, qc_models
from promethium.qc.report import ModelScore, QCPanels, QCReport

if TYPE_CHECKING:
    import xarray as xr

    from promethium.holdout import HidePattern, Holdout
    from promethium.registry import Registry

__all__ = ["qc"]

logger = logging.getLogger(__name__)


def qc(
    da: xr.DataArray,
    models: str | Sequence[str | QCModel] | Mapping[str, Mapping[str, Any]] | None = None,
    *,
    holdout: float = 0.1,
    seed: int = 0,
    gathers: int | None = None,
    pattern: HidePattern = "random",
    registry: Registry | None = None,
) -> QCReport:
    """Blind-test models on a survey: hide live traces, restore them, score each model.

    A random fraction of the live traces is hidden (zeroed and marked missing, with
    :func:`promethium.holdout.hide_traces`), each model reconstructs them, and each
    reconstruction is scored against the hidden truth
    (:func:`promethium.holdout.score`). The models are ranked by SNR gain.

    Parameters
    ----------
    da : xarray.DataArray
        The survey, NumPy- or dask-backed, vertical dim last. It is never modified.
    models : str, sequence or mapping, optional
        The models to compare: a name, a sequence of names (or
        :class:`~promethium.qc.QCModel`), or a mapping of labels to settings,
        ``{"unet-ft": {"model": "unet", "weights": "ft.safetensors", "batch_size":
        8}, "unet+ft": {"model": "unet", "finetune": True}, "pocs": {"n_iter": 50}}``
        (keys ``model``, ``weights``, ``config``, ``finetune``, as for
        :func:`promethium.reconstruct`; the rest are the model's options). ``pocs`` and
        ``linear`` are always compared too. Default: the candidates of ``auto``
        (:func:`promethium.models.auto.default_candidates`: the networks with shipped
        weights, ``pocs``, ``linear``).
    holdout : float, default 0.1
        Fraction of each gather's live traces to hide, in (0, 0.5].
    seed : int, default 0
        Seed of the choice of hidden traces (and of sampled gathers): the same seed
        gives the same test.
    gathers : int, optional
        Test on a sample of this many gathers (indices of the batch dims) spread over
        the survey; only those are read and computed. Default: every gather of
        NumPy-backed data, a few of dask-backed data (see
        :func:`promethium.holdout.hide_traces`).
    pattern : {"random", "survey"}, default "random"
        Hide single random live traces, or traces placed like the survey's own missing
        ones (runs like its gaps; every n-th live trace of a regularly decimated
        gather), so that the test poses the task the models will face.
    registry : Registry, optional
        Where the models are looked up; the installed plugins by default.

    Returns
    -------
    QCReport
        The scores, ranked best first, with the arrays behind the figures.

    Raises
    ------
    ModelNotFoundError
        If a model is not installed.
    ConfigError
        For a bad `holdout`, `seed`, `gathers`, `pattern` or model entry, or an option
        a model does not accept (models and options are checked before any data is
        read).
    InvalidDataError
        If `da` breaks the data conventions or has too few live traces to hide.

    See Also
    --------
    promethium.holdout.hide_traces, promethium.holdout.score

    Notes
    -----
    Every model sees the same input and is scored on the same hidden traces. The time
    of each model is the wall time of its reconstruction of the sampled gathers
    (fine-tuning included). A model fine-tuned with ``finetune`` trains on the test's
    input, where the hidden traces are not live: it never sees their truth.
    """
    from promethium.holdout import hide_traces, score
    from promethium.plugins import default_registry

    registry = default_registry() if registry is None else registry
    runs = qc_models(models, registry, default=_default_models(registry))
    split = hide_traces(da, holdout, seed=seed, gathers=gathers, pattern=pattern)
    n_gathers = len(split.gathers)
    scores, estimates = [], {}
    for number, run in enumerate(runs, start=1):
        logger.info("qc: %s (%d of %d) on %d gather(s)", run.label, number, len(runs), n_gathers)
        start = time.perf_counter()
        estimate = run.reconstruct(split.data, registry)
        seconds = time.perf_counter() - start
        result = score(split, estimate)
        scores.append(_model_score(run, result, seconds, n_gathers, split))
        estimates[run.label] = estimate
    ranked = sorted(scores, key=lambda s: -_rank_value(s.snr_improvement_db))
    return QCReport(
        scores=tuple(ranked),
        holdout={**split.record(), "n_sampled": n_gathers},
        source={"dims": {str(d): int(n) for d, n in da.sizes.items()},
                "name": None if da.name is None else str(da.name)},
        hidden_traces=_trace_labels(split.hidden, split.data),
        panels=QCPanels(split.truth, split.data, split.hidden, estimates),
    )  # fmt: skip


def _default_models(registry: Registry) -> tuple[str, ...]:
    """The candidates of ``auto``: the networks with shipped weights, pocs and linear."""
    from promethium.models.auto import default_candidates

    return tuple(default_candidates(registry))


def _model_score(
    run: QCModel, result: Any, seconds: float, n_gathers: int, split: Holdout
) -> ModelScore:
    per_trace = np.asarray(result.trace_snr_db.values)[np.asarray(split.hidden.values, bool)]
    record = run.record()
    return ModelScore(
        label=run.label,
        model=run.model,
        snr_improvement_db=float(result.snr_improvement_db),
        snr_db=float(result.snr_db),
        ssim=float(result.ssim),
        mse=float(result.mse),
        coherence=float(result.coherence),
        seconds=seconds,
        seconds_per_gather=seconds / max(n_gathers, 1),
        per_trace_snr_db=tuple(float(v) for v in per_trace.ravel()),
        settings={k: record[k] for k in ("weights", "config", "options", "finetune")},
    )


def _rank_value(value: float) -> float:
    return -math.inf if math.isnan(value) else value


def _trace_labels(hidden: xr.DataArray, data: xr.DataArray) -> tuple[dict[str, Any], ...]:
    """The labels of each hidden trace, in array order.

    Each trace dim's coordinate label (its position for a dim without one), and the
    batch labels of a sampled gather.
    """
    from promethium.holdout import SAMPLE_DIM

    dims = [str(d) for d in hidden.dims]
    along_sample = [str(n) for n, c in data.coords.items() if c.dims == (SAMPLE_DIM,)]
    labels = []
    for index in zip(*np.nonzero(np.asarray(hidden.values, dtype=bool))):
        entry: dict[str, Any] = {}
        for dim, i in zip(dims, index):
            if dim == SAMPLE_DIM:
                entry.update({n: _plain(data[n].values[i]) for n in along_sample})
            entry[dim] = _plain(data[dim].values[i]) if dim in data.coords else int(i)
        labels.append(entry)
    return tuple(labels)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
