"""U-Net, Attention U-Net and Residual U-Net: shapes, parameter counts, training, MC dropout."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import promethium as pm
from promethium.core.mask import apply_trace_mask
from promethium.errors import ConfigError
from promethium.ml.options import TorchOptions
from promethium.ml.torch_model import TorchModel
from promethium.models.networks.configs import UNetConfig
from promethium.models.networks.unet import AttentionUNet, ResidualUNet, UNet

SMALL = {"features": [4, 8], "bottleneck": 16}
VARIANTS = [UNet, AttentionUNet, ResidualUNet]


def n_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def conv_block(cin: int, cout: int) -> int:
    return 9 * cout * (cin + cout) + 4 * cout


def residual_block(cin: int, cout: int) -> int:
    return conv_block(cin, cout) + (cin * cout + 2 * cout if cin != cout else 0)


def expected_count(
    net_type, in_channels=1, out_channels=1, features=(64, 128, 256, 512), bottleneck=1024, **_
) -> int:
    block = residual_block if net_type is ResidualUNet else conv_block
    total, channels = 0, in_channels
    for width in features:
        total += block(channels, width)
        channels = width
    total += block(channels, bottleneck)
    channels = bottleneck
    for width in reversed(features):
        total += 4 * channels * width + width + block(2 * width, width)
        if net_type is AttentionUNet:
            total += max(width // 2, 1) * (2 * width + 5) + 2
        channels = width
    return total + features[0] * out_channels + out_channels


@pytest.mark.parametrize("net_type", VARIANTS)
@pytest.mark.parametrize("size", [(33, 47), (64, 129), (1, 1), (5, 200)])
def test_any_patch_size_keeps_its_shape(net_type, size):
    net = net_type(**SMALL).eval()
    x = torch.randn(2, 1, *size)
    with torch.no_grad():
        out = net(x)
    assert out.shape == (2, 1, *size)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("net_type", VARIANTS)
@pytest.mark.parametrize(
    "params",
    [
        SMALL,
        {**SMALL, "in_channels": 2, "out_channels": 3},
        {"features": [3, 6, 12], "bottleneck": 10},
        {"features": [5], "bottleneck": 7, "dropout": 0.0},
    ],
)
def test_parameter_count_follows_the_layer_formula(net_type, params):
    assert n_params(net_type(**params)) == expected_count(net_type, **params)


@settings(max_examples=15)
@given(
    net_type=st.sampled_from(VARIANTS),
    features=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    bottleneck=st.integers(1, 8),
    channels=st.tuples(st.integers(1, 3), st.integers(1, 3)),
)
def test_parameter_count_follows_any_config(net_type, features, bottleneck, channels):
    params = {"features": features, "bottleneck": bottleneck}
    params.update(in_channels=channels[0], out_channels=channels[1])
    assert n_params(net_type(**params)) == expected_count(net_type, **params)


@settings(max_examples=15)
@given(
    net_type=st.sampled_from(VARIANTS),
    height=st.integers(1, 70),
    width=st.integers(1, 70),
    depth=st.integers(1, 3),
)
def test_never_crashes_on_any_size(net_type, height, width, depth):
    net = net_type(features=[2] * depth, bottleneck=2).eval()
    with torch.no_grad():
        out = net(torch.randn(1, 1, height, width))
    assert out.shape == (1, 1, height, width) and torch.isfinite(out).all()


def test_parameter_count_of_the_seed_defaults():
    assert n_params(UNet()) == expected_count(UNet) == 31_036_481


def test_config_changes_the_count_as_it_says():
    base = n_params(UNet(**SMALL))
    assert n_params(UNet(**SMALL, dropout=0.5)) == base  # dropout has no parameters
    assert n_params(UNet(**SMALL, in_channels=2)) - base == 9 * 4  # one more input channel
    assert n_params(UNet(**SMALL, out_channels=2)) - base == 4 + 1  # one more 1x1 filter
    assert n_params(UNet(features=[4, 8], bottleneck=17)) > base


@pytest.mark.parametrize("net_type", VARIANTS)
def test_a_few_steps_lower_the_masked_reconstruction_loss(net_type, masked_problem, train_steps):
    inputs, target, missing = masked_problem
    torch.manual_seed(0)
    net = net_type(**SMALL, dropout=0.0).train()
    losses = train_steps(net, lambda: net.loss(inputs, target, weight=missing).total)
    assert losses[-1] < 0.7 * losses[0]


def test_loss_reports_its_parts(masked_problem):
    inputs, target, _ = masked_problem
    out = UNet(**SMALL).eval().loss(inputs, target)
    assert set(out.parts) == {"data"} and out.total is out.parts["data"]
    assert out.prediction.shape == target.shape


@pytest.mark.parametrize("net_type", VARIANTS)
def test_every_block_has_the_configured_dropout(net_type):
    net = net_type(**SMALL, dropout=0.25)
    layers = [m for m in net.modules() if isinstance(m, torch.nn.Dropout2d)]
    assert len(layers) == 2 * len(SMALL["features"]) + 1
    assert {m.p for m in layers} == {0.25}


def test_mc_dropout_gives_a_non_zero_uncertainty_out_of_the_box():
    gather = pm.synthetic_gather(n_traces=16, n_samples=32, seed=1)
    mask = np.ones(16, bool)
    mask[[3, 8, 9]] = False
    da = apply_trace_mask(gather, mask)
    model = TorchModel(UNet, SMALL, in_channels=1, name="unet")
    options = TorchOptions(
        patch_size=16, ensemble_size=3, dropout_inference=True, return_uncertainty=True
    )
    out = model.reconstruct(da, options)
    std = out["std"].values
    assert np.all(std[~mask] > 0)
    assert np.isfinite(out["mean"].values).all()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"feature": [4]}, r"unknown key 'feature' \(known keys: \['bottleneck', 'dropout'"),
        ({"features": []}, r"features=\[\]: Tuple should have at least 1 item"),
        ({"bottleneck": True}, r"bottleneck=True: Input should be a valid integer"),
        ({"dropout": 1.0}, r"dropout=1\.0: Input should be less than 1"),
        ({"in_channels": 0}, r"in_channels=0: Input should be greater than or equal to 1"),
    ],
)
def test_bad_params_name_the_key(params, message):
    with pytest.raises(ConfigError, match=r"invalid params for UNet: " + message):
        UNet(**params)


def test_config_is_the_seeds():
    assert UNet().config == UNetConfig()
    assert UNetConfig().model_dump() == {
        "in_channels": 1,
        "out_channels": 1,
        "features": (64, 128, 256, 512),
        "bottleneck": 1024,
        "dropout": 0.1,
    }
