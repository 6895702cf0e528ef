"""Reconstruction losses and the result every network's ``loss`` method returns."""

from __future__ import annotations

from typing import Literal, NamedTuple

import torch

from promethium.errors import ConfigError

__all__ = ["LossOutput", "reconstruction_loss"]


class LossOutput(NamedTuple):
    """What a network's ``loss`` returns.

    Attributes
    ----------
    total : torch.Tensor
        The scalar to minimise.
    parts : dict of str to torch.Tensor
        Its named terms, unweighted (e.g. ``data``, ``physics``, ``kl``), for logging.
    prediction : torch.Tensor
        The network's output ``(N, C, H, W)`` used in the loss.
    """

    total: torch.Tensor
    parts: dict[str, torch.Tensor]
    prediction: torch.Tensor


def reconstruction_loss(
    prediction: torch.Tensor,
    target: torch.Tensor,
    *,
    norm: Literal["l1", "l2"] = "l2",
    weight: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean absolute (``l1``) or squared (``l2``) error, optionally weighted.

    Parameters
    ----------
    prediction, target : torch.Tensor
        Same shape, ``(N, C, H, W)``.
    norm : {"l2", "l1"}, optional
        Squared or absolute error.
    weight : torch.Tensor, optional
        Non-negative weights broadcastable to `target` (e.g. 1 on missing traces, 0 on
        live ones); the loss is ``sum(w * e) / sum(w)``.

    Returns
    -------
    torch.Tensor
        A scalar.

    Raises
    ------
    ConfigError
        If the shapes differ or `norm` is unknown.

    Examples
    --------
    >>> float(reconstruction_loss(torch.ones(1, 1, 2, 2), torch.zeros(1, 1, 2, 2)))
    1.0
    """
    if prediction.shape != target.shape:
        raise ConfigError(
            f"prediction {tuple(prediction.shape)} and target {tuple(target.shape)} differ "
            "in shape; give a target shaped like the network's output."
        )
    if norm not in ("l1", "l2"):
        raise ConfigError(f"norm must be 'l1' or 'l2'; got {norm!r}.")
    error = (prediction - target).abs() if norm == "l1" else (prediction - target).square()
    if weight is None:
        return error.mean()
    weight = torch.broadcast_to(weight.to(error.dtype), error.shape)
    return (weight * error).sum() / weight.sum().clamp_min(torch.finfo(error.dtype).tiny)
