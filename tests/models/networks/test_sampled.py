"""The networks check the survey's sampling against their weights' and resample on request."""

from __future__ import annotations

import json
import shutil
import warnings

import dask
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.errors import ConfigError, PromethiumWarning
from promethium.ml.time_resampling import RESAMPLING_METHOD
from promethium.ml.trained_sampling import SurveySampling, TrainedSampling
from promethium.models.networks.pretrained import pretrained_root
from promethium.models.networks.sampled import interval_warning, spacing_warning
from promethium.reconstruct import PROVENANCE_ATTR
from promethium.testing import assert_reconstruction_contract

UNET = TrainedSampling((2.0, 4.0), (6.25, 12.5, 25.0))


def _holed(dt_ms: float = 4.0, spacing_m: float = 12.5, n_samples: int = 96) -> xr.DataArray:
    gather = pm.synthetic_gather(
        n_traces=24, n_samples=n_samples, dt_ms=dt_ms, offset_spacing_m=spacing_m, seed=3
    )
    return pm.apply_trace_mask(gather, pm.random_mask(gather, 0.4, seed=1))


def _sampling_warnings(da, model="unet", **options):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = pm.reconstruct(da, model, **options)
    messages = [
        str(w.message)
        for w in caught
        if issubclass(w.category, PromethiumWarning) and "was trained on a" in str(w.message)
    ]
    return out, messages


@pytest.mark.parametrize("dt_ms", [1.0, 2.0, 3.0, 4.0, 8.0])
def test_an_interval_outside_the_trained_range_warns_exactly_then(dt_ms):
    out, messages = _sampling_warnings(_holed(dt_ms, n_samples=int(384 / dt_ms)))
    survey = SurveySampling(dt_ms, 12.5, "offset")
    expected = [] if 2.0 <= dt_ms <= 4.0 else [interval_warning("unet", survey, UNET)]
    assert messages == expected
    record = json.loads(out.attrs[PROVENANCE_ATTR])["sampling"]
    assert record["within_trained"] == {"sample_interval": not expected, "trace_spacing": True}
    assert record["survey"]["sample_interval_ms"] == dt_ms
    assert record["trained"] == UNET.as_dict()
    assert record["resampled"] is None and record["resample_time"] == "off"
    assert record["resampling_offered"] == (None if 2.0 <= dt_ms <= 4.0 else True)


def test_the_interval_warning_names_both_samplings_and_the_option():
    assert interval_warning("unet", SurveySampling(1.0, 12.5), UNET) == (
        "model 'unet' was trained on a sample interval of 2-4 ms; this survey's is 1 ms, so "
        "its events span 2x the samples they did in training and the network may fill the "
        "missing traces poorly. Pass resample_time='trained' to run the network at 2 ms "
        "(the time axis resampled for it and back, recorded in the provenance), or resample "
        "the survey yourself (pm.ops.Resample)."
    )


@pytest.mark.parametrize(("spacing_m", "warns"), [(3.125, True), (6.25, False), (25.0, False),
                                                   (50.0, True)])  # fmt: skip
def test_a_trace_spacing_outside_the_trained_range_warns_only(spacing_m, warns):
    out, messages = _sampling_warnings(_holed(4.0, spacing_m), resample_time="trained")
    survey = SurveySampling(4.0, spacing_m, "offset")
    assert messages == ([spacing_warning("unet", survey, UNET)] if warns else [])
    record = json.loads(out.attrs[PROVENANCE_ATTR])["sampling"]
    assert record["within_trained"]["trace_spacing"] is not warns
    assert record["resampled"] is None  # traces are never resampled


def test_resampling_is_not_offered_where_it_was_measured_to_hurt():
    # Upsampling 8 ms to 4 ms at a spacing coarser than trained: benchmarks/sampling.py
    # measured it worse, so the time axis is left as it is, with a warning saying so.
    da = _holed(8.0, 50.0, n_samples=48)
    out, messages = _sampling_warnings(da, resample_time="trained")
    survey = SurveySampling(8.0, 50.0, "offset")
    assert messages == [spacing_warning("unet", survey, UNET), interval_warning(
        "unet", survey, UNET)]  # fmt: skip
    assert messages[1] == (
        "model 'unet' was trained on a sample interval of 2-4 ms; this survey's is 8 ms, so "
        "its events span 0.5x the samples they did in training and the network may fill "
        "the missing traces poorly. Resampling to 4 ms would make events steeper per "
        "trace, and at this survey's trace spacing (50 m, coarser than the trained "
        "6.25-25 m) that made the networks worse in benchmarks/sampling.py, so "
        "resample_time='trained' leaves the time axis as it is. Score the models on your "
        "survey with pm.qc(da) before trusting the result."
    )
    record = json.loads(out.attrs[PROVENANCE_ATTR])["sampling"]
    assert record["resampling_offered"] is False and record["resampled"] is None
    # Decimating a finer survey is offered at any spacing.
    out, _ = _sampling_warnings(_holed(1.0, 50.0, n_samples=200), resample_time="trained")
    assert json.loads(out.attrs[PROVENANCE_ATTR])["sampling"]["resampled"]["to_ms"] == 2.0


