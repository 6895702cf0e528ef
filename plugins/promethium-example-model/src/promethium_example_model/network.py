"""The network of ``example-cnn``: four convolutions on (data, live mask).

It maps a batch of normalized patches ``(B, 2, traces, samples)`` -- channel 0 the
data with missing traces zero, channel 1 the live mask -- to ``(B, 1, traces,
samples)``. Kernels are taller along the trace axis, with a dilated middle layer, so
each output sample sees several traces on either side of a gap.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["ExampleCNN"]


class ExampleCNN(nn.Module):
    """A small residual CNN that fills missing traces.

    Parameters
    ----------
    channels : int
        Width of the hidden layers.
    """

    def __init__(self, channels: int = 16) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(2, channels, (5, 5), padding=(2, 2)),
            nn.GELU(),
            nn.Conv2d(channels, channels, (5, 3), padding=(4, 1), dilation=(2, 1)),
            nn.GELU(),
            nn.Conv2d(channels, channels, (5, 3), padding=(4, 1), dilation=(2, 1)),
            nn.GELU(),
            nn.Conv2d(channels, 1, (3, 3), padding=(1, 1)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the input data with the network's values where traces are missing."""
        data, live = x[:, :1], x[:, 1:2]
        return live * data + (1.0 - live) * self.body(x)
