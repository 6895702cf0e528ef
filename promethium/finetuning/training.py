"""The training of a fine-tuning: the survey's patches, the trainer, the starting weights.

The training patches are the survey's (read as needed, so a survey larger than
memory streams) less the held-out traces, which are never shown; masks from the
recipe hide further live traces in each patch, and the loss scores only those. The
validation patches tile the held-out sample (at most :data:`MAX_VALIDATION_PATCHES`),
with the held-out traces hidden and scored, the same every validation. The trainer
(:class:`~promethium.train.loop.trainer.Trainer`) runs from the starting weights with
early stopping on that validation loss.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.errors import ConfigError, InvalidDataError

if TYPE_CHECKING:
    import xarray as xr

    from promethium.finetuning.settings import FineTuneSettings
    from promethium.finetuning.start import StartingWeights
    from promethium.holdout import Holdout
    from promethium.tracking import DisabledTracker, Tracker
    from promethium.train.config import TrainConfig
    from promethium.train.data import PatchDataset
    from promethium.train.summary import TrainResult

__all__ = ["MAX_VALIDATION_PATCHES", "check_patches", "survey_name", "train_on_survey"]

#: Training patch (traces, samples) when neither the recipe nor the weights give one.
FALLBACK_PATCH = (64, 64)

#: Most validation patches per validation (evenly spread over the held-out sample).
MAX_VALIDATION_PATCHES = 256


def _datasets(
    da: xr.DataArray, holdout: Holdout, config: TrainConfig
) -> tuple[PatchDataset, PatchDataset]:
    """Training patches of the survey less the held-out traces; validation patches."""
    from promethium.train.data import PatchDataset
    from promethium.train.sources import dataarray_source

    name = survey_name(da)
    exclude = _in_survey(da, holdout)
    train = PatchDataset(
        [dataarray_source(da, name, exclude=exclude)], config, "train", "the survey"
    )
    # Validation patches tile the sample without overlap; at most MAX_VALIDATION_PATCHES.
    tiles = config.model_copy(
        update={"data": config.data.model_copy(update={"stride": config.data.patch_size})}
    )
    val = PatchDataset(
        [dataarray_source(holdout.truth, f"{name} (held out)", hidden=holdout.hidden.values)],
        tiles,
        "val",
        "the held-out traces",
    )
    _keep_patches(train, lambda source, panel, t0, n: source.live_traces(panel, t0, n).sum() >= 2)
    _keep_patches(val, lambda source, panel, t0, n: source.hidden_traces(panel, t0, n).any())
    if len(val) > MAX_VALIDATION_PATCHES:  # evenly spread over the sample
        pick = np.linspace(0, len(val) - 1, MAX_VALIDATION_PATCHES).round().astype(np.int64)
        val.index = val.index[pick]
    if len(train) == 0:
        raise InvalidDataError(
            f"no training patch of {config.data.patch_size[0]} traces holds two live traces "
            "besides the held-out ones; use a smaller patch_size or a lower fraction."
        )
    return train, val


def _keep_patches(dataset: PatchDataset, keep: Any) -> None:
    """Drop the patches of `dataset` for which `keep(source, panel, t0, n)` is False."""
    n = dataset.patch[0]
    rows = [bool(keep(dataset.sources[s], p, t0, n)) for s, p, t0, _ in dataset.index.tolist()]
    dataset.index = dataset.index[np.asarray(rows, dtype=bool)] if rows else dataset.index


def _in_survey(da: xr.DataArray, holdout: Holdout) -> np.ndarray:
    """The held-out traces as a boolean over the survey's trace dims."""
    shape = tuple(int(n) for n in da.shape[:-1])
    flags = np.zeros(shape, dtype=bool).reshape(-1, shape[-1])
    flags[list(holdout.gathers)] = np.asarray(holdout.hidden.values, dtype=bool).reshape(
        -1, shape[-1]
    )
    return flags.reshape(shape)


