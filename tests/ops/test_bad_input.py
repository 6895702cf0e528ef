"""Every operator meets malformed data with a PromethiumError, never a raw exception."""

import numpy as np
import pytest
import xarray as xr
from operator_examples import EXAMPLES

from promethium.errors import InvalidDataError, PromethiumError
from promethium.testing import contract_data

DATA = contract_data()
MALFORMED = {
    "complex samples": DATA.astype("complex64"),
    "no vertical dim last": DATA.rename(time="sample"),
    "a vertical coordinate without units": DATA.assign_coords(time=("time", DATA.time.values)),
    "a single trace axis only": DATA.isel(shot=0, offset=0),
    "string samples": xr.DataArray(
        np.full((3, 4), "a"),
        dims=("offset", "time"),
        coords={"time": ("time", np.arange(4.0), {"units": "ms"})},
    ),
    "a NumPy array": DATA.values,
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_malformed_data_is_a_promethium_error(name, case):
    make_op, _ = EXAMPLES[name]
    with pytest.raises(PromethiumError):
        make_op()(MALFORMED[case])


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_no_traces_give_no_traces_or_a_clear_error(name):
    make_op, make_data = EXAMPLES[name]
    empty = (make_data() if make_data else DATA).isel(offset=slice(0, 0))
    try:
        out = make_op()(empty)
    except InvalidDataError:
        return
    assert out.sizes["offset"] == 0 and out.dims == empty.dims
