"""to_segy(mark_filled=True) records which traces a model filled; open_segy recovers it."""

from __future__ import annotations

import numpy as np
import pytest

from promethium.core.mask import TRACE_FILLED
from promethium.errors import PromethiumWarning
from promethium.io.segy import open_segy, to_segy
from promethium.io.segy.filled import FILLED_TRACE_ID, filled_card
from promethium.io.segy.layout import read_layout


def _reconstructed(da):
    """As a reconstruction returns it: holes and one dead trace filled, trace_filled set."""
    filled = np.asarray(da.trace_index.values < 0)
    filled[3, 4] = True  # a trace of the file, filled (it was dead, say)
    values = np.where(filled[..., None], 1.5, da.values)
    return da.copy(data=values).assign_coords({TRACE_FILLED: (da.dims[:-1], filled)})


def _trace_ids(path):
    layout = read_layout(path)
    raw = np.fromfile(path, dtype=layout.record_dtype(), offset=layout.data_start)
    headers = np.array(raw["header"]).view(np.uint8).reshape(-1, 240)
    dtype = ">i2" if layout.endian == "big" else "<i2"
    return headers[:, 28:30].copy().view(dtype).ravel()


@pytest.mark.parametrize("like", [True, False])
def test_marked_traces_and_card_round_trip(cube_file, tmp_path, like):
    da = _reconstructed(open_segy(cube_file))
    out = tmp_path / "marked.sgy"
    options = {"like": cube_file, "absent": "insert"} if like else {}
    to_segy(da, out, mark_filled=True, **options)
    text = out.read_bytes()[:3200].decode("cp037")
    assert text[38 * 80 : 39 * 80].rstrip() == "C39 " + filled_card(3)
    assert (_trace_ids(out) == FILLED_TRACE_ID).sum() == 3
    back = open_segy(out)
    np.testing.assert_array_equal(back[TRACE_FILLED].values, da[TRACE_FILLED].values)
    assert back[TRACE_FILLED].dims == ("iline", "xline")
    if like:  # every other byte of the file headers is the original's
        src = cube_file.read_bytes()
        assert text[: 38 * 80].encode("cp037") == src[: 38 * 80]
        assert out.read_bytes()[39 * 80 : 3600] == src[39 * 80 : 3600]


def test_without_mark_filled_headers_stay_identical_and_nothing_is_recovered(cube_file, tmp_path):
    da = _reconstructed(open_segy(cube_file))
    with pytest.warns(PromethiumWarning, match="2 of 2 grid positions"):
        out = to_segy(da, tmp_path / "plain.sgy", like=cube_file)
    assert out.read_bytes()[:3600] == cube_file.read_bytes()[:3600]
    assert TRACE_FILLED not in open_segy(out).coords  # unknown, not "none filled"
    assert TRACE_FILLED not in open_segy(cube_file).coords


def test_inserted_holes_count_as_filled_without_a_trace_filled_coordinate(cube_file, tmp_path):
    da = open_segy(cube_file)
    data = da.where(da.trace_index >= 0, 2.0)  # holes filled by hand
    out = to_segy(data, tmp_path / "o.sgy", like=cube_file, absent="insert", mark_filled=True)
    back = open_segy(out)
    np.testing.assert_array_equal(back[TRACE_FILLED].values, da.trace_index.values < 0)
    # a file whose card says "0 filled": trace_filled is all False, not missing
    clean = to_segy(da, tmp_path / "c.sgy", like=cube_file, mark_filled=True)
    assert not open_segy(clean)[TRACE_FILLED].values.any()
    assert filled_card(0) in clean.read_bytes()[:3200].decode("cp037")


def test_a_reconstruction_written_with_its_filled_set(make_segy, tmp_path):
    """pm.reconstruct's trace_filled decides what is inserted and what is marked."""
    import promethium as pm

    il, xl = np.meshgrid(np.arange(1, 7), np.arange(1, 11), indexing="ij")
    t = np.arange(40) * 0.004
    keep = ~((il == 3) & (xl == 5)) & ~((il >= 5) & (xl >= 9))  # a hole and a corner
    data = np.sin(2 * np.pi * 15 * (t[None, :] - 0.002 * xl.ravel()[keep.ravel(), None]))
    src = make_segy("s.sgy", {189: il[keep], 193: xl[keep]}, data)
    da = open_segy(src)
    with pytest.warns(PromethiumWarning, match="left unfilled"):
        out = pm.reconstruct(da, model="linear")
    filled = out[TRACE_FILLED].values
    assert filled[2, 4] and not filled[4:, 8:].any()  # the corner is not extrapolated
    path = to_segy(out, tmp_path / "o.sgy", like=src, absent="insert", mark_filled=True)
    back = open_segy(path)
    assert read_layout(path).n_traces == keep.sum() + 1  # the hole, not the corner
    np.testing.assert_array_equal(back[TRACE_FILLED].values, filled)
    np.testing.assert_array_equal(back.trace_index.values < 0, ~keep & ~filled)
    np.testing.assert_allclose(back.sel(iline=3, xline=5).values, out.sel(iline=3, xline=5).values)


def test_filled_traces_read_back_as_filled_not_observed(cube_file, tmp_path):
    """trace_mask means observed in SEG-Y as in Zarr: a marked trace is filled, not live."""
    import promethium as pm

    da = _reconstructed(open_segy(cube_file))
    da = da.assign_coords(trace_mask=da.trace_mask & ~da[TRACE_FILLED])
    sgy = to_segy(da, tmp_path / "o.sgy", mark_filled=True)
    zarr = pm.to_zarr(da, tmp_path / "o.zarr")
    back, store = open_segy(sgy), pm.open_zarr(zarr)
    assert not (back.trace_mask & back[TRACE_FILLED]).any()
    np.testing.assert_array_equal(back.trace_mask.values, store.trace_mask.values)
    np.testing.assert_array_equal(back.trace_mask.values, da.trace_mask.values)
    # so refill=True refills them (it cannot refill what reads as observed)
    again = pm.reconstruct(back, model="linear", refill=True)
    assert not np.allclose(again.sel(iline=13, xline=108).values, 1.5)


def test_marks_are_read_in_the_one_header_pass(cube_file, tmp_path, monkeypatch):
    from promethium.io.segy import headers as headers_module
    from promethium.io.segy.filled import recorded_filled

    out = tmp_path / "marked.sgy"
    to_segy(_reconstructed(open_segy(cube_file)), out, mark_filled=True)
    expected = recorded_filled(read_layout(out))
    passes = []
    visit = headers_module._visit_headers

    def spy(layout, n, extract):
        passes.append(n)
        return visit(layout, n, extract)

    monkeypatch.setattr(headers_module, "_visit_headers", spy)
    back = open_segy(out)
    assert passes.count(read_layout(out).n_traces) == 1  # plus the first trace's own words
    index = back.trace_index.values
    present = index >= 0
    np.testing.assert_array_equal(back[TRACE_FILLED].values[present], expected[index[present]])
    assert int(back[TRACE_FILLED].sum()) == 3
