"""The example plugin installed as a real distribution (``make setup`` installs it).

Nothing here touches sys.path: the model is found through the ``promethium`` entry
point of the installed ``promethium-example-model`` distribution.
"""

from __future__ import annotations

import json
from importlib.metadata import entry_points

import numpy as np
import pytest

import promethium as pm
from promethium.catalog import list_models
from promethium.plugins import list_plugins
from promethium.reconstruct import PROVENANCE_ATTR, reconstruct

pytestmark = pytest.mark.skipif(
    not any(ep.name == "example-model" for ep in entry_points(group="promethium")),
    reason="promethium-example-model is not installed: "
    "pip install --no-deps ./plugins/promethium-example-model",
)


def test_listed_with_its_distribution():
    (row,) = list_models("example-*")
    assert (row.name, row.family, row.plugin, row.weights) == (
        "example-cnn",
        "example",
        "example-model",
        True,
    )
    options = {o.name: o for o in row.options}
    assert options["patch_size"].default == (32, 64)  # what the network was trained on
    assert options["device"].help.startswith("Where the network runs")
    info = next(p for p in list_plugins() if p.name == "example-model")
    assert (info.distribution, info.status, info.api) == ("promethium-example-model", "loaded", 2)


def test_reconstruct_by_name_through_the_entry_point():
    truth = pm.synthetic_gather(n_traces=48, n_samples=128, noise=0.02, seed=5)
    holed = pm.apply_trace_mask(truth, pm.regular_mask(truth, 2))
    out = reconstruct(holed.chunk({"offset": 24}), model="example-cnn").compute()
    missing = ~holed["trace_mask"].values
    assert np.isfinite(out.values).all()
    error = np.sum((out.values - truth.values)[missing] ** 2)
    assert error < 0.8 * np.sum(truth.values[missing] ** 2)  # better than zero-fill
    record = json.loads(out.attrs[PROVENANCE_ATTR])
    assert record["plugin"] == "example-model" and len(record["weights_sha256"]) == 64
