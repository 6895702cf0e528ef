"""Padding to any size and the shared blocks."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from promethium.models.networks.blocks import (
    AttentionGate,
    ConvBlock,
    Padding,
    ResidualBlock,
    crop,
    pad_to_fit,
)


def n_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@given(
    height=st.integers(1, 70),
    width=st.integers(1, 70),
    multiple=st.sampled_from([1, 2, 4, 8, 16]),
    minimum=st.integers(1, 40),
)
def test_pad_then_crop_is_the_identity(height, width, multiple, minimum):
    x = torch.randn(2, 3, height, width)
    padded, padding = pad_to_fit(x, multiple, minimum)
    for size, original in zip(padded.shape[-2:], (height, width)):
        assert size == -(-max(original, minimum) // multiple) * multiple  # smallest that fits
    assert padded.shape[-2] - height == padding.top + padding.bottom
    assert abs(padding.top - padding.bottom) <= 1 and abs(padding.left - padding.right) <= 1
    assert torch.equal(crop(padded, padding), x)


def test_padding_mirrors_when_it_can_and_repeats_the_edge_otherwise():
    x = torch.arange(3.0).reshape(1, 1, 1, 3)
    mirrored, padding = pad_to_fit(x, 4)
    assert padding == Padding(top=1, bottom=2, left=0, right=1)
    assert mirrored[0, 0, 0].tolist() == [0.0, 1.0, 2.0, 1.0]  # reflect along W
    assert mirrored[0, 0, :, 0].tolist() == [0.0] * 4  # one row: replicate along H


@pytest.mark.parametrize(("cin", "cout"), [(1, 4), (6, 6), (8, 3)])
def test_block_parameter_counts(cin, cout):
    assert n_params(ConvBlock(cin, cout)) == 9 * cout * (cin + cout) + 4 * cout
    projection = cin * cout + 2 * cout if cin != cout else 0
    assert n_params(ResidualBlock(cin, cout)) == 9 * cout * (cin + cout) + 4 * cout + projection


def test_attention_gate_weighs_the_skip_between_zero_and_one():
    gate = AttentionGate(4, 6, 3).eval()
    assert n_params(gate) == 3 * (4 + 6 + 5) + 2
    skip = torch.rand(2, 6, 5, 7) + 1.0
    gated = gate(torch.randn(2, 4, 5, 7), skip)
    alpha = gated / skip
    assert gated.shape == skip.shape
    assert torch.all((alpha > 0) & (alpha < 1))
    assert torch.allclose(alpha, alpha[:, :1].expand_as(alpha))  # one weight per position


def test_residual_block_is_the_identity_path_plus_a_residual():
    block = ResidualBlock(4, 4).eval()
    for parameter in block.residual.parameters():
        torch.nn.init.zeros_(parameter)
    x = torch.rand(1, 4, 5, 5)
    assert torch.allclose(block(x), x)


@pytest.mark.parametrize("block_type", [ConvBlock, ResidualBlock])
def test_blocks_end_with_channel_dropout(block_type):
    torch.manual_seed(0)
    block = block_type(2, 8, dropout=0.5).train()
    out = block(torch.rand(1, 2, 6, 6) + 1.0)
    dropped = (out.abs().sum(dim=(-2, -1)) == 0).squeeze(0)
    assert isinstance(block.dropout, torch.nn.Dropout2d) and block.dropout.p == 0.5
    assert 0 < int(dropped.sum()) < 8
