"""The FD gather the fine-tuning tests use is what the modeller gives."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.finetuning.conftest import FD_GATHER


@pytest.mark.slow
def test_the_stored_fd_gather_is_the_modellers():
    from promethium.modeling import fd_shot_gather

    with np.load(FD_GATHER) as stored:
        params = json.loads(str(stored["params"]))
        data, offset, time = stored["data"], stored["offset"], stored["time"]
    assert params["family"] == "anticline"  # a family no training recipe uses
    gather = fd_shot_gather(**params)
    np.testing.assert_allclose(gather.values, data, rtol=1e-5, atol=1e-5 * np.abs(data).max())
    np.testing.assert_array_equal(gather.offset.values, offset)
    np.testing.assert_array_equal(gather.time.values, time)


def test_the_stored_fd_gather_is_from_a_family_kept_out_of_training(fd_gather):
    from promethium.modeling import EVALUATION_FAMILIES, TRAINING_FAMILIES

    with np.load(FD_GATHER) as stored:
        family = json.loads(str(stored["params"]))["family"]
    assert family in EVALUATION_FAMILIES and family not in TRAINING_FAMILIES
    assert fd_gather.dims == ("offset", "time") and fd_gather.shape == (96, 128)
    assert float(np.abs(fd_gather).max()) == pytest.approx(1.0)


def test_no_shipped_network_trained_on_that_family():
    from promethium.models.networks.pretrained import PRETRAINED, pretrained_root

    assert {"unet", "pinn"} <= set(PRETRAINED)
    for name in PRETRAINED:
        sidecar = json.loads((pretrained_root() / f"{name}.json").read_text())
        data = sidecar["metadata"]["training"]["data"]["synthetic"]
        assert (data["kind"], data["family"]) == ("fd", "layered_faulted"), name
