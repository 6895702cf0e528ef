"""TrainedSampling from sidecars, and a survey's sampling read from its coordinates."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.ml.trained_sampling import (
    SurveySampling,
    TrainedSampling,
    survey_sampling,
)
from promethium.models.networks.pretrained import pretrained_info, pretrained_root

UNET_SAMPLING = TrainedSampling((2.0, 4.0), (6.25, 12.5, 25.0))


def _sidecar(**synthetic):
    return {"data": {"source": "synthetic", "synthetic": synthetic}}


def test_from_sidecar_reads_the_fd_recipe():
    trained = TrainedSampling.from_sidecar(
        _sidecar(kind="fd", dt_ms=[4.0, 2.0, 4.0], trace_spacing_m=[25.0, 6.25, 12.5])
    )
    assert trained == TrainedSampling((2.0, 4.0), (6.25, 12.5, 25.0))
    assert trained.describe() == "sample interval 2-4 ms, trace spacing 6.25-25 m"
    assert trained.as_dict() == {
        "sample_interval_ms": [2.0, 4.0],
        "trace_spacing_m": [6.25, 12.5, 25.0],
    }
    single = TrainedSampling.from_sidecar(_sidecar(kind="fd", dt_ms=4.0, trace_spacing_m=12.5))
    assert single is not None and single.describe() == "sample interval 4 ms, trace spacing 12.5 m"


def test_from_sidecar_without_a_recorded_sampling():
    assert TrainedSampling.from_sidecar({}) is None
    assert TrainedSampling.from_sidecar({"data": {"source": "files", "synthetic": None}}) is None
    assert TrainedSampling.from_sidecar(_sidecar(kind="fd", dt_ms=[0, "x", True])) is None
    # Synthetic sections and gathers: the interval only (their spacing is not recorded).
    section = TrainedSampling.from_sidecar(_sidecar(kind="section", dt_ms=2.0))
    assert section == TrainedSampling((2.0,), ())
    assert section is not None and section.spacing_within(1000.0)
    assert section.describe() == "sample interval 2 ms"


def test_the_shipped_sidecars_give_their_recipes_sampling():
    for name in ("unet", "attention_unet", "residual_unet", "vae", "gan"):
        trained = TrainedSampling.from_sidecar(pretrained_info(name) or {})
        assert trained == TrainedSampling((2.0, 4.0), (6.25, 12.5, 25.0)), name
    assert TrainedSampling.from_sidecar(pretrained_info("pinn") or {}) == TrainedSampling(
        (4.0,), (12.5,)
    )


@pytest.mark.parametrize(
    ("interval", "within", "nearest"),
    [(0.5, False, 2.0), (1.0, False, 2.0), (2.0, True, 2.0), (3.0, True, 3.0),
     (4.0, True, 4.0), (4.000001, True, 4.0), (4.01, False, 4.0), (8.0, False, 4.0)],
)  # fmt: skip
def test_within_and_nearest(interval, within, nearest):
    trained = TrainedSampling((2.0, 4.0), (6.25, 25.0))
    assert trained.interval_within(interval) is within
    assert trained.nearest_interval_ms(interval) == nearest


def test_a_network_model_reads_the_trained_sampling_of_its_weights(tmp_path):
    unet = pretrained_root() / "unet.safetensors"
    assert pm.create_model("unet").trained_sampling == UNET_SAMPLING
    plain = tmp_path / "plain.pt"
    plain.write_bytes(b"not read")
    assert pm.create_model("unet", weights=plain).trained_sampling is None
    copy = tmp_path / "unet.safetensors"
    shutil.copy(unet, copy)
    info = json.loads(unet.with_suffix(".json").read_text())
    del info["data"]
    copy.with_suffix(".json").write_text(json.dumps(info))
    assert pm.create_model("unet", weights=copy).trained_sampling is None


def test_survey_sampling_of_a_gather_in_any_units():
    gather = pm.synthetic_gather(n_traces=8, n_samples=16, dt_ms=2.0, offset_spacing_m=12.5)
    assert survey_sampling(gather) == SurveySampling(2.0, 12.5, "offset")
    km = gather.assign_coords(
        offset=("offset", gather.offset.values / 1000, {"units": "km"}),
        time=("time", gather.time.values / 1000, {"units": "s"}),
    )
    assert survey_sampling(km) == SurveySampling(2.0, 12.5, "offset")


def test_survey_sampling_of_a_3d_survey_from_cdp_positions():
    cube = pm.open_segy("benchmarks/data/f3.sgy")
    sampling = survey_sampling(cube)
    assert sampling.sample_interval_ms == 4.0
    assert sampling.spacing_from == "cdp_x, cdp_y"
    assert sampling.trace_spacing_m == pytest.approx(25.0, rel=1e-3)


def test_survey_sampling_when_it_cannot_be_read():
    gather = pm.synthetic_gather(n_traces=8, n_samples=16)
    unitless = gather.assign_coords(offset=("offset", np.arange(8.0)))
    assert survey_sampling(unitless) == SurveySampling(4.0, None, None)
    irregular = gather.assign_coords(
        time=("time", np.r_[0.0, np.cumsum(np.linspace(1, 3, 15))], {"units": "ms"})
    )
    assert survey_sampling(irregular).sample_interval_ms is None
    depth = gather.rename(time="depth").assign_coords(
        depth=("depth", np.arange(16.0), {"units": "m"})
    )
    assert survey_sampling(depth) == SurveySampling(None, 25.0, "offset")
    lazy_positions = unitless.assign_coords(
        receiver_x=("offset", xr.DataArray(np.arange(8.0) * 10).chunk().data, {"units": "m"})
    )
    assert survey_sampling(lazy_positions).trace_spacing_m is None  # never computed


@settings(max_examples=25, deadline=None)
@given(
    spacing=st.floats(0.5, 200.0),
    unit=st.sampled_from([("m", 1.0), ("km", 1e-3), ("ft", 1 / 0.3048)]),
    angle=st.floats(0.0, 2 * np.pi),
    n=st.integers(3, 12),
)
def test_trace_spacing_of_positions_along_any_azimuth(spacing, unit, angle, n):
    name, per_metre = unit
    gather = pm.synthetic_gather(n_traces=n, n_samples=8)
    along = np.arange(n) * spacing
    positions = gather.drop_vars("offset").assign_coords(
        group_x=("offset", 1000.0 + along * np.cos(angle) * per_metre, {"units": name}),
        group_y=("offset", 5000.0 + along * np.sin(angle) * per_metre, {"units": name}),
    )
    sampling = survey_sampling(positions)
    assert sampling.trace_spacing_m == pytest.approx(spacing, rel=1e-6)
    assert sampling.spacing_from == "group_x, group_y"


def test_a_recorded_trained_sampling_comes_before_the_recipe_and_unions_with_a_survey():
    recorded = {"sample_interval_ms": [8.0, 2.0], "trace_spacing_m": [50.0]}
    info = {"metadata": {"trained_sampling": recorded}, "data": {"synthetic": {"dt_ms": 4.0}}}
    assert TrainedSampling.from_sidecar(info) == TrainedSampling((2.0, 8.0), (50.0,))
    assert TrainedSampling.from_sidecar({"metadata": {"trained_sampling": None}}) is None
    trained = TrainedSampling((2.0, 4.0))  # no trace spacing recorded: it stays unknown
    seen = trained.including(SurveySampling(1.0, 12.5, "offset"))
    assert seen == TrainedSampling((1.0, 2.0, 4.0), ())
    assert trained.including(SurveySampling(None, None)) == trained
