"""The QC figures: non-empty PNG files, one gather shown, refused without data."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from promethium.errors import InvalidDataError
from promethium.qc import QCReport
from promethium.qc.figures import figure_name, shown_gather

PNG = b"\x89PNG\r\n\x1a\n"


def test_every_figure_is_a_non_empty_png(saved):
    written = sorted(saved.glob("*.png"))
    names = [p.name for p in written]
    assert names == sorted(["best.png", "fk.png", "per-trace.png", "model-linear.png",
                            "model-pocs.png"])  # fmt: skip
    for path in written:
        data = path.read_bytes()
        assert data[:8] == PNG and len(data) > 10_000, path.name


def test_a_report_read_back_from_json_has_nothing_to_draw(report, tmp_path):
    with pytest.raises(InvalidDataError, match="no data to draw"):
        QCReport.from_json(report.to_json()).figures(tmp_path)


def test_figure_names_are_safe_file_names():
    assert figure_name("unet") == "model-unet.png"
    assert figure_name("models:/unet@prod") == "model-models_unet_prod.png"
    assert figure_name("a b/c") == "model-a_b_c.png"


def test_the_gather_with_most_hidden_traces_is_shown():
    hidden = np.zeros((3, 2, 5), bool)
    hidden[1, 1, :3] = True
    hidden[2, 0, :2] = True
    assert shown_gather(xr.DataArray(hidden, dims=("a", "b", "x"))) == {"a": 1, "b": 1}
    assert shown_gather(xr.DataArray(hidden[0, 0], dims=("x",))) == {}
