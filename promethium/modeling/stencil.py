"""The spatial stencil of the acoustic solver and the checks of its discretisation.

The second derivative is the 8th-order centred finite difference
``d2u/dx2 ~ (c0 u_i + sum_k c_k (u_{i-k} + u_{i+k})) / dx^2`` (k = 1..4); time is
stepped with the 2nd-order leapfrog. Two conditions keep the result right:

- **stability (CFL)**: the Courant number ``vmax dt / dx`` must not exceed
  :data:`MAX_COURANT`, ``2 / sqrt(2 * S)`` with ``S`` the largest magnitude of the
  stencil's symbol (``|c0| + 2 sum |c_k|`` at the Nyquist wavenumber) in 2-D;
- **dispersion**: the shortest wavelength ``vmin / fmax`` must span at least
  :data:`MIN_POINTS_PER_WAVELENGTH` grid cells; there the numerical phase velocity is
  within about 2 % of the true one (:func:`phase_velocity_ratio`), and far better at
  the peak frequency.
"""

from __future__ import annotations

import math

import numpy as np

from promethium.errors import ConfigError

__all__ = [
    "COEFFICIENTS",
    "MAX_COURANT",
    "MIN_POINTS_PER_WAVELENGTH",
    "check_discretisation",
    "phase_velocity_ratio",
]

#: 8th-order centred second-derivative weights ``c0, c1, c2, c3, c4``.
COEFFICIENTS: tuple[float, ...] = (-205 / 72, 8 / 5, -1 / 5, 8 / 315, -1 / 560)

#: Half-width of the stencil, in cells.
HALO = len(COEFFICIENTS) - 1

#: The largest magnitude of the 1-D stencil's symbol (at the Nyquist wavenumber).
_SYMBOL_MAX = abs(COEFFICIENTS[0]) + 2 * sum(abs(c) for c in COEFFICIENTS[1:])

#: Stability limit of ``vmax dt / dx`` for the leapfrog scheme in 2-D (about 0.5547).
MAX_COURANT: float = 2.0 / math.sqrt(2.0 * _SYMBOL_MAX)

#: Grid cells per shortest wavelength (``vmin / fmax``) below which dispersion shows.
MIN_POINTS_PER_WAVELENGTH: float = 3.0


def phase_velocity_ratio(points_per_wavelength: float) -> float:
    """Numerical over true phase velocity of the 1-D stencil at a given sampling.

    Parameters
    ----------
    points_per_wavelength : float
        Grid cells per wavelength.

    Returns
    -------
    float
        ``sqrt(symbol(theta)) / theta`` with ``theta = 2 pi / points_per_wavelength``;
        1 is dispersion-free (time stepping error not included).

    Examples
    --------
    >>> round(phase_velocity_ratio(3.0), 3)
    0.978
    """
    theta = 2.0 * math.pi / points_per_wavelength
    k = np.arange(1, len(COEFFICIENTS))
    symbol = -(
        COEFFICIENTS[0] + 2.0 * float(np.sum(np.array(COEFFICIENTS[1:]) * np.cos(k * theta)))
    )
    return math.sqrt(symbol) / theta


def check_discretisation(
    *, vmin: float, vmax: float, spacing_m: float, dt_s: float, max_frequency_hz: float
) -> None:
    """Refuse a grid and time step that would be unstable or dispersive.

    Parameters
    ----------
    vmin, vmax : float
        Slowest and fastest velocity of the model, in m/s.
    spacing_m : float
        Grid cell size, in metres.
    dt_s : float
        Internal time step, in seconds.
    max_frequency_hz : float
        Highest frequency the source carries (2.5 times a Ricker's peak frequency).

    Raises
    ------
    ConfigError
        If ``vmax dt / dx`` exceeds :data:`MAX_COURANT` (naming ``dt`` and the largest
        stable one), or ``vmin / (fmax dx)`` is below
        :data:`MIN_POINTS_PER_WAVELENGTH` (naming the grid spacing and frequency that
        would do).

    Examples
    --------
    >>> check_discretisation(
    ...     vmin=1500, vmax=4500, spacing_m=10, dt_s=0.001, max_frequency_hz=40
    ... )
    >>> check_discretisation(
    ...     vmin=1500, vmax=4500, spacing_m=10, dt_s=0.002, max_frequency_hz=40
    ... )  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    promethium.errors.ConfigError: unstable time step: dt=0.002 s gives a Courant number ...
    """
    courant = vmax * dt_s / spacing_m
    if courant > MAX_COURANT * (1 + 1e-9):
        largest = MAX_COURANT * spacing_m / vmax
        raise ConfigError(
            f"unstable time step: dt={dt_s:g} s gives a Courant number vmax*dt/dx = "
            f"{courant:.3f} > {MAX_COURANT:.4f} (vmax={vmax:g} m/s, dx={spacing_m:g} m); "
            f"use dt <= {largest:.3g} s or a coarser grid."
        )
    points = vmin / (max_frequency_hz * spacing_m)
    if points < MIN_POINTS_PER_WAVELENGTH * (1 - 1e-9):
        finest = vmin / (max_frequency_hz * MIN_POINTS_PER_WAVELENGTH)
        highest = vmin / (spacing_m * MIN_POINTS_PER_WAVELENGTH)
        raise ConfigError(
            f"dispersive grid: the shortest wavelength vmin/fmax = {vmin:g}/{max_frequency_hz:g} "
            f"m spans {points:.2f} cells of dx={spacing_m:g} m, fewer than "
            f"{MIN_POINTS_PER_WAVELENGTH:g}; use a grid spacing <= {finest:.3g} m, or a "
            f"maximum frequency <= {highest:.3g} Hz (a Ricker peak <= {highest / 2.5:.3g} Hz)."
        )
