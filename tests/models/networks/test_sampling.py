"""Sampling: trace spacing and sample interval in SI units, from coordinates."""

from __future__ import annotations

import numpy as np
import pytest

import promethium as pm
from promethium.errors import ConfigError, InvalidDataError, UnitError
from promethium.models.networks.sampling import Sampling


def test_sampling_from_quantities_needs_units():
    assert Sampling.from_quantities("25 m", "2 ms") == Sampling(25.0, 0.002)
    with pytest.raises(UnitError, match="has no unit"):
        Sampling.from_quantities(25.0, "2 ms")
    with pytest.raises(UnitError, match="cannot be converted"):
        Sampling.from_quantities("25 m", "2 m")
    with pytest.raises(ConfigError, match="trace_spacing_m must be a positive number"):
        Sampling(0.0, 0.004)


def test_sampling_from_a_gather_and_a_section():
    gather = pm.synthetic_gather(n_traces=8, n_samples=16, offset_spacing_m=12.5)
    assert Sampling.from_dataarray(gather) == Sampling(12.5, 0.004)
    section = pm.synthetic_section(n_traces=8, n_samples=16, dt_ms=2.0, trace_spacing_m=6.25)
    assert Sampling.from_dataarray(section) == Sampling(6.25, 0.002)
    km = gather.assign_coords(offset=("offset", gather.offset.values / 1000, {"units": "km"}))
    assert Sampling.from_dataarray(km).trace_spacing_m == pytest.approx(12.5)


def test_sampling_from_dataarray_refuses_what_it_cannot_read():
    gather = pm.synthetic_gather(n_traces=8, n_samples=16)
    depth = gather.rename(time="depth").assign_coords(
        depth=("depth", np.arange(16.0), {"units": "m"})
    )
    with pytest.raises(UnitError, match="needs a time axis"):
        Sampling.from_dataarray(depth)
    unitless = gather.assign_coords(offset=("offset", np.arange(8.0)))
    with pytest.raises(UnitError, match="no coordinate along 'offset'"):
        Sampling.from_dataarray(unitless)
    irregular = gather.assign_coords(offset=("offset", np.arange(8.0) ** 2, {"units": "m"}))
    with pytest.raises(InvalidDataError, match="not regularly spaced"):
        Sampling.from_dataarray(irregular)


@pytest.mark.parametrize("angle", [0.0, 0.5, 2.0])
def test_sampling_reads_trace_positions_as_the_sampling_check_does(angle):
    import xarray as xr

    from promethium.ml.trained_sampling import survey_sampling

    gather = pm.synthetic_gather(n_traces=8, n_samples=16, dt_ms=2.0)
    along = np.arange(8) * 12.5
    positions = gather.drop_vars("offset").assign_coords(
        group_x=("offset", 100.0 + along * np.cos(angle), {"units": "m"}),
        group_y=("offset", 900.0 + along * np.sin(angle), {"units": "m"}),
    )
    sampling = Sampling.from_dataarray(positions)  # the distance in the plane, any azimuth
    assert sampling.trace_spacing_m == pytest.approx(12.5)
    assert sampling.trace_spacing_m == pytest.approx(survey_sampling(positions).trace_spacing_m)
    lazy = positions.assign_coords(
        group_x=("offset", xr.DataArray(positions.group_x.values).chunk().data, {"units": "m"})
    )
    assert Sampling.from_dataarray(lazy).trace_spacing_m == pytest.approx(12.5)
