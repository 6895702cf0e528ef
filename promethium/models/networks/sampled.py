"""A network model that checks the survey's sampling against its weights' before running.

The built-in networks (:mod:`~promethium.models.networks.plugin`) run as a
:class:`SamplingCheckedModel`: a :class:`~promethium.ml.torch_model.TorchModel` that
knows the sample intervals and trace spacings its weights were trained on
(:class:`~promethium.ml.trained_sampling.TrainedSampling`, from their sidecar). Before
running it reads the survey's (:func:`~promethium.ml.trained_sampling.survey_sampling`)
and, outside the trained range:

- with ``resample_time="off"`` (the default) it warns (a
  :class:`~promethium.errors.PromethiumWarning` naming both samplings and the option);
- with ``resample_time="trained"`` it resamples the time axis to the nearest trained
  interval, runs the network there and resamples its output back onto the survey's
  time coordinate (:class:`~promethium.ml.time_resampling.TimeResampling`), except
  where that was measured to make things worse (:func:`resampling_helps`: upsampling
  a survey whose trace spacing is coarser than trained), where it warns instead.

A trace spacing outside the range is only warned about: traces cannot be resampled
across missing ones. What was compared, and any resampling, is set on the output as
``attrs[SAMPLING_ATTR]`` (JSON) and recorded by :func:`promethium.reconstruct` in the
provenance's ``sampling`` entry. This module imports no torch.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core import strict_json
from promethium.errors import ConfigError, PromethiumWarning
from promethium.ml.time_resampling import TimeResampling
from promethium.ml.torch_model import TorchModel
from promethium.ml.trained_sampling import (
    SurveySampling,
    TrainedSampling,
    span,
    survey_sampling,
)
from promethium.reconstruct import SAMPLING_ATTR

if TYPE_CHECKING:
    import xarray as xr

    from promethium.ml.options import TorchOptions

__all__ = [
    "SamplingCheckedModel",
    "interval_warning",
    "resampling_helps",
    "spacing_warning",
]


def resampling_helps(survey: SurveySampling, trained: TrainedSampling) -> bool:
    """Whether resampling the time axis to the trained range is offered for `survey`.

    Not when it would upsample (the survey's interval is coarser than trained) a survey
    whose trace spacing is also coarser than trained: upsampling makes events steeper
    per trace, which compounds the coarse spacing. ``benchmarks/sampling.py`` measured
    it: at 8 ms, resampling to 4 ms gained 2.5-5.1 dB at trained spacings but lost
    2.5-6.6 dB at coarser ones. Decimating a finer survey was never worse.

    Examples
    --------
    >>> trained = TrainedSampling((2.0, 4.0), (6.25, 25.0))
    >>> resampling_helps(SurveySampling(8.0, 12.5), trained)
    True
    >>> resampling_helps(SurveySampling(8.0, 50.0), trained)
    False
    >>> resampling_helps(SurveySampling(1.0, 50.0), trained)
    True
    """
    dt, dx = survey.sample_interval_ms, survey.trace_spacing_m
    upsamples = dt is not None and dt > trained.sample_interval_ms[-1]
    return not (
        upsamples
        and dx is not None
        and not trained.spacing_within(dx)
        and dx > trained.trace_spacing_m[-1]
    )


def interval_warning(name: str, survey: SurveySampling, trained: TrainedSampling) -> str:
    """The warning for a sample interval outside the trained range, when not resampled.

    It offers ``resample_time="trained"`` where :func:`resampling_helps`, and says why
    the time axis is left as it is otherwise.

    Examples
    --------
    >>> trained = TrainedSampling((2.0, 4.0), (6.25, 25.0))
    >>> print(interval_warning("unet", SurveySampling(8.0, 12.5), trained))
    ... # doctest: +NORMALIZE_WHITESPACE
    model 'unet' was trained on a sample interval of 2-4 ms; this survey's is 8 ms, so
    its events span 0.5x the samples they did in training and the network may fill the
    missing traces poorly. Pass resample_time='trained' to run the network at 4 ms
    (the time axis resampled for it and back, recorded in the provenance), or
    resample the survey yourself (pm.ops.Resample).
    """
    dt = float(survey.sample_interval_ms or 0.0)
    nearest = trained.nearest_interval_ms(dt)
    head = (
        f"model {name!r} was trained on a sample interval of "
        f"{span(trained.sample_interval_ms)} ms; this survey's is {dt:g} ms, so its events "
        f"span {nearest / dt:.3g}x the samples they did in training and the network may "
        "fill the missing traces poorly. "
    )
    if resampling_helps(survey, trained):
        return head + (
            f"Pass resample_time='trained' to run the network at {nearest:g} ms (the time "
            "axis resampled for it and back, recorded in the provenance), or resample the "
            "survey yourself (pm.ops.Resample)."
        )
    return head + (
        f"Resampling to {nearest:g} ms would make events steeper per trace, and at this "
        f"survey's trace spacing ({survey.trace_spacing_m:g} m, coarser than the trained "
        f"{span(trained.trace_spacing_m)} m) that made the networks worse in "
        "benchmarks/sampling.py, so resample_time='trained' leaves the time axis as it is. "
        "Score the models on your survey with pm.qc(da) before trusting the result."
    )


def spacing_warning(name: str, survey: SurveySampling, trained: TrainedSampling) -> str:
    """The warning for a trace spacing outside the trained range (never resampled).

    Examples
    --------
    >>> trained = TrainedSampling((2.0, 4.0), (6.25, 25.0))
    >>> print(spacing_warning("unet", SurveySampling(4.0, 50.0, "offset"), trained))
    ... # doctest: +NORMALIZE_WHITESPACE
    model 'unet' was trained on a trace spacing of 6.25-25 m; this survey's is 50 m (from
    coordinate offset). Traces cannot be resampled across missing ones, so nothing is
    changed: expect a lower quality, most of all on steep events that the coarser
    spacing aliases. Score the models on your survey with pm.qc(da) before trusting the
    result.
    """
    spacing = float(survey.trace_spacing_m or 0.0)
    why = (
        "most of all on steep events that the coarser spacing aliases"
        if spacing > trained.trace_spacing_m[-1]
        else "events are flatter per trace than in training"
    )
    return (
        f"model {name!r} was trained on a trace spacing of "
        f"{span(trained.trace_spacing_m)} m; this survey's is "
        f"{spacing:g} m (from coordinate {survey.spacing_from}). Traces cannot be "
        f"resampled across missing ones, so nothing is changed: expect a lower quality, "
        f"{why}. Score the models on your survey with pm.qc(da) before trusting the "
        "result."
    )


class SamplingCheckedModel(TorchModel):
    """A :class:`TorchModel` that compares the survey's sampling with its weights'.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`~promethium.ml.torch_model.TorchModel`.
    trained_sampling : TrainedSampling or None
        What the weights were trained on; None when their sidecar records nothing
        (then nothing is compared, and ``resample_time="trained"`` is refused).

    Notes
    -----
    See the module docstring. The option ``resample_time`` is read from the options
    (``"off"`` when they do not have it).
    """

    def __init__(
        self, *args: Any, trained_sampling: TrainedSampling | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.trained_sampling = trained_sampling

    def reconstruct(
        self, da: xr.DataArray, options: TorchOptions | None = None
    ) -> xr.DataArray | xr.Dataset:
        """Check the sampling, resample if asked and needed, and fill `da`'s missing traces.

        Parameters
        ----------
        da : xarray.DataArray
            Seismic data with its ``trace_mask``.
        options : TorchOptions, optional
            Validated options (``resample_time`` among them for the network models).

        Returns
        -------
        xarray.DataArray or xarray.Dataset
            As :meth:`TorchModel.reconstruct`, on `da`'s own coordinates, with
            ``attrs[SAMPLING_ATTR]``.

        Raises
        ------
        ConfigError
            With ``resample_time="trained"`` when the weights record no trained
            sampling, the survey has no regular time axis, or the two intervals are not
            a ratio of small integers.

        Warns
        -----
        PromethiumWarning
            For a sample interval outside the trained range (unless resampled), and
            for a trace spacing outside it.
        """
        mode = str(getattr(options, "resample_time", "off"))
        survey = survey_sampling(da)
        resampling = self._check(survey, mode)
        if resampling is None:
            out = super().reconstruct(da, options)
        else:
            out = _resampled(super().reconstruct, resampling, da, options)
        record = {
            "survey": survey.as_dict(),
            "trained": None if self.trained_sampling is None else self.trained_sampling.as_dict(),
            "within_trained": self._within(survey),
            "resample_time": mode,
            "resampling_offered": self._offered(survey),
            "resampled": None if resampling is None else _resampling_record(resampling, da),
        }
        out.attrs[SAMPLING_ATTR] = strict_json.dumps(record, sort_keys=True)
        return out

    def _check(self, survey: SurveySampling, mode: str) -> TimeResampling | None:
        """Warn about what is outside the trained range; the resampling to do, if any."""
        trained = self.trained_sampling
        if mode == "trained" and (trained is None or survey.sample_interval_ms is None):
            what = (
                f"the sampling the weights of {self.name!r} were trained on, but their "
                "sidecar records none (weights trained on files, fine-tuned from such "
                "weights, or a plain checkpoint)"
                if trained is None
                else "a regularly sampled time axis, and this survey has none"
            )
            raise ConfigError(
                f"resample_time='trained' needs {what}; leave resample_time='off', or "
                "resample the survey yourself (pm.ops.Resample)."
            )
        if trained is None:
            return None
        if survey.trace_spacing_m is not None and not trained.spacing_within(
            survey.trace_spacing_m
        ):
            warnings.warn(spacing_warning(self.name, survey, trained), PromethiumWarning, 3)
        dt = survey.sample_interval_ms
        if dt is None or trained.interval_within(dt):
            return None
        if mode == "trained" and resampling_helps(survey, trained):
            return TimeResampling(dt, trained.nearest_interval_ms(dt))
        warnings.warn(interval_warning(self.name, survey, trained), PromethiumWarning, 3)
        return None

    def _offered(self, survey: SurveySampling) -> bool | None:
        """Whether resampling is offered for an interval outside the range (else None)."""
        trained, dt = self.trained_sampling, survey.sample_interval_ms
        if trained is None or dt is None or trained.interval_within(dt):
            return None
        return resampling_helps(survey, trained)

    def _within(self, survey: SurveySampling) -> dict[str, bool | None]:
        trained = self.trained_sampling
        dt, dx = survey.sample_interval_ms, survey.trace_spacing_m
        return {
            "sample_interval": (
                None if trained is None or dt is None else trained.interval_within(dt)
            ),
            "trace_spacing": (
                None
                if trained is None or dx is None or not trained.trace_spacing_m
                else trained.spacing_within(dx)
            ),
        }


def _resampling_record(resampling: TimeResampling, da: xr.DataArray) -> dict[str, Any]:
    """The resampling's record, saying so when the time axis had to be joined."""
    record = resampling.record()
    chunks = getattr(da.data, "chunks", None)
    if chunks is not None and len(chunks[-1]) > 1:
        record["rechunked"] = (
            f"the time axis ({len(chunks[-1])} chunks) was joined into one chunk per "
            "block: the resampler filters whole traces"
        )
    return record


def _resampled(
    run: Any, resampling: TimeResampling, da: xr.DataArray, options: TorchOptions | None
) -> xr.DataArray | xr.Dataset:
    """Run `run` on `da` resampled for the network; its output back on `da`'s coords."""
    import xarray as xr

    out = run(resampling.to_network(da), options)
    if isinstance(out, xr.Dataset):  # mean and std; a resampled std stays >= 0
        mean = resampling.to_survey(out["mean"], da)
        std = resampling.to_survey(out["std"], da)
        std = std.copy(data=np.maximum(std.data, 0))
        return xr.Dataset({"mean": mean.rename("mean"), "std": std.rename("std")}, attrs=out.attrs)
    return resampling.to_survey(out, da)