def test_the_spacing_warning_says_what_to_expect():
    message = spacing_warning("pinn", SurveySampling(4.0, 50.0, "offset"), TrainedSampling(
        (4.0,), (12.5,)))  # fmt: skip
    assert message == (
        "model 'pinn' was trained on a trace spacing of 12.5 m; this survey's is 50 m (from "
        "coordinate offset). Traces cannot be resampled across missing ones, so nothing is "
        "changed: expect a lower quality, most of all on steep events that the coarser "
        "spacing aliases. Score the models on your survey with pm.qc(da) before trusting "
        "the result."
    )


@pytest.mark.parametrize(("dt_ms", "to_ms"), [(1.0, 2.0), (8.0, 4.0)])
def test_resample_time_trained_round_trips_coords_dtype_and_live_traces(dt_ms, to_ms):
    da = _holed(dt_ms, n_samples=int(384 / dt_ms) + 1)  # odd lengths crop back exactly
    out, messages = _sampling_warnings(da, resample_time="trained")
    assert messages == []
    xr.testing.assert_identical(
        out.coords.to_dataset().drop_vars("trace_filled"), da.coords.to_dataset()
    )
    assert out.dims == da.dims and out.dtype == da.dtype and out.name == da.name
    live = da.trace_mask.values
    np.testing.assert_array_equal(out.values[live], da.values[live])
    assert np.all(np.abs(out.values[~live]).sum(axis=-1) > 0)
    provenance = json.loads(out.attrs[PROVENANCE_ATTR])
    assert provenance["options"]["resample_time"] == "trained"
    up, down = (1, 2) if dt_ms < to_ms else (2, 1)
    assert provenance["sampling"]["resampled"] == {
        "from_ms": dt_ms, "to_ms": to_ms, "up": up, "down": down, "method": RESAMPLING_METHOD,
    }  # fmt: skip
    assert "resample_time='trained'" in out.attrs["history"]


def test_resampling_fills_better_than_running_at_a_foreign_interval():
    # The shipped unet on a 1 ms gather: the numbers of benchmarks/sampling.py, small.
    truth = pm.synthetic_gather(n_traces=32, n_samples=384, dt_ms=1.0, seed=3, noise=0.0)
    holed = pm.apply_trace_mask(truth, pm.random_mask(truth, 0.5, seed=2))
    hidden = ~holed.trace_mask.values

    def error(out):
        return float(np.sum((out.values - truth.values)[hidden] ** 2))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PromethiumWarning)
        plain = pm.reconstruct(holed, "unet")
    resampled = pm.reconstruct(holed, "unet", resample_time="trained")
    assert error(resampled) < error(plain)


def test_resample_time_on_lazy_input_stays_lazy_and_keeps_the_contract():
    da = _holed(1.0, n_samples=193)
    assert_reconstruction_contract("unet", da, resample_time="trained", rtol=1e-3)
    lazy = da.chunk({"offset": 12, "time": 64})
    calls = []
    with dask.config.set(scheduler=lambda dsk, keys, **kw: calls.append(1) or dask.get(dsk, keys)):
        out = pm.reconstruct(lazy, "unet", resample_time="trained")
    assert not calls and dask.is_dask_collection(out.data)
    record = json.loads(out.attrs[PROVENANCE_ATTR])["sampling"]["resampled"]
    assert record["rechunked"] == (
        "the time axis (4 chunks) was joined into one chunk per block: the resampler "
        "filters whole traces"
    )


def test_resample_time_with_uncertainty_resamples_mean_and_std():
    da = _holed(8.0, n_samples=49)
    out = pm.reconstruct(da, "unet", resample_time="trained", return_uncertainty=True,
                         ensemble_size=2, dropout_inference=True)  # fmt: skip
    assert isinstance(out, xr.Dataset)
    for name in ("mean", "std"):
        np.testing.assert_array_equal(out[name].time.values, da.time.values)
    assert float(out["std"].min()) >= 0.0


def test_bad_values_of_resample_time_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="resample_time"):
        pm.reconstruct(_holed(1.0), "unet", resample_time="auto")
    depth = (
        _holed()
        .rename(time="depth")
        .assign_coords(depth=("depth", np.arange(96.0) * 5, {"units": "m"}))
    )
    with pytest.raises(ConfigError) as err:
        pm.reconstruct(depth, "unet", resample_time="trained")
    assert str(err.value) == (
        "resample_time='trained' needs a regularly sampled time axis, and this survey has "
        "none; leave resample_time='off', or resample the survey yourself (pm.ops.Resample)."
    )
    # Weights whose sidecar records no training data: nothing to compare or resample to.
    weights = tmp_path / "unet.safetensors"
    shutil.copy(pretrained_root() / "unet.safetensors", weights)
    info = json.loads((pretrained_root() / "unet.json").read_text())
    del info["data"]
    weights.with_suffix(".json").write_text(json.dumps(info))
    with pytest.raises(ConfigError) as err:
        pm.reconstruct(_holed(1.0), "unet", weights=weights, resample_time="trained")
    assert str(err.value) == (
        "resample_time='trained' needs the sampling the weights of 'unet' were trained on, "
        "but their sidecar records none (weights trained on files, fine-tuned from such "
        "weights, or a plain checkpoint); leave resample_time='off', or resample the survey "
        "yourself (pm.ops.Resample)."
    )
    out, messages = _sampling_warnings(_holed(1.0), weights=weights)
    assert messages == []  # nothing recorded, nothing compared
    sampling = json.loads(out.attrs[PROVENANCE_ATTR])["sampling"]
    assert sampling["trained"] is None
    assert sampling["within_trained"] == {"sample_interval": None, "trace_spacing": None}


