from __future__ import annotations

import os

import pytest

from promethium.cli import main


@pytest.mark.parametrize(
    "argv",
    [
        ["convert", "{survey}", "memory://out.sgy"],
        ["convert", "{survey}", "s3://bucket/out.zarr"],
        ["convert", "memory://in.sgy", "out.zarr"],
        ["reconstruct", "{survey}", "gs://bucket/out.zarr"],
        ["reconstruct", "{survey}", "out.zarr", "--uncertainty", "s3://b/u.zarr"],
        ["reconstruct", "{survey}", "out.sgy", "--like", "memory://like.sgy"],
        ["info", "memory://x.sgy"],
        ["headers", "s3://bucket/x.sgy"],
        ["plot", "memory://x.sgy", "-o", "fig.png"],
        ["plot", "{survey}", "-o", "fig.png", "--compare", "memory://y.zarr"],
    ],
)
def test_a_url_is_refused_as_a_usage_error_and_no_local_folder_appears(
    argv, survey, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    before = set(os.listdir(tmp_path))
    code = main([a.format(survey=survey) for a in argv])
    assert code == 2
    err = " ".join(capsys.readouterr().err.replace("│", " ").split())  # unwrap rich's box
    assert "is a URL" in err and "local paths only" in err
    assert set(os.listdir(tmp_path)) == before  # no 'memory:' or 's3:' folder
