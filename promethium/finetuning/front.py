"""``pm.reconstruct(da, model, finetune=...)``: fine-tune on `da`, then reconstruct it.

:func:`finetuned_model` runs the fine-tuning, picks the weights that restore the
held-out traces better (the fine-tuned ones, unless they do not gain: then the
starting ones, with a warning), and says what to record in the provenance.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from promethium.errors import ConfigError, PromethiumWarning

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["FINETUNE_KEYS_REFUSED", "finetuned_model"]

#: Keys of ``finetune={...}`` that belong to ``pm.reconstruct`` itself.
FINETUNE_KEYS_REFUSED: tuple[str, ...] = ("model", "weights", "inference")


def finetuned_model(
    da: xr.DataArray,
    model: str,
    finetune: bool | Mapping[str, Any],
    config: Mapping[str, Any] | None,
    options: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fine-tune `model` on `da`; return the model config to reconstruct with, and a record.

    Parameters
    ----------
    da : xarray.DataArray
        The survey to fine-tune on and then reconstruct.
    model : str
        A built-in network.
    finetune : True or mapping
        True, or the keyword arguments of :func:`promethium.finetune` (``steps``,
        ``output``, ``fraction``, ...; not ``model``, ``weights`` nor ``inference``).
    config : mapping, optional
        The model config given to ``pm.reconstruct``; its ``weights`` (if any) are the
        starting weights, its other keys must agree with them.
    options : mapping
        The options given to ``pm.reconstruct``: the held-out traces are scored with
        them too.

    Returns
    -------
    config : dict
        The network's config with the ``weights`` to reconstruct with.
    record : dict
        For the provenance: ``weights`` and ``weights_sha256`` of the fine-tuned set,
        ``finetuned_from``, ``scores`` before and after, ``gain_db``, ``steps`` and
        ``used`` (``"finetuned"`` or ``"starting"``).

    Raises
    ------
    ConfigError
        For `finetune` neither a bool nor a mapping, or with a key of
        :data:`FINETUNE_KEYS_REFUSED`; and whatever :func:`promethium.finetune` raises.

    Warns
    -----
    PromethiumWarning
        When the fine-tuned weights do not gain on the held-out traces: the starting
        weights are used.
    """
    from promethium.finetuning.run import run_finetune

    if isinstance(finetune, bool):
        settings: dict[str, Any] = {}
    elif isinstance(finetune, Mapping):
        settings = dict(finetune)
    else:
        raise ConfigError(
            f"finetune must be True, False or a mapping of fine-tuning settings (e.g. "
            f"{{'steps': 200}}); got {finetune!r}."
        )
    refused = sorted(set(settings) & set(FINETUNE_KEYS_REFUSED))
    if refused:
        raise ConfigError(
            f"finetune={{{refused[0]!r}: ...}}: pass {refused[0]} to pm.reconstruct itself; "
            "finetune takes the fine-tuning settings (steps, fraction, output, ...)."
        )
    given = dict(config or {})
    weights = given.pop("weights", None)
    front = {k: settings.pop(k) for k in ("output", "overwrite", "progress") if k in settings}
    result = run_finetune(
        da, model, weights=weights, output=front.get("output"),
        overwrite=bool(front.get("overwrite", False)), settings=settings,
        inference=dict(options), progress=bool(front.get("progress", False)),
    )  # fmt: skip
    from promethium.finetuning.start import starting_weights
    from promethium.ml.weights import read_sidecar

    params = dict(read_sidecar(result.weights).get("config") or {})
    used = "finetuned" if result.improved else "starting"
    chosen = result.weights
    if not result.improved:
        chosen = starting_weights(model, weights).path
        warnings.warn(
            f"fine-tuning {model!r} on these data did not improve the held-out traces "
            f"({result.gain_db:+.2f} dB); reconstructing with the starting weights "
            f"{result.finetuned_from['name']!r}.",
            PromethiumWarning,
            stacklevel=3,
        )
    record = {
        "weights": os.fspath(result.weights),
        "weights_sha256": read_sidecar(result.weights)["sha256"],
        "finetuned_from": dict(result.finetuned_from),
        "scores": {"before": result.before, "after": result.after},
        "gain_db": result.gain_db,
        "steps": result.steps,
        "used": used,
    }
    return {**params, **given, "weights": os.fspath(chosen)}, record