def test_pinn_is_checked_against_its_own_recipe():
    _, messages = _sampling_warnings(_holed(2.0, 12.5), model="pinn")
    survey = SurveySampling(2.0, 12.5, "offset")
    assert messages == [interval_warning("pinn", survey, TrainedSampling((4.0,), (12.5,)))]


def test_classical_models_record_no_sampling():
    out = pm.reconstruct(_holed(1.0), "linear")
    assert "sampling" not in json.loads(out.attrs[PROVENANCE_ATTR])
    assert "promethium_sampling" not in out.attrs


def test_the_catalogue_and_promethium_plugins_show_the_trained_sampling():
    from rich.console import Console

    from promethium.cli.plugins import render_plugins

    rows = {row.name: row for row in pm.list_models()}
    assert rows["unet"].trained_sampling == UNET
    assert rows["pinn"].trained_sampling == TrainedSampling((4.0,), (12.5,))
    assert rows["linear"].trained_sampling is None
    console = Console(width=240, record=True)
    console.print(render_plugins("pinn"))
    assert "trained on sample interval 4 ms, trace spacing 12.5 m" in console.export_text()


@settings(max_examples=20, deadline=None)
@given(
    dt_ms=st.sampled_from([0.5, 1.0, 2.0, 2.5, 4.0, 6.0, 8.0]),
    spacing_m=st.sampled_from([3.125, 6.25, 12.5, 25.0, 50.0]),
    low=st.sampled_from([1.0, 2.0, 4.0]),
    n_samples=st.integers(17, 70),
    mode=st.sampled_from(["off", "trained"]),
)
def test_warnings_and_resampling_follow_the_trained_range(dt_ms, spacing_m, low, n_samples, mode):
    from promethium.ml.testing import CopyChannel
    from promethium.models.networks.plugin import NetworkOptions
    from promethium.models.networks.sampled import SamplingCheckedModel, resampling_helps

    trained = TrainedSampling((low, 2 * low), (6.25, 25.0))
    model = SamplingCheckedModel(CopyChannel, {}, name="copy", trained_sampling=trained)
    da = _holed(dt_ms, spacing_m, n_samples=n_samples)
    survey = SurveySampling(dt_ms, spacing_m, "offset")
    options = NetworkOptions(patch_size=16, resample_time=mode)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = model.reconstruct(da, options)
    messages = [str(w.message) for w in caught if issubclass(w.category, PromethiumWarning)]
    outside_dt = not low <= dt_ms <= 2 * low
    resampled = outside_dt and mode == "trained" and resampling_helps(survey, trained)
    expected = [spacing_warning("copy", survey, trained)] if not 6.25 <= spacing_m <= 25 else []
    if outside_dt and not resampled:
        expected.append(interval_warning("copy", survey, trained))
    assert messages == expected
    record = json.loads(out.attrs["promethium_sampling"])
    assert (record["resampled"] is not None) is resampled
    xr.testing.assert_identical(out.coords.to_dataset(), da.coords.to_dataset())
    assert out.dtype == da.dtype
    if not resampled:  # the copy network returns its input exactly
        np.testing.assert_allclose(out.values, da.values, atol=1e-5)


def test_auto_records_the_sampling_of_the_network_it_ran():
    da = _holed(1.0, n_samples=200)
    out, messages = _sampling_warnings(da, model="auto", candidates=["unet"])
    assert messages == [interval_warning("unet", SurveySampling(1.0, 12.5, "offset"), UNET)]
    provenance = json.loads(out.attrs[PROVENANCE_ATTR])
    assert provenance["auto"]["chosen"] == "unet"
    assert provenance["sampling"]["within_trained"]["sample_interval"] is False


def test_the_sampling_record_is_strict_json_with_a_non_finite_spacing(monkeypatch):
    from promethium.ml.testing import CopyChannel
    from promethium.models.networks import sampled
    from promethium.models.networks.plugin import NetworkOptions

    monkeypatch.setattr(
        sampled, "survey_sampling", lambda da: SurveySampling(4.0, float("inf"), "offset")
    )
    model = sampled.SamplingCheckedModel(CopyChannel, {}, name="copy", trained_sampling=UNET)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PromethiumWarning)
        out = model.reconstruct(_holed(), NetworkOptions(patch_size=16))

    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    record = json.loads(out.attrs["promethium_sampling"], parse_constant=refuse)
    assert record["survey"]["trace_spacing_m"] is None
    assert record["survey"]["sample_interval_ms"] == 4.0
