r"""Acoustic physics losses for data recorded along a line, in physical units.

A patch ``u(x, t)`` holds traces at spacing ``dx`` (metres) sampled every ``dt``
(seconds); :class:`~promethium.models.networks.sampling.Sampling` reads both from
coordinates with their units. The
acoustic wave equation confines what such data may contain (derivation in
``docs/physics.md``):

- :func:`fk_cone_fraction`: plane waves ``exp(i(k x - w t))`` obey
  ``k_x^2 + k_z^2 = w^2 / v^2``, so along the line ``|k_x| <= |f| / v``. With
  ``v >= min_velocity`` everywhere, recorded energy lies inside the cone
  ``|k| <= |f| / min_velocity``; the loss is the fraction of energy outside it.
- :func:`plane_wave_residual`: locally the data are a plane wave
  ``u(x, t) = g(t - s x)`` solving the one-way wave equation
  ``du/dx + s du/dt = 0`` with slowness ``|s| <= 1 / min_velocity``; the loss is the
  residual energy with ``s`` estimated in a window and clipped to that bound.

Both are dimensionless, scale-invariant (an amplitude factor cancels), differentiable,
and the same whatever units the coordinates are given in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from promethium.errors import ConfigError
from promethium.models.networks.configs import PhysicsConfig, validate_config
from promethium.models.networks.sampling import Sampling

__all__ = ["fk_cone_fraction", "physics_loss", "plane_wave_residual"]

_DEFAULTS = {name: field.default for name, field in PhysicsConfig.model_fields.items()}


def _panels(u: torch.Tensor, min_size: int) -> torch.Tensor:
    """``(..., H, W)`` -> ``(P, H, W)`` in at least float32; checks the size."""
    if u.ndim < 2 or u.shape[-2] < min_size or u.shape[-1] < min_size:
        raise ConfigError(
            f"the physics loss needs (..., traces, samples) with at least {min_size} of "
            f"each; got shape {tuple(u.shape)}."
        )
    if u.dtype in (torch.float16, torch.bfloat16):
        u = u.float()
    return u.reshape(-1, *u.shape[-2:])


def _cone_weights(
    shape: tuple[int, int], sampling: Sampling, velocity: float, taper: float
) -> tuple[np.ndarray, np.ndarray]:
    """Weight of each (k, f) bin of ``rfft2``: 0 inside the cone, 1 outside, cosine between.

    The cone is widened by the resolution of the Hann-windowed patch (two bins in k
    and in f, its main lobe), and the second array is the one-sided spectrum's fold
    (2 for ``0 < f < Nyquist``), so the energies obey Parseval.
    """
    n_traces, n_samples = shape
    dk = 1.0 / (n_traces * sampling.trace_spacing_m)
    df = 1.0 / (n_samples * sampling.sample_interval_s)
    k = np.abs(np.fft.fftfreq(n_traces, d=sampling.trace_spacing_m))[:, None]
    f = np.fft.rfftfreq(n_samples, d=sampling.sample_interval_s)[None, :]
    edge = (f + 2.0 * df) / velocity + 2.0 * dk
    weight = np.sin(0.5 * np.pi * np.clip((k - edge) / (taper * edge), 0.0, 1.0)) ** 2
    fold = np.full(f.shape, 2.0)
    fold[:, 0] = 1.0
    if n_samples % 2 == 0:
        fold[:, -1] = 1.0
    return weight, np.broadcast_to(fold, weight.shape)


def fk_cone_fraction(
    u: torch.Tensor,
    sampling: Sampling,
    *,
    min_velocity: float = _DEFAULTS["min_velocity"],
    cone_taper: float = _DEFAULTS["cone_taper"],
) -> torch.Tensor:
    r"""Fraction of the f-k energy of `u` outside the acoustic cone, averaged over panels.

    Parameters
    ----------
    u : torch.Tensor
        ``(..., H, W)``: H traces at ``sampling.trace_spacing_m``, W samples at
        ``sampling.sample_interval_s``.
    sampling : Sampling
        The patch's sampling in SI units.
    min_velocity : float, optional
        Slowest apparent velocity (m/s) of recorded waves.
    cone_taper : float, optional
        Relative width of the cosine transition of the weight from 0 at the cone's
        edge to 1 outside it.

    Returns
    -------
    torch.Tensor
        A scalar in [0, 1]: 0 when all energy is inside the cone.

    Notes
    -----
    With :math:`U = \mathrm{FFT}_{x,t}(w\,u)` (:math:`w` a 2-D Hann window) and
    weights :math:`c(k, f)`, 0 inside the cone widened by the patch's resolution,
    :math:`|k| \le (|f| + 2\Delta f)/v_{min} + 2\Delta k` with
    :math:`\Delta k = 1/(H\,dx)`, :math:`\Delta f = 1/(W\,dt)`, the loss is
    :math:`\sum c |U|^2 / \sum |U|^2`.

    Examples
    --------
    >>> noise = torch.randn(1, 1, 32, 64, generator=torch.Generator().manual_seed(0))
    >>> loss = fk_cone_fraction(noise, Sampling(10.0, 0.004))
    >>> round(float(loss), 2)
    0.1
    """
    panels = _panels(u, 2)
    shape = (int(panels.shape[-2]), int(panels.shape[-1]))
    window = np.outer(np.hanning(shape[0] + 2)[1:-1], np.hanning(shape[1] + 2)[1:-1])
    weight, fold = _cone_weights(shape, sampling, float(min_velocity), float(cone_taper))
    energy = torch.fft.rfft2(panels * _like(window, panels)).abs().square() * _like(fold, panels)
    outside = (energy * _like(weight, panels)).sum(dim=(-2, -1))
    total = energy.sum(dim=(-2, -1)).clamp_min(torch.finfo(energy.dtype).tiny)
    return (outside / total).mean()


def _like(array: np.ndarray, like: torch.Tensor) -> torch.Tensor:
    """`array` as a tensor of `like`'s real dtype, on its device."""
    return torch.as_tensor(np.ascontiguousarray(array), dtype=like.dtype, device=like.device)