def survey_name(da: xr.DataArray) -> str:
    """The survey's file or store (``pm.open_segy``/``pm.open_zarr``), or a description."""
    source = da.attrs.get("source") or da.encoding.get("source")
    return str(source) if source else f"DataArray {da.name!r} (in memory)"


def _patch(
    start: StartingWeights, recipe: FineTuneSettings, panel: tuple[int, int]
) -> tuple[int, int]:
    """The training patch: the recipe's, else the starting weights' (at most the panel)."""
    if recipe.patch_size is not None:
        if recipe.patch_size[0] > panel[0] or recipe.patch_size[1] > panel[1]:
            raise ConfigError(
                f"patch_size={list(recipe.patch_size)} is larger than the gathers of the "
                f"survey ({panel[0]} traces x {panel[1]} samples); use a patch_size of at "
                "most that."
            )
        return recipe.patch_size
    trained = start.recipe_value("data", "patch_size")
    size = tuple(trained) if isinstance(trained, list) and len(trained) == 2 else FALLBACK_PATCH
    return (min(int(size[0]), panel[0]), min(int(size[1]), panel[1]))


def check_patches(da: xr.DataArray, start: StartingWeights, recipe: FineTuneSettings) -> None:
    """Refuse, before anything is computed, training patches the masks do not fit in.

    A gap mask needs patches wide enough for its gaps with a live trace between each
    (:attr:`~promethium.train.config.GapMask.min_traces`): the shipped weights' masks
    (two gaps of up to 10 traces) need 21 traces, so a survey of narrower gathers
    needs masks that fit; the message gives masks that do.

    Raises
    ------
    ConfigError
        If `recipe.patch_size` is larger than the gathers, or a gap mask does not fit
        in the training patches.
    """
    import json

    from promethium.train.config import GapMask

    config = _train_config(da, start, recipe, Path("scratch"))
    traces = config.data.patch_size[0]
    misfits = [m for m in config.data.masks if isinstance(m, GapMask) and m.min_traces > traces]
    if not misfits:
        return
    spec = misfits[0]
    whose = "given" if recipe.masks is not None else "of the starting weights (the default)"
    if recipe.patch_size is not None:
        why = f"patch_size={list(recipe.patch_size)} makes patches of {traces} traces"
    elif traces == int(da.shape[-2]):
        why = f"the gathers of this survey are {traces} traces wide"
    else:
        why = f"the starting weights' training patches are {traces} traces wide"
    fitted = [_fitted(m, traces) if m in misfits else m for m in config.data.masks]
    kept = [m.model_dump(mode="json") for m in fitted if m is not None]
    suggestion = json.dumps(kept or [{"kind": "random", "ratio": [0.1, 0.5]}])
    gaps = f"{spec.n_gaps} {'gap' if spec.n_gaps == 1 else 'gaps'} of up to {spec.widest} traces"
    need = f"patches of at least {spec.min_traces} traces"
    fix = f"masks={suggestion} (command line: --set 'masks={suggestion}')"
    raise ConfigError(
        f"the training masks {whose} hide {gaps}, which need {need}, but {why}. Pass masks "
        f"that fit, e.g. {fix}, or fine-tune on gathers of at least {spec.min_traces} traces."
    )


