"""What a reconstruction fills: trace_filled, refill, absent positions and extrapolation."""

from __future__ import annotations

import json
import warnings

import dask
import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st
from pydantic import Field

import promethium as pm
from promethium.errors import InvalidDataError, PromethiumWarning
from promethium.fill import unbounded_absent
from promethium.plugin import ModelOptions, ModelSpec
from promethium.reconstruct import PROVENANCE_ATTR
from promethium.registry import Registry


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _record(out):
    return json.loads(out.attrs[PROVENANCE_ATTR])


@given(st.lists(st.booleans(), min_size=1, max_size=30))
def test_unbounded_absent_is_outside_first_and_last_present(present):
    present = np.array(present)
    out = unbounded_absent(present)
    where = np.flatnonzero(present)
    expected = np.ones(present.size, bool)
    if where.size:
        expected[where[0] : where[-1] + 1] = False
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("chunks", [None, {"offset": 16, "time": 64}])
def test_trace_filled_marks_exactly_the_filled_traces(gather, chunks):
    holed = pm.apply_trace_mask(gather, pm.random_mask(gather, 0.3))
    data = holed if chunks is None else holed.chunk(chunks)
    out = pm.reconstruct(data, model="linear")
    assert out.trace_filled.dims == ("offset",) and out.trace_filled.dtype == bool
    assert dask.is_dask_collection(out.trace_filled.data) == (chunks is not None)
    np.testing.assert_array_equal(out.trace_filled.values, ~holed.trace_mask.values)
    np.testing.assert_array_equal(out.trace_mask.values, holed.trace_mask.values)


def test_reconstructing_an_output_again_keeps_what_was_filled(gather):
    holed = pm.apply_trace_mask(gather, pm.random_mask(gather, 0.3, seed=1))
    first = pm.reconstruct(holed, model="linear")
    with pytest.warns(PromethiumWarning, match="nothing to fill.*filled before"):
        again = pm.reconstruct(first, model="pocs")
    np.testing.assert_array_equal(again.values, first.values)
    np.testing.assert_array_equal(again.trace_filled.values, first.trace_filled.values)
    # more traces lost after the first pass: only those are filled now
    extra = first.trace_mask.values.copy()
    lost = np.flatnonzero(extra)[:3]
    extra[lost] = False
    values = first.values.copy()
    values[lost] = 0.0
    holed_again = pm.with_trace_mask(first.copy(data=values), extra)
    second = pm.reconstruct(holed_again, model="pocs")
    kept = first.trace_filled.values
    np.testing.assert_array_equal(second.values[kept], first.values[kept])
    np.testing.assert_array_equal(second.trace_filled.values, ~extra)
    assert _record(second)["kept_filled"] == int(kept.sum())
    refilled = pm.reconstruct(holed_again, model="pocs", refill=True)
    assert not np.array_equal(refilled.values[kept], first.values[kept])
    assert _record(refilled)["refill"] is True


def test_malformed_trace_filled_is_refused(gather):
    holed = pm.apply_trace_mask(gather, pm.random_mask(gather, 0.3))
    bad = holed.assign_coords(trace_filled=("offset", np.zeros(48, np.float32)))
    with pytest.raises(InvalidDataError, match="'trace_filled' must be over the trace dims"):
        pm.reconstruct(bad, model="linear")


def _grid(absent_corner=True):
    """A 6 x 12 grid with trace_index: a never-shot corner, an interior hole, a dead end."""
    base = pm.synthetic_gather(n_traces=12, n_samples=64, seed=2)
    cube = xr.concat([base * (1 + 0.1 * i) for i in range(6)], "iline").transpose("iline", ...)
    index = np.arange(72).reshape(6, 12)
    if absent_corner:
        index[:2, 8:] = -1  # a corner the survey never shot
    index[3, 5] = -1  # a position missing inside a recorded line
    index[5, :] = -1  # a whole line never shot
    live = index >= 0
    live[4, 11] = False  # recorded but dead, at the end of its line
    da = pm.apply_trace_mask(cube, live).assign_coords(trace_index=(("iline", "offset"), index))
    return da


@pytest.mark.parametrize("lazy", [False, True])
def test_absent_positions_outside_a_line_stay_unfilled(lazy):
    da = _grid()
    data = da.chunk({"iline": 2}) if lazy else da
    with pytest.warns(PromethiumWarning, match=r"20 grid position\(s\) absent from the file"):
        out = pm.reconstruct(data, model="linear")
    filled = out.trace_filled.values
    assert not filled[:2, 8:].any() and not filled[5].any()
    assert filled[3, 5] and filled[4, 11]  # bounded hole and dead end trace are filled
    assert filled.sum() == 2
    values = out.values
    assert not values[:2, 8:].any() and not values[5].any()  # left as read: zero
    assert np.abs(values[3, 5]).sum() > 0 and np.abs(values[4, 11]).sum() > 0
    assert _record(out)["unfilled_absent"] == 20
    assert _record(out)["extrapolate"] is False


def test_extrapolate_fills_absent_positions_too():
    da = _grid()
    # the line without a live trace gets zeros from linear: the energy check says so
    with pytest.warns(PromethiumWarning, match=r"^12 of 22 filled trace\(s\)"):
        out = pm.reconstruct(da, model="linear", extrapolate=True)
    filled = out.trace_filled.values
    assert filled[:2, 8:].all() and filled[3, 5] and filled[4, 11] and filled[5].all()
    assert np.abs(out.values[:2, 8:]).sum(-1).all()  # nearest live trace, extrapolated
    assert _record(out)["unfilled_absent"] == 0


def _only_unbounded_missing():
    da = _grid()
    live = da.trace_mask.values.copy()
    live[3, 5] = live[4, 11] = True
    return pm.with_trace_mask(da, live)


