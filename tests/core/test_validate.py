import numpy as np
import pytest
import xarray as xr

import promethium as pm
from promethium.errors import InvalidDataError, UnitError


def _da(data=None, time=None, units="ms", dims=("trace", "time")):
    data = np.ones((3, 4), dtype=np.float32) if data is None else data
    time = np.arange(data.shape[-1]) * 4.0 if time is None else time
    attrs = {} if units is None else {"units": units}
    return xr.DataArray(data, dims=dims, coords={dims[-1]: (dims[-1], time, attrs)})


def test_valid_data_is_returned_unchanged(gather):
    assert pm.validate(gather) is gather


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: xr.DataArray(
                np.ones(4),
                dims=("time",),
                coords={"time": ("time", np.arange(4.0), {"units": "ms"})},
            ),
            InvalidDataError,
            "at least 2 dims",
        ),
        (
            lambda: xr.DataArray(np.ones((3, 4)), dims=("trace", "sample")),
            InvalidDataError,
            "vertical axis",
        ),
        (
            lambda: xr.DataArray(np.ones((4, 3)), dims=("time", "trace")),
            InvalidDataError,
            "Move it last",
        ),
        (
            lambda: xr.DataArray(np.ones((3, 4)), dims=("trace", "time")),
            InvalidDataError,
            "has no coordinate",
        ),
        (
            lambda: _da(time=np.array([0.0, 8.0, 4.0, 12.0])),
            InvalidDataError,
            "not strictly increasing",
        ),
        (lambda: _da(time=np.array([0.0, 4.0, 4.0, 8.0])), InvalidDataError, "duplicated"),
        (lambda: _da(units=None), UnitError, "no unit"),
        (lambda: _da(units="bogons"), UnitError, "unknown unit"),
        (lambda: _da(units="m"), UnitError, "expected a time unit"),
        (lambda: _da(units="ms", dims=("trace", "depth")), UnitError, "expected a length"),
        (lambda: _da(data=np.full((3, 4), "a")), InvalidDataError, "real numbers"),
        (lambda: _da(data=np.zeros((3, 4))), InvalidDataError, "all traces are missing"),
        (lambda: np.ones((3, 4)), InvalidDataError, "expected an xarray.DataArray"),
    ],
)
def test_validate_names_the_problem_and_the_fix(make, error, match):
    with pytest.raises(error, match=match):
        pm.validate(make())


def test_validate_all_missing_from_mask_coordinate():
    da = pm.with_trace_mask(_da(), np.zeros(3, dtype=bool))
    with pytest.raises(InvalidDataError, match="according to trace_mask"):
        pm.validate(da)
    assert pm.validate(da, check_mask=False) is da


def test_errors_are_value_errors_too():
    with pytest.raises(ValueError):
        pm.validate(_da(data=np.zeros((3, 4))))


def test_lazy_mask_is_checked_only_when_asked():
    import dask

    zeros = _da(data=np.zeros((3, 4), dtype=np.float32)).chunk({"trace": 1})
    calls = []

    def counting(dsk, keys, **kwargs):
        calls.append(len(keys))
        return dask.get(dsk, keys, **kwargs)

    with dask.config.set(scheduler=counting):
        assert pm.validate(zeros) is zeros
    assert calls == []  # nothing computed
    with pytest.raises(InvalidDataError, match="all traces are missing"):
        pm.validate(zeros, compute=True)
