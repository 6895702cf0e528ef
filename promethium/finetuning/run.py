"""``pm.finetune``: self-supervised fine-tuning of a trained network on the user's survey.

No ground truth is needed: live traces are the truth. A fraction of the live traces
of a sample of gathers is held out (:func:`promethium.holdout.hide_traces`, placed like
the survey's own missing traces: every other live trace of a regularly decimated
gather) and never trained on; the network learns on the other live traces, with masks hiding some of
them in each training patch and the loss scored on the hidden ones only; the held-out
traces drive early stopping and give the scores before and after
(:func:`promethium.holdout.score`, on :func:`promethium.reconstruct` outputs). Patches
are read from the survey as they are needed, so a survey larger than memory streams.
This module imports no torch until :func:`finetune` runs.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.errors import InvalidDataError, PromethiumWarning

if TYPE_CHECKING:
    import xarray as xr

    from promethium.finetuning.result import FineTuneResult
    from promethium.finetuning.settings import FineTuneSettings
    from promethium.finetuning.start import StartingWeights
    from promethium.holdout import Holdout
    from promethium.tracking.settings import TrackingConfig
    from promethium.typing import PathType

__all__ = ["DEFAULT_OUTPUT_ROOT", "finetune", "run_finetune"]

logger = logging.getLogger("promethium.finetuning")

#: Where fine-tuned weight sets go when no ``output`` is given (a new folder each time).
DEFAULT_OUTPUT_ROOT = Path("runs") / "finetune"


def finetune(
    da: xr.DataArray,
    model: str = "unet",
    *,
    weights: PathType | None = None,
    output: PathType | None = None,
    overwrite: bool = False,
    steps: int | None = None,
    fraction: float | None = None,
    masks: list[Mapping[str, Any]] | None = None,
    patch_size: int | tuple[int, int] | None = None,
    batch_size: int | None = None,
    learning_rate: float | None = None,
    seed: int | None = None,
    device: str | None = None,
    tracking: bool | Mapping[str, Any] | TrackingConfig | None = None,
    inference: Mapping[str, Any] | None = None,
    progress: bool = False,
    **settings: Any,
) -> FineTuneResult:
    """Fine-tune a trained network on `da` itself, and save the new weight set.

    Parameters
    ----------
    da : xarray.DataArray
        The survey, vertical dim last, NumPy- or dask-backed (e.g. ``pm.open_segy``):
        training patches read only the chunks they cover. Its ``trace_mask`` says
        which traces are live (inferred from the data when absent); dead and absent
        traces are never targets. Never modified.
    model : str, default "unet"
        A built-in network: ``unet``, ``attention_unet``, ``residual_unet``, ``vae``,
        ``gan`` or ``pinn``.
    weights : str or path-like, optional
        The weight set to start from (``.safetensors`` with its JSON sidecar, as
        ``promethium train`` writes it). Default: the weights Promethium ships for
        `model` (a network without shipped weights needs `weights`).
    output : str or path-like, optional
        The folder to write (it must not exist unless `overwrite`): ``<model>.safetensors``
        and its sidecar ``<model>.json``. Default: a new folder
        ``runs/finetune/<model>-<date>-<time>`` in the working directory.
    overwrite : bool, default False
        Replace an existing `output` folder (only once the new weight set is done).
    steps, fraction, masks, patch_size, batch_size, learning_rate, seed, device
        The most common settings of :class:`~promethium.finetuning.FineTuneSettings`
        (None: its default).
    tracking : bool or mapping or TrackingConfig, optional
        Track the run in MLflow and register the new weights (``True``, or the
        ``tracking`` settings such as ``{"register_as": "unet-myline"}``). Off by
        default.
    inference : mapping, optional
        Options of :func:`promethium.reconstruct` used to score the held-out traces
        before and after (``patch_size``, ``batch_size``, ...); `device` by default.
    progress : bool, default False
        Show a progress bar per validation interval.
    **settings
        Any other setting of :class:`~promethium.finetuning.FineTuneSettings`
        (``validate_every``, ``patience``, ``gathers``, ``stride``, ...).

    Returns
    -------
    FineTuneResult
        The new weights and sidecar, and the held-out scores before and after.

    Raises
    ------
    ModelNotFoundError
        If `model` is no installed model.
    ConfigError
        For a model that is not a built-in network, no weights (none given, none
        shipped), weights of
        another architecture, an unknown setting or one out of range, or an
        `output` that exists (without `overwrite`) or whose folder does not.
    InvalidDataError
        If `da` breaks the data conventions or has fewer than
        :data:`~promethium.finetuning.settings.MIN_LIVE_TRACES` live traces.
    PluginError
        If the weights do not match the sha256 of their sidecar.

    Warns
    -----
    PromethiumWarning
        If the fine-tuned weights do not restore the held-out traces better than the
        starting weights.

    Notes
    -----
    The sidecar of the new weights records ``finetuned_from`` (the name and sha256
    of the starting weights), ``survey`` (source, dims, shape and the sha256 of the
    validation sample), ``recipe`` (the settings) and ``scores`` (``before`` and
    ``after``) and ``trained_sampling``: the sample intervals and trace spacings the
    new weights have seen, those of the starting weights and the survey's (None when
    the starting weights record none), which the networks' sampling check reads.
    Nothing is written to `output` until the weight set is complete:
    an interrupted fine-tuning leaves nothing behind. See ``docs/finetune.md``.

    Examples
    --------
    >>> import promethium as pm
    >>> result = pm.finetune(line, "unet", weights="unet.safetensors", steps=100)
    ... # doctest: +SKIP
    >>> print(result.describe())  # doctest: +SKIP
    """
    given = {
        "steps": steps, "fraction": fraction, "masks": masks, "patch_size": patch_size,
        "batch_size": batch_size, "learning_rate": learning_rate, "seed": seed,
        "device": device, "tracking": tracking,
    }  # fmt: skip
    values = {k: v for k, v in given.items() if v is not None}
    result = run_finetune(
        da, model, weights=weights, output=output, overwrite=overwrite,
        settings={**values, **settings}, inference=inference, progress=progress,
    )  # fmt: skip
    if not result.improved:
        warnings.warn(
            f"fine-tuning did not improve the held-out traces ({result.gain_db:+.2f} dB): "
            f"the starting weights {result.finetuned_from['name']!r} restore them as well "
            "or better. Try more steps or another learning_rate, or keep the starting "
            "weights.",
            PromethiumWarning,
            stacklevel=2,
        )
    return result


def run_finetune(
    da: xr.DataArray,
    model: str,
    *,
    weights: PathType | None,
    output: PathType | None,
    overwrite: bool,
    settings: Mapping[str, Any],
    inference: Mapping[str, Any] | None,
    progress: bool,
) -> FineTuneResult:
    """Run :func:`finetune` with its settings as a mapping; never warns about the gain.

    The engine behind :func:`finetune` and ``pm.reconstruct(..., finetune=...)``
    (which chooses the weights by the gain itself). Parameters, returns and raises
    are those of :func:`finetune`; `settings` are those of
    :class:`~promethium.finetuning.settings.FineTuneSettings` (``tracking`` may be a
    bool).
    """
    from promethium.core.validate import validate
    from promethium.finetuning.output import Staging, check_output
    from promethium.finetuning.settings import FineTuneSettings
    from promethium.finetuning.start import starting_weights
    from promethium.finetuning.training import check_patches, train_on_survey
    from promethium.tracking import open_tracker

    started = time.perf_counter()
    values = dict(settings)
    if values.get("tracking") is not None:
        values["tracking"] = _tracking(values["tracking"])
    recipe = FineTuneSettings.parse(values, owner="finetune")
    start = starting_weights(model, weights)
    target = check_output(Path(output) if output is not None else _default_output(model), overwrite)
    validate(da, check_mask=False)
    check_patches(da, start, recipe)
    survey, holdout = _survey_and_holdout(da, recipe)
    options = {"device": recipe.device, **dict(inference or {})}
    before = _scores(holdout, start, start.path, options)
    tracker = open_tracker(recipe.tracking)  # the store is checked before training
    with tracker, Staging(target, overwrite) as staging:
        trained = train_on_survey(da, holdout, start, recipe, staging.scratch, progress, tracker)
        after = _scores(holdout, start, trained.weights, options)
        seen = _seen_sampling(da, start)
        path = _save(staging.set, start, trained, recipe, survey, before, after, seen)
        scores = {f"{when}_{k}": v for when, s in (("before", before), ("after", after))
                  for k, v in s.items()}  # fmt: skip
        tracker.log_metrics({**scores, "gain_db": after["snr_db"] - before["snr_db"]}, 0)
        tracker.log_artifact(path.with_suffix(".json"), "finetuned")
        staging.commit()
    result = _result(
        target / path.name, start, trained, survey, before, after, started, tracker.run_id
    )
    logger.info("fine-tuned %s: %+.2f dB on the held-out traces", start.model, result.gain_db)
    return result


def _tracking(tracking: bool | Mapping[str, Any] | TrackingConfig) -> Any:
    from promethium.tracking.settings import TrackingConfig

    if isinstance(tracking, TrackingConfig):
        return tracking
    if isinstance(tracking, bool):
        return {"enabled": tracking}
    return {"enabled": True, **dict(tracking)}


def _default_output(model: str) -> Path:
    """A new folder ``runs/finetune/<model>-<date>-<time>[-N]``.

    Each run names a new folder, so no later run sweeps the staging folder of a killed
    one (:class:`~promethium.finetuning.output.Staging`): the whole root is swept here.
    """
    from promethium.io.atomic import sweep

    stamp = time.strftime("%Y%m%d-%H%M%S")
    DEFAULT_OUTPUT_ROOT.mkdir(parents=True, exist_ok=True)
    sweep(DEFAULT_OUTPUT_ROOT)
    path, n = DEFAULT_OUTPUT_ROOT / f"{model}-{stamp}", 1
    while path.exists():
        n += 1
        path = DEFAULT_OUTPUT_ROOT / f"{model}-{stamp}-{n}"
    return path


def _survey_and_holdout(
    da: xr.DataArray, recipe: FineTuneSettings
) -> tuple[dict[str, Any], Holdout]:
    """Check the survey's live traces, hold out validation traces, describe the survey."""
    from promethium.core.mask import get_trace_mask
    from promethium.finetuning.identity import survey_identity
    from promethium.finetuning.settings import MIN_LIVE_TRACES
    from promethium.holdout import hide_traces

    live = np.asarray(get_trace_mask(da).values, dtype=bool)
    if int(live.sum()) < MIN_LIVE_TRACES:
        raise InvalidDataError(
            f"fine-tuning needs at least {MIN_LIVE_TRACES} live traces to train on and to "
            f"validate with; the survey has {int(live.sum())} of {live.size}. Fine-tune on "
            "a larger part of the survey, or reconstruct with the starting weights."
        )
    # Placed like the survey's own missing traces (every other live trace of a regularly
    # decimated gather): the verdict must measure the gaps the user will fill. Random
    # held-out traces on a decimated survey praised weights that lost 8 dB on its gaps.
    holdout = hide_traces(
        da, recipe.fraction, seed=recipe.seed, gathers=recipe.gathers, pattern="survey"
    )
    return survey_identity(da, holdout), holdout


