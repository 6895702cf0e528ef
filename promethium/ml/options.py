"""The option schemas of models that run on the patch engine: patches, and torch.

:class:`PatchOptions` declares the options every patch-engine model shares
(``patch_size``, ``overlap``, ``batch_size``); :class:`TorchOptions` adds those of
:class:`~promethium.ml.torch_model.TorchModel`. A plugin subclasses them to change a
default (e.g. the patch size its network was trained on). Nothing here imports torch.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from promethium.ml.device import Precision
from promethium.plugin.options import ModelOptions

__all__ = [
    "DeviceName",
    "PatchOptions",
    "PatchSize",
    "TorchOptions",
    "device_name",
    "patch_size_type",
]


def _as_pair(value: Any) -> Any:
    """An int ``n`` as ``(n, n)``; a string ``"64,128"`` (or ``"64"``) as a pair."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")]
        return (parts[0], parts[0]) if len(parts) == 1 else tuple(parts)
    if isinstance(value, int) or (hasattr(value, "__index__") and not isinstance(value, bool)):
        return (value, value)
    return value


def patch_size_type(minimum: int) -> Any:
    """The type of a ``patch_size`` option whose lengths are at least `minimum`.

    A value is an integer (a square patch), a ``(traces, samples)`` pair, or a string
    ``"64,128"`` (from a command line); it validates to a pair of integers.
    """
    length = Annotated[int, Field(ge=minimum)]
    return Annotated[tuple[length, length], BeforeValidator(_as_pair)]


if TYPE_CHECKING:
    PatchSize = tuple[int, int]
else:
    #: ``patch_size`` whose lengths are at least 1 (a pair of ints once validated).
    PatchSize = patch_size_type(1)


class PatchOptions(ModelOptions):
    """Options of every model that runs on the patch engine."""

    patch_size: PatchSize = Field(
        (256, 256),
        description="Patch length, or (traces, samples); an integer gives a square patch.",
        json_schema_extra={"unit": "traces, samples"},
    )
    overlap: float = Field(
        0.5,
        ge=0.0,
        lt=1.0,
        description="Overlap of neighbouring patches; blended with Hann weights.",
        json_schema_extra={"unit": "fraction of the patch"},
    )
    batch_size: int = Field(
        8, ge=1, description="Patches predicted in one call.", json_schema_extra={"unit": "patches"}
    )


_DEVICE = re.compile(r"auto|cpu|cuda(:\d+)?")


def device_name(value: str) -> str:
    """Check a device name: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``; return it.

    Raises
    ------
    ValueError
        For any other name, saying which are allowed.

    Examples
    --------
    >>> device_name("cuda:1")
    'cuda:1'
    """
    if not _DEVICE.fullmatch(value):
        raise ValueError(f"unknown device {value!r}; use auto, cpu, cuda or cuda:N")
    return value


#: A device name, checked by :func:`device_name` (for a pydantic field).
DeviceName = Annotated[str, AfterValidator(device_name)]


class TorchOptions(PatchOptions):
    """Options of :class:`~promethium.ml.torch_model.TorchModel`: device, precision, ensembles."""

    device: DeviceName = Field(
        "auto",
        description="Where the network runs: auto (CUDA if present), cpu, cuda or cuda:N.",
        json_schema_extra={"allowed": "'auto', 'cpu', 'cuda' or 'cuda:N'"},
    )
    precision: Precision = Field(
        "auto", description="Arithmetic precision; auto is float16 on CUDA, float32 on CPU."
    )
    ensemble_size: int | None = Field(
        None,
        ge=1,
        description="Ensemble members in all, spread evenly over the weight sets; None: one each.",
    )
    dropout_inference: bool = Field(
        False, description="Keep dropout active at inference (MC dropout ensemble members)."
    )
    aggregate: Literal["mean", "median"] = Field(
        "mean", description="How the ensemble members are combined."
    )
    return_uncertainty: bool = Field(
        False, description="Return a Dataset with the aggregate (mean) and the members' std."
    )
    seed: int = Field(0, ge=0, description="Seed of the MC dropout masks.")
