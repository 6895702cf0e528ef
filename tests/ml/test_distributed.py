"""Inference on a real dask.distributed LocalCluster: worker processes, no mocks."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import promethium as pm
from promethium.ml import TorchModel
from promethium.ml.cache import model_cache_size
from promethium.ml.options import TorchOptions
from promethium.ml.testing import CopyChannel


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_torch_model_runs_on_workers_built_once_per_process(client):
    truth = pm.synthetic_shots(n_shots=6, n_traces=24, n_samples=64, seed=2)
    holed = pm.apply_trace_mask(truth, pm.random_mask(truth, 0.3, seed=0))
    model = TorchModel(CopyChannel, {"in_channels": 2})
    options = TorchOptions(patch_size=16, batch_size=4)
    lazy = model.reconstruct(holed.chunk({"shot": 1}), options)

    # Only a reference to the network travels in the graph, never the module.
    graph = pickle.dumps(dict(lazy.data.__dask_graph__()))
    assert b"CopyChannel" in graph and b"conv.weight" not in graph

    result = client.compute(lazy.data).result()
    expected = model.reconstruct(holed, options).values
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)

    # Six chunks ran on two worker processes; each built the network at most once.
    built = client.run(model_cache_size)
    assert set(built.values()) <= {0, 1} and sum(built.values()) >= 1


def test_reconstruct_front_door_streams_through_the_cluster(client):
    truth = pm.synthetic_shots(n_shots=4, n_traces=32, n_samples=64, seed=4)
    holed = pm.apply_trace_mask(truth, pm.random_mask(truth, 0.3, seed=1))
    lazy = pm.reconstruct(holed.chunk({"shot": 1}), model="pocs", patch_size=16, n_iter=5)
    eager = pm.reconstruct(holed, model="pocs", patch_size=16, n_iter=5)
    out = client.compute(lazy.data).result()
    np.testing.assert_allclose(out, eager.values, rtol=1e-5, atol=1e-6)
