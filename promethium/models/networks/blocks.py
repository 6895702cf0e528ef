"""Building blocks shared by the networks: padding to any size, conv, residual, gates.

Every network maps ``(N, C, H, W)`` patches of any size to the same ``H, W``: it pads
the input inside (:func:`pad_to_fit`), runs, and crops back (:func:`crop`). Blocks
end with a channel dropout (``nn.Dropout2d``), the layer MC-dropout ensembles sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "AttentionGate",
    "ConvBlock",
    "Padding",
    "ResidualBlock",
    "crop",
    "pad_to_fit",
]


@dataclass(frozen=True)
class Padding:
    """Samples added before and after the last two axes by :func:`pad_to_fit`."""

    top: int
    bottom: int
    left: int
    right: int


def _target(size: int, multiple: int, minimum: int) -> int:
    return max(-(-size // multiple) * multiple, -(-minimum // multiple) * multiple)


def _pad_axis(x: torch.Tensor, before: int, after: int, axis: int) -> torch.Tensor:
    if before == after == 0:
        return x
    widths = (0, 0, before, after) if axis == -2 else (before, after, 0, 0)
    mode = "reflect" if max(before, after) < x.shape[axis] else "replicate"
    return F.pad(x, widths, mode=mode)


def pad_to_fit(
    x: torch.Tensor, multiple: int = 1, minimum: int = 1
) -> tuple[torch.Tensor, Padding]:
    """Pad the last two axes of `x` to a multiple of `multiple`, at least `minimum`.

    The padding is split evenly before and after each axis. It mirrors the data
    (``reflect``) when the axis is long enough, and repeats the edge (``replicate``)
    otherwise, so any size, down to one sample, works.

    Parameters
    ----------
    x : torch.Tensor
        ``(N, C, H, W)`` input.
    multiple : int, optional
        Each padded size is a multiple of this (``2**depth`` for a U-Net).
    minimum : int, optional
        Smallest padded size of each axis.

    Returns
    -------
    tuple of (torch.Tensor, Padding)
        The padded input and the padding, for :func:`crop`.

    Examples
    --------
    >>> padded, padding = pad_to_fit(torch.zeros(1, 1, 33, 47), 16)
    >>> tuple(padded.shape), padding
    ((1, 1, 48, 48), Padding(top=7, bottom=8, left=0, right=1))
    """
    height, width = x.shape[-2:]
    extra_h = _target(height, multiple, minimum) - height
    extra_w = _target(width, multiple, minimum) - width
    padding = Padding(extra_h // 2, extra_h - extra_h // 2, extra_w // 2, extra_w - extra_w // 2)
    x = _pad_axis(x, padding.top, padding.bottom, -2)
    return _pad_axis(x, padding.left, padding.right, -1), padding


def crop(x: torch.Tensor, padding: Padding) -> torch.Tensor:
    """Remove the `padding` added by :func:`pad_to_fit` from the last two axes."""
    height, width = x.shape[-2:]
    return x[..., padding.top : height - padding.bottom, padding.left : width - padding.right]


class ConvBlock(nn.Module):
    """Two 3x3 convolutions, each with batch norm and ReLU, then channel dropout.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels in and out.
    dropout : float, optional
        ``nn.Dropout2d`` probability (0 keeps the layer, inactive).

    Notes
    -----
    ``9 * out * (in + out) + 4 * out`` parameters (convolutions without bias).
    """

    def __init__(self, in_channels: int, out_channels: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )
        self.dropout = nn.Dropout2d(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``(N, out_channels, H, W)``."""
        return self.dropout(self.body(x))


class ResidualBlock(nn.Module):
    """A residual block (He et al., 2016): ``relu(F(x) + shortcut(x))``, then dropout.

    ``F`` is conv3x3-BN-ReLU-conv3x3-BN; the shortcut is the identity when the
    channels match, else a 1x1 convolution with batch norm.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels in and out.
    dropout : float, optional
        ``nn.Dropout2d`` probability.

    Notes
    -----
    ``9 * out * (in + out) + 4 * out`` parameters, plus ``in * out + 2 * out`` for a
    projection shortcut.
    """

    def __init__(self, in_channels: int, out_channels: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.residual = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        self.shortcut: nn.Module = nn.Identity()
        if in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels)
            )
        self.dropout = nn.Dropout2d(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``(N, out_channels, H, W)``."""
        return self.dropout(F.relu(self.residual(x) + self.shortcut(x)))


class AttentionGate(nn.Module):
    """Additive attention gate on a skip connection (Oktay et al., 2018).

    ``alpha = sigmoid(psi(relu(W_g g + W_x x)))`` weighs each position of the skip
    features `x` by how relevant the decoder's gating features `g` (same resolution)
    find it; the gate returns ``alpha * x``.

    Parameters
    ----------
    gating_channels, skip_channels : int
        Channels of `g` and `x`.
    inner_channels : int
        Channels of the joint embedding.

    Notes
    -----
    ``inner * (gating + skip + 5) + 2`` parameters (1x1 convolutions without bias,
    each followed by batch norm).
    """

    def __init__(self, gating_channels: int, skip_channels: int, inner_channels: int) -> None:
        super().__init__()
        self.gating = _conv1x1_bn(gating_channels, inner_channels)
        self.skip = _conv1x1_bn(skip_channels, inner_channels)
        self.psi = _conv1x1_bn(inner_channels, 1)

    def forward(self, gating: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        """Return the gated skip features, shaped like `skip`."""
        alpha = torch.sigmoid(self.psi(F.relu(self.gating(gating) + self.skip(skip))))
        return skip * alpha


def _conv1x1_bn(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels)
    )
