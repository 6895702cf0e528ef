"""A physics-informed network: a backbone trained with an acoustic wave-equation loss.

The network is its backbone (``unet`` by default); what makes it physics-informed is
its loss, ``data + physics_weight x physics``, where the physics term
(:mod:`promethium.models.networks.physics`) penalises output that no acoustic wave
slower than ``min_velocity`` could have recorded. See ``docs/physics.md``.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from promethium.errors import ConfigError
from promethium.models.networks.backbones import build_backbone
from promethium.models.networks.configs import PINNConfig, validate_config
from promethium.models.networks.losses import LossOutput, reconstruction_loss
from promethium.models.networks.physics import physics_loss
from promethium.models.networks.sampling import Sampling

__all__ = ["PINN"]


class PINN(nn.Module):
    """Physics-informed reconstruction network; ``forward`` is the backbone.

    Parameters
    ----------
    **params
        Keys of :class:`~promethium.models.networks.configs.PINNConfig`: ``backbone``
        ``"unet"``, ``backbone_params`` ``{}``, ``physics_weight`` 0.1,
        ``wave_equation`` ``"acoustic"``, ``physics`` (``constraint`` ``"fk_cone"``,
        ``min_velocity`` 1000 m/s, ...).

    Attributes
    ----------
    backbone : torch.nn.Module
        The network that reconstructs.

    Raises
    ------
    ConfigError
        For invalid parameters or an unknown backbone.

    Examples
    --------
    >>> pinn = PINN(backbone_params={"features": [4], "bottleneck": 8}).eval()
    >>> tuple(pinn(torch.zeros(1, 1, 21, 35)).shape)
    (1, 1, 21, 35)
    """

    def __init__(self, **params: Any) -> None:
        super().__init__()
        self.config = validate_config(PINNConfig, params, what="PINN")
        self.backbone = build_backbone(self.config.backbone, **self.config.backbone_params)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruct `x` with the backbone."""
        return self.backbone(x)

    def loss(
        self,
        inputs: torch.Tensor,
        target: torch.Tensor,
        *,
        weight: torch.Tensor | None = None,
        sampling: Sampling | None = None,
    ) -> LossOutput:
        """Mean squared data error + ``physics_weight`` x the physics loss of the output.

        Parameters
        ----------
        inputs, target : torch.Tensor
            ``(N, in_channels, H, W)`` and ``(N, out_channels, H, W)``: H traces by W
            time samples.
        weight : torch.Tensor, optional
            Weights of the data error.
        sampling : Sampling
            Trace spacing and sample interval of the patches (required).

        Returns
        -------
        LossOutput
            Parts ``data`` and ``physics`` (unweighted).

        Raises
        ------
        ConfigError
            If `sampling` is missing.
        """
        if sampling is None:
            raise ConfigError(
                "the pinn loss needs the patches' sampling: pass sampling="
                "Sampling.from_dataarray(da) (or Sampling.from_quantities('12.5 m', '4 ms'))."
            )
        prediction = self(inputs)
        data = reconstruction_loss(prediction, target, weight=weight)
        physics = physics_loss(prediction, sampling, self.config.physics)
        total = data + self.config.physics_weight * physics
        return LossOutput(total, {"data": data, "physics": physics}, prediction)
