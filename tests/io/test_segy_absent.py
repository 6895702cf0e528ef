from __future__ import annotations

import warnings

import numpy as np
import pytest

from promethium.core.mask import TRACE_MASK
from promethium.errors import ConfigError, PromethiumWarning
from promethium.io.segy import open_segy, to_segy
from promethium.io.segy.layout import read_layout


def _filled(da):
    """Fill the absent positions as a reconstruction would: data and trace_mask."""
    holes = da.trace_index.values < 0
    values = da.values.copy()
    values[holes] = np.arange(1, holes.sum() + 1)[:, None] * 0.5
    return da.copy(data=values).assign_coords(
        {TRACE_MASK: (da.dims[:-1], np.ones(holes.shape, bool))}
    )


def _records(path):
    layout = read_layout(path)
    raw = np.fromfile(path, dtype=layout.record_dtype(), offset=layout.data_start)
    return layout, raw


def test_unfilled_absent_positions_do_not_warn(cube_file, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", PromethiumWarning)
        to_segy(open_segy(cube_file), tmp_path / "same.sgy", like=cube_file)
    assert (tmp_path / "same.sgy").read_bytes() == cube_file.read_bytes()


def test_skip_warns_and_keeps_original_traces(cube_file, tmp_path):
    da = _filled(open_segy(cube_file))
    out = tmp_path / "skip.sgy"
    with pytest.warns(PromethiumWarning, match=r"2 of 2 grid positions .* absent='append'"):
        to_segy(da, out, like=cube_file)
    assert out.read_bytes() == cube_file.read_bytes()  # unchanged samples, nothing added
    mask_only = open_segy(cube_file).assign_coords(
        {TRACE_MASK: (("iline", "xline"), np.ones((4, 5), bool))}
    )
    with pytest.warns(PromethiumWarning, match="2 of 2 grid positions"):
        to_segy(mask_only, out, like=cube_file, absent="skip", mode="w")
    with pytest.raises(ConfigError, match="absent must be one of"):
        to_segy(da, out, like=cube_file, absent="fill")


def test_append_writes_filled_traces_after_the_original(cube_file, tmp_path):
    da = _filled(open_segy(cube_file, chunks={"iline": 1}))
    out = tmp_path / "append.sgy"
    with warnings.catch_warnings():
        warnings.simplefilter("error", PromethiumWarning)
        to_segy(da, out, like=cube_file, absent="append")
    src, dst = cube_file.read_bytes(), out.read_bytes()
    assert dst[: len(src)] == src  # file headers and all 18 original traces byte-identical
    layout, records = _records(out)
    assert layout.n_traces == 20
    back = open_segy(out)
    assert back.shape == (4, 5, 30)
    assert (back.trace_index.values >= 0).all()
    assert back.trace_mask.values.all()
    np.testing.assert_array_equal(back.values, da.values)
    # geometry words and cdp x/y (scalar -10 from the neighbour) at the filled positions
    assert back.trace_index.sel(iline=10, xline=100).item() >= 18
    assert back.cdp_x.sel(iline=10, xline=100).item() == pytest.approx((10 * 1000 + 50) / 10)
    assert back.cdp_y.sel(iline=12, xline=104).item() == pytest.approx((104 * 250 + 7) / 10)
    # cloned from the nearest original trace: trace id and sample count kept
    _, original = _records(cube_file)
    head = np.array(records["header"]).view(np.uint8).reshape(-1, 240)
    first = np.array(original["header"]).view(np.uint8).reshape(-1, 240)[0]
    np.testing.assert_array_equal(head[18:, 28:30], np.tile(first[28:30], (2, 1)))
    np.testing.assert_array_equal(head[18:, 114:118], np.tile(first[114:118], (2, 1)))


def test_append_prestack_and_deferred(make_segy, rng, tmp_path):
    shots = np.repeat(np.arange(1, 4), 4)
    offsets = np.tile(np.arange(100, 500, 100), 3)
    keep = np.ones(12, bool)
    keep[5] = False  # shot 2, offset 200
    headers = {9: shots[keep], 37: offsets[keep], 29: np.full(11, 1)}
    src = make_segy("shots.sgy", headers, rng.normal(size=(11, 10)), endian="little")
    da = _filled(open_segy(src))
    assert da.dims == ("shot", "offset", "time")
    out = tmp_path / "shots_out.sgy"
    task = to_segy(da, out, like=src, absent="append", compute=False)
    assert not out.exists()
    task.compute()
    assert out.read_bytes()[: src.stat().st_size] == src.read_bytes()
    back = open_segy(out)
    assert back.dims == ("shot", "offset", "time") and back.shape == (3, 4, 10)
    assert back.trace_index.sel(shot=2, offset=200).item() == 11
    np.testing.assert_allclose(back.values, da.values, rtol=0, atol=0)