def plane_wave_residual(
    u: torch.Tensor,
    sampling: Sampling,
    *,
    min_velocity: float = _DEFAULTS["min_velocity"],
    slope_window: tuple[int, int] = _DEFAULTS["slope_window"],
) -> torch.Tensor:
    r"""Relative residual of the local one-way wave equation with bounded slopes.

    Parameters
    ----------
    u : torch.Tensor
        ``(..., H, W)`` panels, at least 3 traces by 3 samples.
    sampling : Sampling
        The patch's sampling in SI units.
    min_velocity : float, optional
        Slowest apparent velocity (m/s): slopes are clipped to ``1 / min_velocity``.
    slope_window : tuple of int, optional
        Odd window (traces, samples) over which the local slope is estimated.

    Returns
    -------
    torch.Tensor
        A scalar, near 0 when `u` is locally a plane wave of admissible slope.

    Notes
    -----
    With central differences :math:`u_x, u_t` (in SI units), the local slope
    :math:`s = -\langle u_x u_t\rangle / \langle u_t^2\rangle` (window averages),
    clipped to :math:`|s| \le s_{max} = 1/v_{min}`, and :math:`r = u_x + s u_t`:
    :math:`\sum r^2 / \sum (u_x^2 + s_{max}^2 u_t^2)`.

    Examples
    --------
    >>> x, t = torch.meshgrid(torch.arange(16.0) * 10, torch.arange(64.0) * 0.004,
    ...                       indexing="ij")
    >>> wave = torch.sin(2 * torch.pi * 20 * (t - x / 2500))
    >>> float(plane_wave_residual(wave, Sampling(10.0, 0.004))) < 0.01
    True
    """
    panels = _panels(u, 3)
    dx, dt = sampling.trace_spacing_m, sampling.sample_interval_s
    u_x = (panels[:, 2:, 1:-1] - panels[:, :-2, 1:-1]) / (2.0 * dx)
    u_t = (panels[:, 1:-1, 2:] - panels[:, 1:-1, :-2]) / (2.0 * dt)
    window = tuple(int(n) for n in slope_window)
    pad = (window[0] // 2, window[1] // 2)

    def local_mean(field: torch.Tensor) -> torch.Tensor:
        pooled = F.avg_pool2d(field[:, None], window, 1, pad, count_include_pad=False)
        return pooled[:, 0]

    tiny = torch.finfo(panels.dtype).tiny
    s_max = 1.0 / float(min_velocity)
    slope = -local_mean(u_x * u_t) / local_mean(u_t.square()).clamp_min(tiny)
    slope = slope.clamp(-s_max, s_max)
    residual = (u_x + slope * u_t).square().sum(dim=(-2, -1))
    scale = (u_x.square() + (s_max * u_t).square()).sum(dim=(-2, -1)).clamp_min(tiny)
    return (residual / scale).mean()


def physics_loss(
    u: torch.Tensor, sampling: Sampling, config: PhysicsConfig | Mapping[str, Any] | None = None
) -> torch.Tensor:
    """The acoustic physics loss of `u` chosen by `config` (``fk_cone`` by default).

    Parameters
    ----------
    u : torch.Tensor
        ``(..., H, W)`` panels (traces, time samples).
    sampling : Sampling
        Their sampling in SI units.
    config : PhysicsConfig or Mapping, optional
        Keys of :class:`~promethium.models.networks.configs.PhysicsConfig`.

    Returns
    -------
    torch.Tensor
        :func:`fk_cone_fraction` or :func:`plane_wave_residual` of `u`.

    Raises
    ------
    ConfigError
        For an invalid `config` or a patch too small.
    """
    cfg = validate_config(PhysicsConfig, config or {}, what="physics")
    if cfg.constraint == "plane_wave":
        return plane_wave_residual(
            u, sampling, min_velocity=cfg.min_velocity, slope_window=cfg.slope_window
        )
    return fk_cone_fraction(
        u,
        sampling,
        min_velocity=cfg.min_velocity,
        cone_taper=cfg.cone_taper,
    )
