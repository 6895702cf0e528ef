"""``data``: where the patches come from, how they are masked and augmented."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from promethium.errors import closest_match
from promethium.train.config.base import (
    Fraction,
    NonNegative,
    Positive,
    PositiveInt,
    PositiveRange,
    Section,
    pair,
)

__all__ = [
    "AugmentationConfig",
    "DataConfig",
    "GapMask",
    "MaskSpec",
    "RandomMask",
    "RegularMask",
    "SyntheticConfig",
]


class RandomMask(Section):
    """Remove a random fraction of the traces: ``ratio`` fixed, or drawn from a range."""

    kind: Literal["random"] = "random"
    ratio: Fraction | tuple[Fraction, Fraction] = (0.1, 0.5)


class RegularMask(Section):
    """Regular decimation: keep one trace in ``keep_every`` (drawn from a list of choices)."""

    kind: Literal["regular"] = "regular"
    keep_every: (
        Annotated[StrictInt, Field(ge=2)] | tuple[Annotated[StrictInt, Field(ge=2)], ...]
    ) = (
        2,
        3,
        4,
    )


class GapMask(Section):
    """``n_gaps`` gaps of ``gap_width`` consecutive traces (width drawn from a range)."""

    kind: Literal["gaps"] = "gaps"
    n_gaps: PositiveInt = 1
    gap_width: PositiveInt | tuple[PositiveInt, PositiveInt] = (2, 8)

    @property
    def widest(self) -> int:
        """The widest gap drawn."""
        return self.gap_width if isinstance(self.gap_width, int) else self.gap_width[1]

    @property
    def min_traces(self) -> int:
        """The fewest traces a patch needs to hold every gap, one live trace between each.

        Examples
        --------
        >>> GapMask(n_gaps=2, gap_width=(2, 10)).min_traces
        21
        """
        return self.n_gaps * (self.widest + 1) - 1


MaskSpec = Annotated[RandomMask | RegularMask | GapMask, Field(discriminator="kind")]


class AugmentationConfig(Section):
    """``data.augmentation``: what varies the training patches (never validation).

    Attributes
    ----------
    enable : bool
        Master switch.
    noise_std : float
        Gaussian noise added to the live input samples, relative to the patch RMS.
    flip_traces : bool
        Reverse the trace order of half the patches (left-right symmetry).
    amplitude_scale : tuple of float
        Range of per-trace gains, applied to input and target alike (trace-to-trace
        amplitude variation of field data); ``(1, 1)`` turns it off.
    polarity : bool
        Flip the sign of half the patches.
    """

    enable: StrictBool = True
    noise_std: NonNegative = 0.01
    flip_traces: StrictBool = True
    amplitude_scale: PositiveRange = (0.8, 1.25)
    polarity: StrictBool = True


class SyntheticConfig(Section):
    """``data.synthetic``: generated panels instead of files.

    Attributes
    ----------
    kind : {"section", "gather", "fd"}
        :func:`~promethium.synthetic.synthetic_section`,
        :func:`~promethium.synthetic.synthetic_gather`, or finite-difference shot
        gathers (:func:`~promethium.modeling.cached_fd_shot_gathers`: direct waves,
        reflections, diffractions and refractions from random velocity models).
    n_train, n_val : int
        Panels for training (seeds ``seed, seed+1, ...``; for ``fd``, indices
        ``0 ..`` of the set seeded by ``seed``) and validation (from ``seed +
        1_000_000``; for ``fd``, indices from 1_000_000): the two never share a panel.
    n_traces, n_samples : int
        Size of each panel.
    dt_ms : float or list of float
        Sample interval, in milliseconds; for ``fd`` a list of choices, one drawn per
        gather (the physics loss needs a single value).
    n_events : int
        Events per panel (``section``, ``gather``).
    noise : float
        ``section``, ``gather``: white noise relative to the peak amplitude. ``fd``:
        field-like noise (band-limited noise, noisy and spiky traces, coupling, swell)
        relative to the gather's RMS.
    seed : int
        First seed.
    family : str
        ``fd``: the velocity-model family (:data:`~promethium.modeling.FAMILIES`);
        the shipped weights train on ``layered_faulted`` only, and benchmarks evaluate
        on :data:`~promethium.modeling.EVALUATION_FAMILIES`.
    trace_spacing_m : float or list of float
        ``fd``: receiver spacing in metres, or choices drawn per gather.
    frequency_hz : (float, float)
        ``fd``: range of the source's peak frequency (capped per gather to what its
        sample interval carries).
    spread : list of {"end-on", "split"}
        ``fd``: spreads drawn per gather.
    gain : {"none", "t", "t2"} or list of them
        ``fd``: gain applied to the modelled samples, or choices drawn per gather
        (recorded in each gather's attrs).
    thin_beds : bool
        ``fd``: conformable thin beds in every velocity model, so reflections are as
        dense as in field data (the shipped weights' first recipes trained without).
    cache_dir : str or None
        ``fd``: folder caching the modelled gathers, keyed by a hash of these settings,
        so several runs share one dataset (None: model every run).
    workers : int
        ``fd``: processes modelling gathers in parallel.
    """

    kind: Literal["section", "gather", "fd"] = "section"
    n_train: PositiveInt = 16
    n_val: PositiveInt = 4
    n_traces: PositiveInt = 128
    n_samples: PositiveInt = 256
    dt_ms: Positive | tuple[Positive, ...] = 4.0
    n_events: PositiveInt = 8
    noise: NonNegative = 0.0
    seed: StrictInt = 0
    family: str = "layered_faulted"
    trace_spacing_m: Positive | tuple[Positive, ...] = (6.25, 12.5, 25.0)
    frequency_hz: PositiveRange = (12.0, 28.0)
    spread: tuple[Literal["end-on", "split"], ...] = ("end-on", "split")
    gain: Literal["none", "t", "t2"] | tuple[Literal["none", "t", "t2"], ...] = "none"
    thin_beds: StrictBool = False
    cache_dir: str | None = None
    workers: PositiveInt = 1

    @field_validator("family")
    @classmethod
    def _known_family(cls, value: str) -> str:
        from promethium.modeling.velocity import FAMILIES

        if value not in FAMILIES:
            raise ValueError(
                f"unknown velocity-model family; known: {', '.join(FAMILIES)}"
                + closest_match(value, FAMILIES)
            )
        return value

    @field_validator("dt_ms", "trace_spacing_m", "spread", "gain")
    @classmethod
    def _some_choices(cls, value: Any) -> Any:
        if isinstance(value, tuple) and not value:
            raise ValueError("give a value or a non-empty list of choices")
        return value

    @model_validator(mode="after")
    def _choices_need_fd(self) -> SyntheticConfig:
        if self.kind != "fd" and isinstance(self.dt_ms, tuple):
            raise ValueError(
                f"a list of dt_ms choices needs kind: fd; kind {self.kind!r} takes one value"
            )
        return self


def _default_masks() -> list[MaskSpec]:
    return [RandomMask()]


class DataConfig(Section):
    """``data``: where patches come from and how they are masked and augmented.

    Attributes
    ----------
    train_path, val_path : str or list of str
        A folder (its ``*.sgy``, ``*.segy`` and ``*.zarr`` entries) or a list of
        SEG-Y files and Zarr stores. Give both, or ``synthetic``.
    synthetic : SyntheticConfig
        Synthetic panels instead of files.
    patch_size, stride : int or (int, int)
        Patch (traces, samples) and the step between patches.
    masks : list
        Trace-mask kinds, one drawn per patch: ``random`` (``ratio``), ``regular``
        (``keep_every``), ``gaps`` (``n_gaps``, ``gap_width``).
    augmentation : AugmentationConfig
        Training augmentation.
    """

    train_path: str | list[str] | None = None
    val_path: str | list[str] | None = None
    synthetic: SyntheticConfig | None = None
    patch_size: Annotated[tuple[PositiveInt, PositiveInt], Field()] = (256, 256)
    stride: Annotated[tuple[PositiveInt, PositiveInt], Field()] = (128, 128)
    masks: Annotated[list[MaskSpec], Field(min_length=1)] = Field(default_factory=_default_masks)
    augmentation: AugmentationConfig = Field(default_factory=AugmentationConfig)

    @field_validator("patch_size", "stride", mode="before")
    @classmethod
    def _int_is_square(cls, value: Any) -> Any:
        return pair(value)

    @model_validator(mode="after")
    def _one_source(self) -> DataConfig:
        files = self.train_path is not None or self.val_path is not None
        if files and self.synthetic is not None:
            raise ValueError("give either train_path and val_path, or synthetic, not both")
        if not files and self.synthetic is None:
            raise ValueError("give train_path and val_path (SEG-Y or Zarr), or synthetic: {}")
        if files and (self.train_path is None or self.val_path is None):
            raise ValueError("give both train_path and val_path")
        return self
