"""Bad input to every public function and operator gives a PromethiumError, never a raw one.

Every callable of ``pm.__all__`` whose first parameter is ``da`` and every operator of
``pm.ops`` is fed malformed arrays (1-D, no vertical dim, complex, object, NaN, empty,
unsorted axis, not a DataArray at all), unparseable unit strings, and bad options. A
new public function or operator is picked up automatically; if it needs arguments
besides ``da``, add them to ``EXTRA_ARGS`` / ``OPERATORS`` (the test says so).

Two levels of assertion: *no raw exception* (the call succeeds or raises a
PromethiumError) for every pair, and *refused* with an exact type and a message
fragment where the input cannot be right for that function.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

import promethium as pm
from promethium.core.units import convert, parse_unit
from promethium.errors import ConfigError, InvalidDataError, PromethiumError, UnitError


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _good() -> xr.DataArray:
    return pm.synthetic_gather(n_traces=16, n_samples=32, seed=1)


def _with_nan() -> xr.DataArray:
    da = _good()
    values = da.values.copy()
    values[3, 4] = np.nan  # one NaN in a live trace
    values[5] = 0.0  # and a dead trace to fill
    return da.copy(data=values)


def _with_time_unit(unit: Any) -> xr.DataArray:
    da = _good()
    return da.assign_coords(time=da.time.assign_attrs(units=unit))


#: Malformed arrays: name -> (factory, expected error type, message fragment) for the
#: functions that must refuse it (see REFUSING).
MALFORMED: dict[str, tuple[Callable[[], Any], type[PromethiumError], str]] = {
    "1-D": (
        lambda: xr.DataArray(np.ones(8, np.float32), dims=("time",)),
        InvalidDataError,
        "1-D",
    ),
    "no vertical dim": (
        lambda: xr.DataArray(np.ones((4, 8), np.float32), dims=("trace", "offset")),
        InvalidDataError,
        "must be the vertical axis",
    ),
    "complex": (lambda: _good().astype(np.complex64), InvalidDataError, "complex64"),
    "object": (lambda: _good().astype(object), InvalidDataError, "object"),
    "NaN in a live trace": (_with_nan, InvalidDataError, "NaN"),
    "empty": (lambda: _good().isel(offset=slice(0, 0)), InvalidDataError, "no trace"),
    "unsorted axis": (
        lambda: _good().isel(time=np.r_[5:32, 0:5]),
        InvalidDataError,
        "not strictly increasing",
    ),
    "numpy array": (lambda: np.ones((4, 8)), InvalidDataError, "xarray.DataArray"),
    "None": (lambda: None, InvalidDataError, "xarray.DataArray"),
    "bad time unit": (lambda: _with_time_unit("ms/0"), UnitError, "unknown unit 'ms/0'"),
}

#: Arguments after ``da`` of the public functions that need them.
EXTRA_ARGS: dict[str, Callable[[Any, Any], tuple[Any, ...]]] = {
    "apply_trace_mask": lambda da, tmp: (np.ones(np.shape(da)[:-1], bool),),
    "with_trace_mask": lambda da, tmp: (np.ones(np.shape(da)[:-1], bool),),
    "gap_mask": lambda da, tmp: (1, 2),
    "random_mask": lambda da, tmp: (0.3,),
    "regular_mask": lambda da, tmp: (2,),
    "to_segy": lambda da, tmp: (tmp / "out.sgy",),
    "to_zarr": lambda da, tmp: (tmp / "out.zarr",),
}

#: Operators of pm.ops, built with valid parameters.
OPERATORS: dict[str, Callable[[], pm.ops.Operator]] = {
    "AGC": lambda: pm.ops.AGC("40 ms"),
    "Bandpass": lambda: pm.ops.Bandpass(5, 60),
    "Decimate": lambda: pm.ops.Decimate(2),
    "Denormalize": lambda: pm.ops.Denormalize(),
    "KillTraces": lambda: pm.ops.KillTraces(np.ones(16, bool)),
    "Mute": lambda: pm.ops.Mute(velocity=2000),
    "Normalize": lambda: pm.ops.Normalize(),
    "Reconstruct": lambda: pm.ops.Reconstruct("linear"),
    "Resample": lambda: pm.ops.Resample("8 ms"),
    "Taper": lambda: pm.ops.Taper(3),
    "TimePowerGain": lambda: pm.ops.TimePowerGain(),
}
#: Names in pm.ops that are not operators one applies (bases, helpers, constants).
NOT_OPERATORS = {"BlockContext", "NORM_SCALE", "Operator", "OperatorParams", "Pipeline"}
NOT_OPERATORS |= {"WholeArrayOperator"}


def _data_functions() -> list[str]:
    names = []
    for name in pm.__all__:
        obj = getattr(pm, name)
        if inspect.isclass(obj) or not callable(obj):
            continue
        params = list(inspect.signature(obj).parameters)
        if params[:1] == ["da"]:
            names.append(name)
    return names


DATA_FUNCTIONS = _data_functions()

#: Functions that process samples, so must refuse every malformed array.
REFUSING = {"reconstruct", "validate", "to_segy"}

#: Functions that look at geometry only (dims, coords, masks): they refuse what breaks
#: the dim conventions, and must never leak a raw exception on the rest.
GEOMETRY_REFUSALS = {"1-D", "no vertical dim", "numpy array", "None"}

#: Where a function words a refusal its own way: (function, malformed) -> fragment.
FRAGMENTS = {
    ("to_segy", "1-D"): "has no coordinate",
    ("to_segy", "unsorted axis"): "not regularly sampled",
    ("to_segy", "NaN in a live trace"): "NaN or infinite",
}

#: Known gaps owned by other helpers: (function, malformed) -> reason. Strict: when the
#: owner fixes it, the xfail fails and this entry must go.
KNOWN_GAPS: dict[tuple[str, str], str] = {}


def _call(name: str, da: Any, tmp) -> Any:
    if name in OPERATORS:
        return OPERATORS[name]()(da)
    extra = EXTRA_ARGS.get(name, lambda da, tmp: ())(da, tmp)
    return getattr(pm, name)(da, *extra)


def _expected_refusal(name: str, kind: str) -> bool:
    if name == "validate" and kind == "NaN in a live trace":
        return False  # validate reads coordinates and the mask, never the samples
    if name in OPERATORS and name != "Reconstruct" and kind in {"NaN in a live trace", "empty"}:
        return False  # operators pass NaN through and map empty arrays to empty ones
    if name in REFUSING or name in OPERATORS:
        return True
    if name == "vertical_dim" and kind == "1-D":
        return False  # a single trace has a vertical dim
    return kind in GEOMETRY_REFUSALS and name not in {"to_zarr", "sample_interval"}


def _cases() -> list[Any]:
    cases = []
    for name in [*DATA_FUNCTIONS, *OPERATORS]:
        for kind in MALFORMED:
            marks = []
            if (name, kind) in KNOWN_GAPS:
                marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[(name, kind)]))
            cases.append(pytest.param(name, kind, marks=marks, id=f"{name}-{kind}"))
    return cases


def test_every_public_function_taking_data_is_covered():
    required = {
        name
        for name in DATA_FUNCTIONS
        if sum(
            p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            for p in inspect.signature(getattr(pm, name)).parameters.values()
        )
        > 1
    }
    missing = sorted(required - set(EXTRA_ARGS))
    assert not missing, f"add arguments for {missing} to EXTRA_ARGS"
    operators = {n for n in pm.ops.__all__ if n not in NOT_OPERATORS}
    assert operators == set(OPERATORS), (
        f"operators to add to OPERATORS: {sorted(operators - set(OPERATORS))}"
    )


@pytest.mark.parametrize(("name", "kind"), _cases())
def test_malformed_array_gives_only_promethium_errors(name, kind, tmp_path):
    factory, error, fragment = MALFORMED[kind]
    try:
        _call(name, factory(), tmp_path)
    except PromethiumError as err:
        if _expected_refusal(name, kind):
            assert type(err) is error, f"{name}({kind}) raised {type(err).__name__}: {err}"
            fragment = FRAGMENTS.get((name, kind), fragment)
            assert fragment in str(err), f"{name}({kind}): {err}"
        return
    except Exception as err:  # the point of the test: nothing else may escape
        pytest.fail(f"{name}({kind}) leaked {type(err).__name__}: {err}")
    assert not _expected_refusal(name, kind), f"{name}({kind}) was accepted"


BAD_UNITS = ["ms/0", "{}", "(", "m)", "10^", "s**-", "ms**1e400", "\x00", "ms ms ms/0"]


@pytest.mark.parametrize("unit", BAD_UNITS)
def test_unparseable_unit_strings_are_unit_errors(unit):
    with pytest.raises(UnitError, match="unit"):
        parse_unit(unit, what="the vertical axis")
    with pytest.raises(UnitError, match="unit"):
        convert(1.0, unit, "ms")
    with pytest.raises(UnitError, match="unit"):
        pm.sample_interval(_good(), unit=unit)
    with pytest.raises(UnitError, match="unit"):
        pm.validate(_with_time_unit(unit))


@given(st.text(max_size=12))
def test_any_unit_string_parses_or_is_a_unit_error(text):
    try:
        parse_unit(text)
    except UnitError:
        pass


@given(st.text(max_size=12))
def test_any_quantity_string_parses_or_is_a_unit_error(text):
    from promethium.core.units import parse_quantity

    try:
        magnitude, _ = parse_quantity(text, "ms")
    except UnitError:
        return
    assert np.isfinite(magnitude)


@pytest.mark.parametrize("unit", ["ms/0", "{}", "("])
@pytest.mark.parametrize("operator", ["AGC", "Resample", "Mute"])
def test_operators_refuse_bad_unit_strings(operator, unit):
    build = {
        "AGC": lambda: pm.ops.AGC(f"40 {unit}"),
        "Resample": lambda: pm.ops.Resample(f"8 {unit}"),
        "Mute": lambda: pm.ops.Mute(velocity=f"2000 {unit}"),
    }[operator]
    with pytest.raises(PromethiumError, match=r"unit|must be"):
        build()(_good())


BAD_OPTIONS: list[tuple[dict[str, Any], type[PromethiumError], str]] = [
    ({"model": "no-such-model"}, pm.ModelNotFoundError, "no model named"),
    ({"model": 3}, pm.ModelNotFoundError, "no model named"),
    ({"model": "pocs", "n_iter": 0}, ConfigError, "n_iter"),
    ({"model": "pocs", "n_iter": "many"}, ConfigError, "n_iter"),
    ({"model": "pocs", "overlap": 2.0}, ConfigError, "overlap"),
    ({"model": "pocs", "patch_size": 0}, ConfigError, "patch_size"),
    ({"model": "pocs", "nonsense": 1}, ConfigError, "nonsense"),
    ({"model": "linear", "coord": "nope"}, ConfigError, "coord"),
    ({"model": "linear", "edges": "far"}, ConfigError, "edges"),
    ({"model": "linear", "extrapolate": "zero"}, ConfigError, "True or False"),
    ({"refill": 1}, ConfigError, "refill must be True or False"),
    ({"keep_observed": None}, ConfigError, "keep_observed"),
    ({"model": "auto", "n_iter": 3}, ConfigError, "auto"),
    ({"model": "auto", "config": {"regular": []}}, ConfigError, "non-empty list"),
    ({"model": "pocs", "config": "n_iter=3"}, ConfigError, "mapping"),
    ({"model": "pocs", "config": {"bogus": 1}}, ConfigError, "bogus"),
]


@pytest.mark.parametrize(("kwargs", "error", "fragment"), BAD_OPTIONS, ids=repr)
def test_reconstruct_refuses_bad_options(kwargs, error, fragment):
    holed = pm.apply_trace_mask(_good(), pm.random_mask(_good(), 0.3))
    with pytest.raises(error, match=fragment):
        pm.reconstruct(holed, **kwargs)


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (lambda: pm.ops.Bandpass(60, 5), "low"),
        (lambda: pm.ops.Taper(-1), "length"),
        (lambda: pm.ops.Decimate(0), "keep_every"),
        (lambda: pm.ops.Normalize(scope="galaxy"), "scope"),
        (lambda: pm.ops.Reconstruct(return_uncertainty=True), "uncertainty"),
    ],
)
def test_operators_refuse_bad_parameters(build, fragment):
    with pytest.raises(ConfigError, match=fragment):
        build()(_good())


@given(
    shape=st.lists(st.integers(0, 4), min_size=0, max_size=3),
    dtype=st.sampled_from(["float32", "int16", "complex64", "bool", "object", "U1"]),
    last=st.sampled_from(["time", "depth", "offset"]),
)
def test_drawn_arrays_reach_reconstruct_as_promethium_errors_only(shape, dtype, last):
    dims = tuple(f"d{i}" for i in range(len(shape) - 1)) + ((last,) if shape else ())
    data = np.zeros(shape, dtype=dtype) if dtype != "U1" else np.full(shape, "a")
    da = xr.DataArray(data, dims=dims)
    if last in da.dims:
        da = da.assign_coords(
            {last: (last, np.arange(da.sizes[last], dtype=float), {"units": "ms"})}
        )
    try:
        pm.reconstruct(da)
    except PromethiumError:
        pass


@pytest.mark.parametrize("lazy", [False, True])
def test_an_infinite_sample_in_a_live_trace_is_refused_like_nan(lazy):
    """Infinite samples would reach the model and give NaN/inf fills or scores."""
    da = _with_nan()
    da = da.copy(data=np.where(np.isnan(da.values), np.inf, da.values))
    if lazy:
        da = da.chunk()
    with pytest.raises(InvalidDataError, match=r"1 live trace\(s\) contain NaN or infinite"):
        pm.reconstruct(da, model="linear").compute()