def test_only_unbounded_missing_traces_means_nothing_to_fill():
    full = _only_unbounded_missing()
    with pytest.warns(PromethiumWarning, match="nothing to fill"):
        out = pm.reconstruct(full, model="linear")
    assert not out.trace_filled.values.any()


def _corner_file(tmp_path):
    """A 4 x 10 SEG-Y cube whose corner (iline <= 2, xline >= 8) and (3, 4) were never shot."""
    segyio = pytest.importorskip("segyio")
    ilines, xlines = np.arange(1, 5), np.arange(1, 11)
    grid = [(i, x) for i in ilines for x in xlines if not (i <= 2 and x >= 8) and (i, x) != (3, 4)]
    trace = pm.synthetic_gather(n_traces=10, n_samples=50, seed=1).values
    spec = segyio.spec()
    spec.iline, spec.xline, spec.format = 189, 193, 5
    spec.samples, spec.tracecount = list(range(50)), len(grid)
    path = tmp_path / "corner.sgy"
    with segyio.create(str(path), spec) as f:
        for n, (i, x) in enumerate(grid):
            f.header[n] = {189: int(i), 193: int(x), 115: 50, 117: 4000}
            f.trace[n] = trace[x - 1].astype(np.float32)
        f.bin.update(hdt=4000, hns=50)
    return path


def test_open_segy_grid_with_a_missing_corner(tmp_path):
    da = pm.open_segy(_corner_file(tmp_path))
    assert (da.trace_index.values < 0).sum() == 7
    with pytest.warns(PromethiumWarning, match=r"6 grid position\(s\) absent"):
        out = pm.reconstruct(da, model="linear")
    filled = out.trace_filled.values
    assert not filled[:2, 7:].any() and filled[2, 3] and filled.sum() == 1
    assert not out.values[:2, 7:].any()


class BrokenOptions(ModelOptions):
    value: float = Field(float("nan"), allow_inf_nan=True, description="What it fills with.")


class Broken:
    """Returns NaN or inf in the traces it fills."""

    def reconstruct(self, da, options):
        return da.where(da.trace_mask, options.value)


def _broken_registry():
    registry = Registry()
    registry.add(ModelSpec(name="broken", family="demo", factory=Broken, options=BrokenOptions))
    return registry


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
@pytest.mark.parametrize("lazy", [False, True])
def test_non_finite_model_output_is_an_error_naming_the_model(gather, value, lazy):
    holed = pm.apply_trace_mask(gather, pm.random_mask(gather, 0.25))
    data = holed.chunk({"offset": 12}) if lazy else holed
    count = r"\d+ trace\(s\) it fills in a chunk" if lazy else r"12 trace\(s\) it fills;"
    match = rf"model 'broken' returned NaN or infinite values for {count}"
    with pytest.raises(InvalidDataError, match=match):
        pm.reconstruct(data, model="broken", registry=_broken_registry(), value=value).compute()


def test_non_finite_values_where_nothing_is_used_are_fine(gather):
    da = _grid()
    registry = _broken_registry()
    with pytest.warns(PromethiumWarning):  # unfilled positions, and weak fills
        with pytest.raises(InvalidDataError):
            pm.reconstruct(da, model="broken", registry=registry)
    # the model's NaN on an unfilled position is never used: only filled ones count
    full = _only_unbounded_missing()
    with pytest.warns(PromethiumWarning, match="nothing to fill"):
        pm.reconstruct(full, model="broken", registry=registry)


def test_pocs_on_decimation_warns_about_weak_fills(gather):
    holed = pm.apply_trace_mask(gather, pm.regular_mask(gather, 2))
    with pytest.warns(PromethiumWarning) as caught:
        pm.reconstruct(holed, model="pocs")
    assert any("24 of 24 filled trace(s) have less than 1%" in str(w.message) for w in caught)


def test_good_fills_do_not_warn(gather):
    holed = pm.apply_trace_mask(gather, pm.random_mask(gather, 0.3))
    with warnings.catch_warnings():
        warnings.simplefilter("error", PromethiumWarning)
        pm.reconstruct(holed, model="linear")
        pm.reconstruct(holed, model="pocs")


def test_cli_leaves_the_corner_unfilled_unless_asked(tmp_path, capsys):
    from promethium.cli import main

    source = _corner_file(tmp_path)
    out = tmp_path / "out.zarr"
    argv = ["reconstruct", str(source), str(out), "-m", "linear", "--no-progress"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "filled 1 of 40 traces" in captured.out
    assert "6 grid position(s) absent from the file" in captured.err
    assert main([*argv, "--overwrite", "--extrapolate"]) == 0
    assert "filled 7 of 40 traces" in capsys.readouterr().out
    again = tmp_path / "again.zarr"
    assert main(["reconstruct", str(out), str(again), "-m", "pocs", "--no-progress"]) == 0
    assert "nothing to fill" in capsys.readouterr().err  # earlier fills are kept


def test_cli_warns_about_weak_fills_in_the_same_pass_as_the_write(tmp_path, capsys):
    from promethium.cli import main

    da = pm.synthetic_gather(n_traces=32, n_samples=64, seed=5)
    path = tmp_path / "decimated.sgy"
    pm.to_segy(pm.apply_trace_mask(da, pm.regular_mask(da, 2)), path)
    argv = ["reconstruct", str(path), str(tmp_path / "o.zarr"), "-m", "pocs", "--no-progress"]
    assert main(argv) == 0
    assert "16 of 16 filled trace(s) have less than 1%" in capsys.readouterr().err
    auto = ["reconstruct", str(path), str(tmp_path / "a.zarr"), "--no-progress"]
    assert main(auto) == 0
    assert "filled trace(s) have less than" not in capsys.readouterr().err
