"""Small torch networks for tests, examples and plugin authors' smoke tests.

Importing this module imports torch; :mod:`promethium` never imports it.
"""

from __future__ import annotations

from typing import cast

import torch
from torch import nn

__all__ = ["CopyChannel", "DropoutNet", "MemoryBound", "MemoryBoundDropout"]


class CopyChannel(nn.Module):
    """A 1x1 convolution that copies channel 0: an identity reconstruction.

    Parameters
    ----------
    in_channels : int, optional
        Channels of the input (data, then mask).
    """

    def __init__(self, in_channels: int = 2) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 1, kernel_size=1)
        with torch.no_grad():
            self.conv.weight.zero_()
            self.conv.weight[0, 0] = 1.0
            cast(torch.Tensor, self.conv.bias).zero_()  # bias=True: never None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return channel 0 of `x` as ``(B, 1, H, W)``."""
        return self.conv(x)


class DropoutNet(nn.Module):
    """A small conv net with dropout, to exercise MC-dropout ensembles.

    Parameters
    ----------
    in_channels : int, optional
        Input channels.
    hidden : int, optional
        Hidden channels.
    p : float, optional
        Dropout probability.
    """

    def __init__(self, in_channels: int = 2, hidden: int = 8, p: float = 0.3) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, hidden, 3, padding=1),
            nn.ReLU(),
            nn.Dropout(p),
            nn.Conv2d(hidden, hidden, 3, padding=1),
            nn.ReLU(),
            nn.Dropout2d(p),
            nn.Conv2d(hidden, 1, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``(B, 1, H, W)``."""
        return self.net(x)


class MemoryBound(CopyChannel):
    """:class:`CopyChannel` that runs out of memory on batches above `max_batch`.

    It raises the ``torch.OutOfMemoryError`` a device raises, so the engine's
    batch back-off can be tested without a GPU.

    Parameters
    ----------
    in_channels : int, optional
        Channels of the input.
    max_batch : int, optional
        Largest batch that "fits"; 0 means not even one patch fits.
    """

    def __init__(self, in_channels: int = 2, max_batch: int = 2) -> None:
        super().__init__(in_channels)
        self.max_batch = max_batch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return channel 0, or raise ``torch.OutOfMemoryError`` on a large batch."""
        if x.shape[0] > self.max_batch:
            raise torch.OutOfMemoryError(f"batch of {x.shape[0]} does not fit")
        return super().forward(x)


class MemoryBoundDropout(DropoutNet):
    """:class:`DropoutNet` that runs out of memory on batches above `max_batch`.

    Parameters
    ----------
    in_channels, hidden, p : int, int, float, optional
        As for :class:`DropoutNet`.
    max_batch : int, optional
        Largest batch that "fits".
    """

    def __init__(
        self, in_channels: int = 2, hidden: int = 8, p: float = 0.3, max_batch: int = 2
    ) -> None:
        super().__init__(in_channels, hidden, p)
        self.max_batch = max_batch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Run the network, or raise ``torch.OutOfMemoryError`` on a large batch."""
        if x.shape[0] > self.max_batch:
            raise torch.OutOfMemoryError(f"batch of {x.shape[0]} does not fit")
        return super().forward(x)