def _scores(
    holdout: Holdout, start: StartingWeights, weights: Path, options: Mapping[str, Any]
) -> dict[str, float]:
    """The held-out scores of `weights`, restored through :func:`promethium.reconstruct`."""
    from promethium.finetuning.result import SCORE_NAMES
    from promethium.holdout import score
    from promethium.reconstruct import reconstruct

    with warnings.catch_warnings():  # weak fills of the sample are not the user's output
        warnings.simplefilter("ignore", PromethiumWarning)
        estimate = reconstruct(
            holdout.data, start.model, config=start.params, weights=weights, **options
        )
    found = score(holdout, estimate).as_dict()
    return {name: float(found[name]) for name in SCORE_NAMES}


def _seen_sampling(da: xr.DataArray, start: StartingWeights) -> dict[str, Any] | None:
    """The sampling the fine-tuned weights have seen: the starting set's and the survey's.

    None when the starting weights record none (their training data's is unknown).
    """
    from promethium.ml.trained_sampling import survey_sampling

    if start.trained_sampling is None:
        return None
    return start.trained_sampling.including(survey_sampling(da)).as_dict()


def _save(
    folder: Path,
    start: StartingWeights,
    trained: Any,
    recipe: FineTuneSettings,
    survey: Mapping[str, Any],
    before: Mapping[str, float],
    after: Mapping[str, float],
    sampling: Mapping[str, Any] | None,
) -> Path:
    """Write the fine-tuned weight set (the best validated weights) into `folder`."""
    from promethium.ml.weights import load_weights, save_weights
    from promethium.train.loop.networks import network_class

    state, info = load_weights(trained.weights)
    network = network_class(start.model)(**start.params)
    network.load_state_dict(state)
    metadata = {
        "finetuned_from": start.origin,
        "survey": dict(survey),
        "recipe": recipe.model_dump(mode="json", exclude={"tracking"}),
        "training": (info.get("metadata") or {}).get("training"),
        "scores": {"before": dict(before), "after": dict(after)},
        "steps": trained.global_step,
        "best_epoch": trained.best_epoch,
        "stopped_early": trained.stopped_early,
        "trained_sampling": None if sampling is None else dict(sampling),
    }
    return save_weights(
        network,
        folder / f"{start.model}.safetensors",
        config=start.params,
        metadata=metadata,  # strict JSON: a non-finite score is written as null
        architecture=start.model,
    )


def _result(
    path: Path,
    start: StartingWeights,
    trained: Any,
    survey: dict[str, Any],
    before: dict[str, float],
    after: dict[str, float],
    started: float,
    run_id: str | None,
) -> FineTuneResult:
    from promethium.finetuning.result import FineTuneResult
    from promethium.ml.weights import sidecar_path

    per_epoch = trained.global_step / max(trained.epochs_run, 1)
    return FineTuneResult(
        weights=path,
        sidecar=sidecar_path(path),
        model=start.model,
        finetuned_from=start.origin,
        before=before,
        after=after,
        steps=trained.global_step,
        best_step=round((trained.best_epoch + 1) * per_epoch),
        stopped_early=trained.stopped_early,
        seconds=time.perf_counter() - started,
        survey=survey,
        history=list(trained.history),
        run_id=run_id,
    )
