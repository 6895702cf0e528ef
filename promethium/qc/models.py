"""Which models a QC run compares, each with its weights, config, options, fine-tuning."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from promethium.errors import ConfigError

if TYPE_CHECKING:
    import xarray as xr

    from promethium.registry import Registry

__all__ = ["ALWAYS_COMPARED", "QCModel", "qc_models"]

#: The classical models every QC run compares against, whatever else it runs.
ALWAYS_COMPARED: tuple[str, ...] = ("pocs", "linear")

#: Keys of a model's entry in the mapping form of ``models=`` that are not options.
_ENTRY_KEYS = ("model", "weights", "config", "finetune")


@dataclass(frozen=True)
class QCModel:
    """One model of a QC run: a label, the registered model, and how to run it.

    Parameters
    ----------
    label : str
        The name the report shows (unique in a run), e.g. ``"unet-finetuned"``.
    model : str
        The registered model name (or ``models:/`` URI) passed to
        :func:`promethium.reconstruct`.
    weights : str, optional
        Trained weights of a network model (``weights=`` of
        :func:`promethium.reconstruct`).
    config : mapping
        Overrides of the model's configuration (``config=``).
    options : mapping
        Options of the model's ``reconstruct`` (e.g. ``n_iter``, ``batch_size``).
    finetune : bool or mapping, default False
        Fine-tune the network on the test's input first (``finetune=`` of
        :func:`promethium.reconstruct`; a mapping gives the settings of
        :func:`promethium.finetune`). The hidden traces are not live there, so the
        fine-tuning never sees them.
    """

    label: str
    model: str
    weights: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    finetune: bool | Mapping[str, Any] = False

    def reconstruct(self, da: xr.DataArray, registry: Registry) -> xr.DataArray:
        """Fill the missing traces of `da` with this model, computed in memory."""
        from promethium.reconstruct import reconstruct

        extra: dict[str, Any] = {}
        if self.finetune is not False:  # fine-tune on `da` first (promethium.finetune)
            extra["finetune"] = True if self.finetune is True else dict(self.finetune)
        out = reconstruct(
            da, self.model, registry=registry, config=dict(self.config) or None,
            weights=self.weights, **extra, **dict(self.options),
        )  # fmt: skip
        return out.compute()

    def record(self) -> dict[str, Any]:
        """The model's settings as JSON-ready data (what the report records)."""
        return {
            "label": self.label,
            "model": self.model,
            "weights": self.weights,
            "config": dict(self.config),
            "options": dict(self.options),
            "finetune": self.finetune if isinstance(self.finetune, bool) else dict(self.finetune),
        }


def qc_models(
    models: str | Sequence[str | QCModel] | Mapping[str, Mapping[str, Any]] | None,
    registry: Registry,
    default: Sequence[str] = (),
) -> tuple[QCModel, ...]:
    """Resolve the ``models=`` of :func:`promethium.qc` and check each one, up front.

    Parameters
    ----------
    models : str, sequence, mapping or None
        A model name; a sequence of names or :class:`QCModel`; or a mapping of labels
        to entries ``{"model": NAME, "weights": PATH, "config": {...}, "finetune":
        True, OPTION: VALUE, ...}`` (``model`` defaults to the label). None: the
        `default` names.
    registry : Registry
        Where the models are looked up.
    default : sequence of str
        The models run when `models` is None.

    Returns
    -------
    tuple of QCModel
        The models in the order given, then those of :data:`ALWAYS_COMPARED` not
        given already.

    Raises
    ------
    ModelNotFoundError
        If a model is not registered.
    ConfigError
        For a label given twice, an entry that is not a mapping, or an option the
        model does not accept (checked before any data is read).
    """
    from promethium.reconstruct import model_options

    chosen = _as_models(default if models is None else models)
    labels = [m.label for m in chosen]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise ConfigError(
            f"models: {twice[0]!r} is given twice; give each model once, or give the runs "
            "different labels with the mapping form {'label': {'model': NAME, ...}}."
        )
    chosen += [QCModel(name, name) for name in ALWAYS_COMPARED if not _runs(chosen, name)]
    for entry in chosen:
        name = entry.model
        if name.startswith("models:/"):  # a registered network: its architecture's schema
            from promethium.tracking.resolve import registered_model_config

            name, _ = registered_model_config(name)
        model_options(registry.get(name), entry.options)
    return tuple(chosen)


def _runs(chosen: Sequence[QCModel], name: str) -> bool:
    """Whether `chosen` already runs model `name` as it comes, or under the label `name`."""
    return any(
        m.label == name
        or (m.model == name and not (m.weights or m.config or m.options or m.finetune))
        for m in chosen
    )


def _as_models(
    models: str | Sequence[str | QCModel] | Mapping[str, Mapping[str, Any]],
) -> list[QCModel]:
    if isinstance(models, str):
        return [QCModel(models, models)]
    if isinstance(models, Mapping):
        return [_from_entry(str(label), entry) for label, entry in models.items()]
    out = []
    for item in models:
        if isinstance(item, QCModel):
            out.append(item)
        elif isinstance(item, str):
            out.append(QCModel(item, item))
        else:
            raise ConfigError(
                f"models: {item!r} is neither a model name nor a QCModel; give names, "
                "e.g. models=['unet', 'pocs'], or a mapping of labels to settings."
            )
    return out


def _from_entry(label: str, entry: Any) -> QCModel:
    if not isinstance(entry, Mapping):
        raise ConfigError(
            f"models[{label!r}] must be a mapping of settings, e.g. {{'weights': "
            f"'best.safetensors', 'batch_size': 8}}; got {entry!r}."
        )
    config = entry.get("config") or {}
    if not isinstance(config, Mapping):
        raise ConfigError(f"models[{label!r}]['config'] must be a mapping; got {config!r}.")
    weights = entry.get("weights")
    finetune = entry.get("finetune", False)
    if not isinstance(finetune, (bool, Mapping)):
        raise ConfigError(
            f"models[{label!r}]['finetune'] must be True, False or a mapping of fine-tuning "
            f"settings, e.g. {{'steps': 200}}; got {finetune!r}."
        )
    return QCModel(
        label=label,
        model=str(entry.get("model", label)),
        weights=None if weights is None else os.fspath(weights),
        config=dict(config),
        options={k: v for k, v in entry.items() if k not in _ENTRY_KEYS},
        finetune=finetune,
    )