def _fitted(spec: Any, traces: int) -> Any:
    """`spec` (a GapMask) with fewer or narrower gaps that fit `traces`; None if none do.

    Each gap is at most half the patch wide, so every patch keeps live traces to learn
    from.
    """
    low = spec.gap_width if isinstance(spec.gap_width, int) else spec.gap_width[0]
    for n in range(spec.n_gaps, 0, -1):
        widest = min(spec.widest, (traces + 1) // n - 1, traces // 2)
        if widest >= low:
            width = low if widest == low else (low, widest)
            return spec.model_copy(update={"n_gaps": n, "gap_width": width})
    return None


def _train_config(
    da: xr.DataArray, start: StartingWeights, recipe: FineTuneSettings, scratch: Path
) -> TrainConfig:
    from promethium.train.config import TrainConfig

    patch = _patch(start, recipe, (int(da.shape[-2]), int(da.shape[-1])))
    stride = recipe.stride or tuple(max(1, n // 2) for n in patch)
    masks = recipe.masks
    if masks is None:
        masks = start.recipe_value("data", "masks") or [{"kind": "random", "ratio": [0.1, 0.5]}]
    name = survey_name(da)
    return TrainConfig.model_validate(
        {
            "model": {"architecture": start.model, "params": start.params},
            # The trainer is handed the survey's patches; the paths name the survey.
            "data": {
                "train_path": name,
                "val_path": f"{name} (held out)",
                "patch_size": list(patch),
                "stride": list(stride),
                "masks": [m if isinstance(m, dict) else m.model_dump() for m in masks],
                "augmentation": recipe.augmentation.model_dump(),
            },
            "training": {
                "epochs": 1,  # set from the number of patches (_train)
                "steps_per_epoch": recipe.validate_every,
                "batch_size": recipe.batch_size,
                "optimizer": {
                    "learning_rate": recipe.learning_rate,
                    "weight_decay": recipe.weight_decay,
                },
                "early_stopping": {"enable": True, "patience": recipe.patience},
                "mixed_precision": recipe.mixed_precision,
                "loss_on": "missing",
                "seed": recipe.seed,
                "init_weights": str(start.path),
                "device": recipe.device,
                "output_dir": str(scratch),
            },
            "tracking": recipe.tracking.model_dump(),
        }
    )


def train_on_survey(
    da: xr.DataArray,
    holdout: Holdout,
    start: StartingWeights,
    recipe: FineTuneSettings,
    scratch: Path,
    progress: bool,
    tracker: Tracker | DisabledTracker,
) -> TrainResult:
    """Run the trainer from the starting weights; return its result.

    Parameters
    ----------
    da : xarray.DataArray
        The survey.
    holdout : Holdout
        Its held-out validation sample (never trained on).
    start : StartingWeights
        The weights to start from.
    recipe : FineTuneSettings
        The settings.
    scratch : pathlib.Path
        A folder for the trainer's checkpoints and weights (removed by the caller).
    progress : bool
        Show a progress bar.
    tracker : Tracker or DisabledTracker
        Where the run is tracked (the caller opens and ends it).

    Returns
    -------
    TrainResult
        Of the trainer; ``weights`` are the best validated ones.
    """
    from promethium.tracking import Tracker
    from promethium.tracking.training import TrackingCallback
    from promethium.train.loop.callbacks import Callback, ProgressBar
    from promethium.train.loop.trainer import Trainer

    config = _train_config(da, start, recipe, scratch)
    datasets = _datasets(da, holdout, config)
    # An "epoch" is the steps between validations: equal epochs of at most
    # validate_every steps that make `steps` (rounded up by less than one step per
    # epoch); a survey with fewer patches repeats them, with other masks each time.
    train = datasets[0]
    epochs = math.ceil(recipe.steps / recipe.validate_every)
    per_epoch = math.ceil(recipe.steps / epochs)  # at most validate_every
    wanted = per_epoch * recipe.batch_size
    if len(train) < wanted:  # a small survey: its patches again, with other masks
        train.index = np.tile(train.index, (math.ceil(wanted / len(train)), 1))
    training = config.training.model_copy(update={"epochs": epochs, "steps_per_epoch": per_epoch})
    config = config.model_copy(update={"training": training})
    callbacks: list[Callback] = []
    if progress:
        callbacks.append(ProgressBar())
    if isinstance(tracker, Tracker):
        callbacks.append(TrackingCallback(tracker))
    return Trainer(config, callbacks=callbacks, datasets=datasets).fit()
