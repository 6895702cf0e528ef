"""A fully convolutional variational autoencoder with a spatial latent.

The encoder maps a patch of any size to a Gaussian posterior ``q(z | x)`` over a
latent of ``latent_dim`` channels at ``1 / 2**len(encoder_features)`` resolution; the
decoder maps a latent back to the patch. Inference decodes the posterior mean;
:meth:`VAE.sample` decodes posterior samples, whose spread is the uncertainty.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import torch
from torch import nn

from promethium.models.networks.blocks import ConvBlock, Padding, crop, pad_to_fit
from promethium.models.networks.configs import VAEConfig, validate_config
from promethium.models.networks.losses import LossOutput, reconstruction_loss

__all__ = ["VAE", "Posterior"]

_LOG_VAR_RANGE = (-30.0, 20.0)


class Posterior(NamedTuple):
    """The Gaussian posterior of a batch and the padding of its inputs."""

    mean: torch.Tensor
    log_var: torch.Tensor
    padding: Padding

    def draw(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """A reparameterised sample ``mean + exp(log_var / 2) * eps`` (differentiable)."""
        eps = torch.randn(
            self.mean.shape, generator=generator, device=self.mean.device, dtype=self.mean.dtype
        )
        return self.mean + torch.exp(0.5 * self.log_var) * eps


class VAE(nn.Module):
    """Variational autoencoder for trace reconstruction, any patch size.

    Parameters
    ----------
    **params
        Keys of :class:`~promethium.models.networks.configs.VAEConfig`:
        ``in_channels`` 1, ``out_channels`` 1, ``latent_dim`` 256,
        ``encoder_features`` ``(64, 128, 256)``, ``beta`` 1.0.

    Attributes
    ----------
    config : VAEConfig
        The validated parameters.

    Raises
    ------
    ConfigError
        For unknown keys or invalid values.

    Notes
    -----
    Encoder: per level a :class:`~.blocks.ConvBlock` and 2x max pooling; two 1x1
    convolutions give the posterior mean and log-variance. Decoder: a 1x1
    convolution, then per level a 2x2 transposed convolution and a block; a 1x1
    convolution gives the output. In training mode ``forward`` decodes a posterior
    sample, in eval mode the posterior mean, except in the patch engine's MC ensemble
    passes (``dropout_inference=True``), where it decodes a posterior sample seeded by
    the patch: the ensemble's ``std`` is then the spread of the posterior samples.

    Examples
    --------
    >>> vae = VAE(latent_dim=4, encoder_features=[4, 8]).eval()
    >>> tuple(vae(torch.zeros(2, 1, 33, 47)).shape)
    (2, 1, 33, 47)
    """

    #: MC ensemble members are posterior samples (no dropout layers needed).
    mc_sampling = True

    def __init__(self, **params: Any) -> None:
        super().__init__()
        self.config = validate_config(VAEConfig, params, what="VAE")
        features = self.config.encoder_features
        self.encoders = nn.ModuleList()
        channels = self.config.in_channels
        for width in features:
            self.encoders.append(ConvBlock(channels, width))
            channels = width
        self.pool = nn.MaxPool2d(2)
        self.mean = nn.Conv2d(channels, self.config.latent_dim, 1)
        self.log_var = nn.Conv2d(channels, self.config.latent_dim, 1)
        self.expand = nn.Conv2d(self.config.latent_dim, channels, 1)
        self.ups = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for width in reversed(features):
            self.ups.append(nn.ConvTranspose2d(channels, width, 2, stride=2))
            self.decoders.append(ConvBlock(width, width))
            channels = width
        self.head = nn.Conv2d(channels, self.config.out_channels, 1)

    def posterior(self, x: torch.Tensor) -> Posterior:
        """The posterior ``q(z | x)`` of `x` ``(N, in_channels, H, W)``."""
        x, padding = pad_to_fit(x, 2 ** len(self.encoders))
        for encoder in self.encoders:
            x = self.pool(encoder(x))
        log_var = self.log_var(x).clamp(*_LOG_VAR_RANGE)
        return Posterior(self.mean(x), log_var, padding)

    def decode(self, z: torch.Tensor, padding: Padding) -> torch.Tensor:
        """Decode latents `z` and remove the input's `padding`."""
        x = self.expand(z)
        for up, decoder in zip(self.ups, self.decoders):
            x = decoder(up(x))
        return crop(self.head(x), padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruct `x`: from the posterior mean in eval mode, a sample in training.

        In an MC ensemble pass of the patch engine (eval mode), a posterior sample
        drawn with :func:`promethium.ml._mc_dropout.mc_normal`.
        """
        posterior = self.posterior(x)
        if self.training:
            return self.decode(posterior.draw(), posterior.padding)
        from promethium.ml._mc_dropout import mc_normal

        noise = mc_normal(posterior.mean)  # an MC ensemble pass: a posterior sample
        if noise is None:
            return self.decode(posterior.mean, posterior.padding)
        z = posterior.mean + torch.exp(0.5 * posterior.log_var) * noise
        return self.decode(z, posterior.padding)

    def sample(
        self, x: torch.Tensor, n_samples: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Decode `n_samples` posterior samples of each patch of `x`.

        Parameters
        ----------
        x : torch.Tensor
            ``(N, in_channels, H, W)``.
        n_samples : int
            Samples per patch.
        generator : torch.Generator, optional
            Source of the samples, for reproducibility.

        Returns
        -------
        torch.Tensor
            ``(n_samples, N, out_channels, H, W)``; their standard deviation over the
            first axis is the reconstruction's uncertainty.
        """
        posterior = self.posterior(x)
        return torch.stack(
            [self.decode(posterior.draw(generator), posterior.padding) for _ in range(n_samples)]
        )

    def loss(
        self,
        inputs: torch.Tensor,
        target: torch.Tensor,
        *,
        weight: torch.Tensor | None = None,
        sampling: Any = None,
    ) -> LossOutput:
        r"""The beta-VAE loss: reconstruction of a posterior sample + beta x KL.

        Parameters
        ----------
        inputs, target : torch.Tensor
            ``(N, in_channels, H, W)`` and ``(N, out_channels, H, W)``.
        weight : torch.Tensor, optional
            Weights of the reconstruction error.
        sampling : Sampling, optional
            Unused (accepted so that every network's ``loss`` takes the same keywords).

        Returns
        -------
        LossOutput
            ``total = reconstruction + beta * kl``, parts ``reconstruction`` and ``kl``.

        Notes
        -----
        ``reconstruction`` is the mean squared error of the decoded sample;
        :math:`KL = \frac{1}{2 M}\sum (\mu^2 + \sigma^2 - 1 - \log\sigma^2)` summed
        over the latent and divided by the number ``M`` of target values, so both
        terms are per output sample and their balance does not depend on the patch
        size.
        """
        posterior = self.posterior(inputs)
        prediction = self.decode(posterior.draw(), posterior.padding)
        reconstruction = reconstruction_loss(prediction, target, weight=weight)
        mean, log_var = posterior.mean, posterior.log_var
        kl = 0.5 * (mean.square() + log_var.exp() - 1.0 - log_var).sum() / target.numel()
        total = reconstruction + self.config.beta * kl
        return LossOutput(total, {"reconstruction": reconstruction, "kl": kl}, prediction)
