"""A conditional GAN (pix2pix): a backbone generator and a PatchGAN discriminator.

The generator reconstructs a patch from its masked input; the discriminator judges
overlapping receptive fields (70x70 samples by default) of the pair (input,
candidate) as real or generated. Training alternates :meth:`GAN.discriminator_loss`
and :meth:`GAN.generator_loss`; inference runs the generator alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from promethium.errors import ConfigError
from promethium.models.networks.backbones import build_backbone
from promethium.models.networks.blocks import pad_to_fit
from promethium.models.networks.configs import GANConfig, PatchGANConfig, validate_config
from promethium.models.networks.losses import LossOutput, reconstruction_loss

__all__ = ["GAN", "PatchGAN"]


class PatchGAN(nn.Module):
    """PatchGAN discriminator (Isola et al., 2017): a map of real/fake logits.

    Parameters
    ----------
    in_channels : int
        Channels of the judged pair (condition + candidate).
    **params
        Keys of :class:`~promethium.models.networks.configs.PatchGANConfig`:
        ``features`` ``(64, 128, 256, 512)``.

    Notes
    -----
    4x4 convolutions with LeakyReLU(0.2): the first without normalisation, the next
    with batch norm; all but the last of `features` halve the resolution, then a
    4x4 convolution gives one logit per patch. Inputs smaller than
    ``3 * 2**(len(features) - 1)`` samples are padded to that size.

    Examples
    --------
    >>> disc = PatchGAN(2)
    >>> tuple(disc(torch.zeros(1, 2, 256, 256)).shape)
    (1, 1, 30, 30)
    """

    def __init__(self, in_channels: int, **params: Any) -> None:
        super().__init__()
        self.config = validate_config(PatchGANConfig, params, what="PatchGAN")
        features = self.config.features
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, features[0], 4, stride=2, padding=1),
            nn.LeakyReLU(0.2, inplace=True),
        ]
        for index, width in enumerate(features[1:], start=1):
            stride = 1 if index == len(features) - 1 else 2
            layers += [
                nn.Conv2d(features[index - 1], width, 4, stride=stride, padding=1, bias=False),
                nn.BatchNorm2d(width),
                nn.LeakyReLU(0.2, inplace=True),
            ]
        layers.append(nn.Conv2d(features[-1], 1, 4, stride=1, padding=1))
        self.body = nn.Sequential(*layers)
        self.min_size = 3 * 2 ** (len(features) - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the logits ``(N, 1, h, w)`` of the pairs `x` ``(N, in_channels, H, W)``."""
        return self.body(pad_to_fit(x, 1, self.min_size)[0])


@contextlib.contextmanager
def _frozen(module: nn.Module) -> Iterator[None]:
    """Build no gradients for `module`'s parameters inside the block."""
    flags = [p.requires_grad for p in module.parameters()]
    for parameter in module.parameters():
        parameter.requires_grad_(False)
    try:
        yield
    finally:
        for parameter, flag in zip(module.parameters(), flags):
            parameter.requires_grad_(flag)


class GAN(nn.Module):
    """Conditional GAN for trace reconstruction; ``forward`` is the generator.

    Parameters
    ----------
    **params
        Keys of :class:`~promethium.models.networks.configs.GANConfig`: ``generator``
        ``{"architecture": "unet", "params": {}}``, ``discriminator``
        ``{"architecture": "patchgan", "params": {}}``, ``adversarial_weight`` 0.01.

    Attributes
    ----------
    generator, discriminator : torch.nn.Module
        The two networks; give each its own optimiser.

    Raises
    ------
    ConfigError
        For invalid parameters, an unknown generator, or a generator without
        ``config.in_channels`` / ``config.out_channels``.

    Examples
    --------
    >>> gan = GAN(generator={"params": {"features": [4], "bottleneck": 8}}).eval()
    >>> tuple(gan(torch.zeros(1, 1, 20, 30)).shape)
    (1, 1, 20, 30)
    """

    def __init__(self, **params: Any) -> None:
        super().__init__()
        self.config = validate_config(GANConfig, params, what="GAN")
        spec = self.config.generator
        self.generator = build_backbone(spec.architecture, **spec.params)
        config = getattr(self.generator, "config", None)
        channels = [getattr(config, key, None) for key in ("in_channels", "out_channels")]
        if not all(isinstance(c, int) for c in channels):
            raise ConfigError(
                f"generator {spec.architecture!r} does not expose config.in_channels and "
                "config.out_channels, which the discriminator's input needs."
            )
        pair_channels = sum(int(c) for c in channels if c is not None)
        self.discriminator = PatchGAN(
            pair_channels, **self.config.discriminator.params.model_dump()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruct `x` with the generator."""
        return self.generator(x)

    def _logits(self, inputs: torch.Tensor, candidate: torch.Tensor) -> torch.Tensor:
        return self.discriminator(torch.cat([inputs, candidate], dim=1))

    def generator_loss(
        self, inputs: torch.Tensor, target: torch.Tensor, *, weight: torch.Tensor | None = None
    ) -> LossOutput:
        """L1 reconstruction + ``adversarial_weight`` x the non-saturating GAN loss.

        Parameters
        ----------
        inputs, target : torch.Tensor
            Masked input and complete target patches.
        weight : torch.Tensor, optional
            Weights of the reconstruction error.

        Returns
        -------
        LossOutput
            Parts ``reconstruction`` and ``adversarial``; no gradient reaches the
            discriminator's parameters.
        """
        prediction = self.generator(inputs)
        reconstruction = reconstruction_loss(prediction, target, norm="l1", weight=weight)
        with _frozen(self.discriminator):
            logits = self._logits(inputs, prediction)
        adversarial = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
        total = reconstruction + self.config.adversarial_weight * adversarial
        parts = {"reconstruction": reconstruction, "adversarial": adversarial}
        return LossOutput(total, parts, prediction)

    def discriminator_loss(
        self, inputs: torch.Tensor, target: torch.Tensor, prediction: torch.Tensor
    ) -> LossOutput:
        """Binary cross-entropy of real pairs against generated ones, halved.

        Parameters
        ----------
        inputs, target : torch.Tensor
            Masked input and complete target patches (the real pair).
        prediction : torch.Tensor
            The generator's output (detached here: no gradient reaches the generator).

        Returns
        -------
        LossOutput
            ``total = (real + fake) / 2`` with parts ``real`` and ``fake``.
        """
        real_logits = self._logits(inputs, target)
        fake_logits = self._logits(inputs, prediction.detach())
        real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
        fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        return LossOutput(0.5 * (real + fake), {"real": real, "fake": fake}, prediction)
