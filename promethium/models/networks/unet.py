"""U-Net (Ronneberger et al., 2015) and its attention and residual variants.

One encoder-decoder, parameterised by its block (:class:`~.blocks.ConvBlock` or
:class:`~.blocks.ResidualBlock`) and by whether attention gates weigh the skip
connections (Oktay et al., 2018). Any patch size works: the input is padded inside to
a multiple of ``2**len(features)`` and the output cropped back.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from promethium.models.networks.blocks import (
    AttentionGate,
    ConvBlock,
    ResidualBlock,
    crop,
    pad_to_fit,
)
from promethium.models.networks.configs import UNetConfig, validate_config
from promethium.models.networks.losses import LossOutput, reconstruction_loss

__all__ = ["AttentionUNet", "ResidualUNet", "UNet"]


class UNet(nn.Module):
    """U-Net for trace reconstruction: ``(N, in_channels, H, W) -> (N, out_channels, H, W)``.

    Parameters
    ----------
    **params
        Keys of :class:`~promethium.models.networks.configs.UNetConfig` (the seed's
        ``model.params``): ``in_channels`` 1, ``out_channels`` 1, ``features``
        ``(64, 128, 256, 512)``, ``bottleneck`` 1024, ``dropout`` 0.1.

    Attributes
    ----------
    config : UNetConfig
        The validated parameters.

    Raises
    ------
    ConfigError
        For unknown keys or invalid values.

    Notes
    -----
    Each encoder level is a block followed by 2x max pooling; the bottleneck is a
    block; each decoder level is a 2x2 transposed convolution, concatenation with the
    (optionally gated) skip features, and a block; a 1x1 convolution gives the output.
    With :class:`~.blocks.ConvBlock` (``b(i, o) = 9 o (i + o) + 4 o`` parameters) the
    count is ``sum b(f[l-1], f[l]) + b(f[-1], B) + sum (4 u f + f + b(2 f, f)) +
    f[0] out + out`` where ``u`` is the channels coming up (``B`` first).

    Examples
    --------
    >>> net = UNet(features=[4, 8], bottleneck=16).eval()
    >>> tuple(net(torch.zeros(2, 1, 33, 47)).shape)
    (2, 1, 33, 47)
    """

    block: ClassVar[type[nn.Module]] = ConvBlock
    gated: ClassVar[bool] = False

    def __init__(self, **params: Any) -> None:
        super().__init__()
        self.config = validate_config(UNetConfig, params, what=type(self).__name__)
        features, dropout = self.config.features, self.config.dropout
        self.encoders = nn.ModuleList()
        channels = self.config.in_channels
        for width in features:
            self.encoders.append(self.block(channels, width, dropout))
            channels = width
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = self.block(channels, self.config.bottleneck, dropout)
        channels = self.config.bottleneck
        self.ups = nn.ModuleList()
        self.gates = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for width in reversed(features):
            self.ups.append(nn.ConvTranspose2d(channels, width, 2, stride=2))
            if self.gated:
                self.gates.append(AttentionGate(width, width, max(width // 2, 1)))
            self.decoders.append(self.block(2 * width, width, dropout))
            channels = width
        self.head = nn.Conv2d(channels, self.config.out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the reconstruction ``(N, out_channels, H, W)`` of `x` ``(N, C, H, W)``."""
        x, padding = pad_to_fit(x, 2 ** len(self.encoders))
        skips = []
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for level, (up, decoder) in enumerate(zip(self.ups, self.decoders)):
            x = up(x)
            skip = skips[-1 - level]
            if self.gated:
                skip = self.gates[level](x, skip)
            x = decoder(torch.cat([skip, x], dim=1))
        return crop(self.head(x), padding)

    def loss(
        self,
        inputs: torch.Tensor,
        target: torch.Tensor,
        *,
        weight: torch.Tensor | None = None,
        sampling: Any = None,
    ) -> LossOutput:
        """Mean squared error of the reconstruction of `inputs` against `target`.

        Parameters
        ----------
        inputs, target : torch.Tensor
            ``(N, in_channels, H, W)`` and ``(N, out_channels, H, W)``.
        weight : torch.Tensor, optional
            Weights of the error, see
            :func:`~promethium.models.networks.losses.reconstruction_loss`.
        sampling : Sampling, optional
            Unused (accepted so that every network's ``loss`` takes the same keywords).

        Returns
        -------
        LossOutput
            ``total`` equal to ``parts["data"]``.
        """
        prediction = self(inputs)
        data = reconstruction_loss(prediction, target, weight=weight)
        return LossOutput(data, {"data": data}, prediction)


class AttentionUNet(UNet):
    """U-Net whose skip connections pass through attention gates (Oktay et al., 2018).

    Parameters
    ----------
    **params
        As for :class:`UNet`.

    Notes
    -----
    Adds, per level of width ``f``, a gate of ``(f // 2) (2 f + 5) + 2`` parameters.

    Examples
    --------
    >>> net = AttentionUNet(features=[4, 8], bottleneck=16).eval()
    >>> tuple(net(torch.zeros(1, 1, 9, 5)).shape)
    (1, 1, 9, 5)
    """

    gated = True


class ResidualUNet(UNet):
    """U-Net built from residual blocks (He et al., 2016) for better gradient flow.

    Parameters
    ----------
    **params
        As for :class:`UNet`.

    Examples
    --------
    >>> net = ResidualUNet(features=[4, 8], bottleneck=16).eval()
    >>> tuple(net(torch.zeros(1, 1, 64, 129)).shape)
    (1, 1, 64, 129)
    """

    block = ResidualBlock
