"""The geology of each velocity-model family, drawn in metres and evaluated on a grid.

Each generator takes a seeded generator, the x and depth of the grid's columns and
rows (metres) and optional :class:`ThinBeds`, and returns ``(nz, nx)`` velocities.
Every random number is drawn before the grid is looked at (the draws never depend on
its size), so a seed gives the same geology on any grid spanning the same extent.
Positions along x are drawn as fractions of the extent; thicknesses, throws and radii
in metres.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

__all__ = ["GENERATORS", "ThinBeds", "anticline", "layered_faulted"]

Generator = Callable[[np.random.Generator, np.ndarray, np.ndarray, "ThinBeds | None"], np.ndarray]


def _weathering(rng: np.random.Generator) -> tuple[float, float, float, float, float]:
    """Thickness (m), its lateral variation (m) and wavelength (fraction), phase, velocity."""
    return (
        float(rng.uniform(20.0, 70.0)),
        float(rng.uniform(0.0, 12.0)),
        float(rng.uniform(0.3, 1.5)),
        float(rng.uniform(0.0, 2 * np.pi)),
        float(rng.uniform(1500.0, 1800.0)),
    )


def _apply_weathering(
    v: np.ndarray, params: tuple[float, float, float, float, float], u: np.ndarray, z: np.ndarray
) -> np.ndarray:
    thickness, wobble, wavelength, phase, velocity = params
    base = thickness + wobble * np.sin(2 * np.pi * u / wavelength + phase)
    return np.where(z[:, None] < base[None, :], velocity, v)


def _velocities(
    rng: np.random.Generator, n: int, start: tuple[float, float], p_inversion: float
) -> np.ndarray:
    """Layer velocities increasing on average, with occasional inversions."""
    v = [float(rng.uniform(*start))]
    for _ in range(n - 1):
        if rng.random() < p_inversion:
            v.append(v[-1] - float(rng.uniform(100.0, 400.0)))
        else:
            v.append(v[-1] + float(rng.uniform(100.0, 500.0)))
    return np.clip(np.array(v), 1600.0, 4500.0)


class ThinBeds:
    """Thin beds: a blocky relative perturbation of velocity along a depth coordinate.

    400 beds 15-60 m thick with perturbations of N(0, sigma), sigma 2-6 %, drawn once
    from their own generator (so the rest of a model's geology does not change with or
    without them); each layer reads the sequence from its own random start, measured
    down from its top, so the beds follow the layer's top (conformable) and
    reflections are dense, as in well logs.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self.bottoms = np.cumsum(rng.uniform(15.0, 60.0, 400))
        self.values = rng.normal(0.0, float(rng.uniform(0.02, 0.06)), 401)
        self.starts = rng.uniform(0.0, 0.5 * float(self.bottoms[-1]), 32)

    def __call__(self, index: np.ndarray, below_top: np.ndarray) -> np.ndarray:
        """Relative velocity factor of layer `index` at `below_top` metres under its top."""
        beds = np.searchsorted(self.bottoms, self.starts[index % self.starts.size] + below_top)
        return 1.0 + self.values[np.minimum(beds, self.values.size - 1)]


def _layer_velocity(
    tops: np.ndarray,
    v: np.ndarray,
    gradient: np.ndarray,
    z_eff: np.ndarray,
    beds: ThinBeds | None,
) -> np.ndarray:
    """Velocity of a stack of layers whose tops (n_layers, nx) are sorted per column.

    `z_eff` is (nz, nx) (depth, shifted by faults); above the first top is the first
    layer, with its top at depth 0. Each layer has its velocity, a vertical gradient
    and, with `beds`, thin beds.
    """
    index = np.sum(tops[None, :, :] <= z_eff[:, None, :], axis=1)  # 0 .. n_layers
    top = np.concatenate([np.zeros((1, tops.shape[1])), tops], axis=0)
    below_top = np.maximum(z_eff - np.take_along_axis(top, index, axis=0), 0.0)
    values = v[index] + gradient[index] * below_top
    return values if beds is None else values * beds(index, below_top)


def _diffractors(
    rng: np.random.Generator, v: np.ndarray, x: np.ndarray, z: np.ndarray, top_m: float
) -> np.ndarray:
    """Small round bodies faster or slower than their host (point diffractors)."""
    n = int(rng.integers(1, 6))
    u_c = rng.uniform(0.05, 0.95, n)
    depth = max(float(z[-1]), top_m + 100.0)
    z_c = rng.uniform(top_m + 50.0, depth, n)
    radius = rng.uniform(8.0, 30.0, n)
    contrast = np.where(rng.random(n) < 0.5, rng.uniform(0.7, 0.85, n), rng.uniform(1.2, 1.4, n))
    dx = float(z[1] - z[0]) if z.size > 1 else 1.0
    width = float(x[-1] - x[0]) if x.size > 1 else 1.0
    for uc, zc, r, c in zip(u_c, z_c, radius, contrast):
        xc = x[0] + uc * width
        inside = (x[None, :] - xc) ** 2 + (z[:, None] - zc) ** 2 <= max(r, 0.75 * dx) ** 2
        v = np.where(inside, v * c, v)
    return v


def layered_faulted(
    rng: np.random.Generator, x: np.ndarray, z: np.ndarray, beds: ThinBeds | None = None
) -> np.ndarray:
    """Dipping, gently curved layers cut by faults, with diffractors, under weathering.

    4-9 interfaces with dips up to about 6 degrees and curvature of up to 60 m; layer
    velocities from 1800-2400 m/s increasing by 100-500 m/s per layer (20 % of the
    steps an inversion of 100-400 m/s), with a vertical gradient inside each layer
    (and with `beds`, conformable thin beds); 0-2 normal or reverse faults throwing the
    layers 20-250 m; 1-5 diffractors; a 20-70 m weathering layer of 1500-1800 m/s on
    top (its base makes refractions).
    """
    weathering = _weathering(rng)
    n = int(rng.integers(4, 10))
    depth = max(float(z[-1]), 300.0)
    width = max(float(x[-1] - x[0]), 1.0)
    u = (x - x[0]) / width
    reference = np.sort(rng.uniform(weathering[0] + 30.0, depth * 1.1, n))
    slope = rng.normal(0.0, 0.05, n)
    amplitude = rng.uniform(0.0, 60.0, n)
    wavelength = rng.uniform(0.5, 2.0, n)
    phase = rng.uniform(0.0, 2 * np.pi, n)
    v = _velocities(rng, n + 1, (1800.0, 2400.0), 0.2)
    gradient = rng.uniform(0.0, 0.4, n + 1)
    n_faults = int(rng.integers(0, 3))
    fault_u = rng.uniform(0.15, 0.85, n_faults)
    fault_tan = np.tan(np.radians(rng.uniform(-35.0, 35.0, n_faults)))
    throw = rng.uniform(20.0, 250.0, n_faults) * rng.choice([-1.0, 1.0], n_faults)
    tops = (
        reference[:, None]
        + slope[:, None] * (x - x[0])[None, :]
        + amplitude[:, None] * np.sin(2 * np.pi * u[None, :] / wavelength[:, None] + phase[:, None])
    )
    tops = np.sort(tops, axis=0)
    z_eff = np.broadcast_to(z[:, None], (z.size, x.size)).copy()
    for fu, ft, th in zip(fault_u, fault_tan, throw):
        plane = x[0] + fu * width + z[:, None] * ft  # x of the fault at each depth
        z_eff = np.where(x[None, :] > plane, z_eff - th, z_eff)
    values = _layer_velocity(tops, v, gradient, z_eff, beds)
    values = _diffractors(rng, values, x, z, weathering[0])
    return _apply_weathering(values, weathering, u, z)


def anticline(
    rng: np.random.Generator, x: np.ndarray, z: np.ndarray, beds: ThinBeds | None = None
) -> np.ndarray:
    """Layers folded over a high-velocity (salt-like) diapir, under weathering.

    Evaluation family: 5-8 interfaces folded into an anticline (crest at 30-70 % of the
    extent, half-width 20-50 % of it, fold amplitude 150-450 m fading upwards), layer
    velocities 1900-2500 m/s increasing by 150-450 m/s (10 % inversions) (and with
    `beds`, thin beds), pierced by a
    4200-4500 m/s body whose top is at 35-60 % of the depth, widening downwards.
    """
    weathering = _weathering(rng)
    n = int(rng.integers(5, 9))
    depth = max(float(z[-1]), 300.0)
    width = max(float(x[-1] - x[0]), 1.0)
    u = (x - x[0]) / width
    reference = np.sort(rng.uniform(weathering[0] + 60.0, depth * 1.1, n))
    crest = float(rng.uniform(0.3, 0.7))
    half_width = float(rng.uniform(0.2, 0.5))
    fold = float(rng.uniform(150.0, 450.0))
    v = _velocities(rng, n + 1, (1900.0, 2500.0), 0.1)
    gradient = rng.uniform(0.0, 0.3, n + 1)
    salt_v = float(rng.uniform(4200.0, 4500.0))
    salt_top = float(rng.uniform(0.35, 0.6)) * depth
    salt_halfwidth = float(rng.uniform(0.05, 0.12))
    salt_flare = float(rng.uniform(0.0, 0.25))
    bump = np.exp(-(((u - crest) / half_width) ** 2))
    tops = reference[:, None] - fold * (reference[:, None] / (depth * 1.1)) * bump[None, :]
    tops = np.sort(tops, axis=0)
    z_grid = np.broadcast_to(z[:, None], (z.size, x.size))
    values = _layer_velocity(tops, v, gradient, z_grid, beds)
    below = np.maximum(z[:, None] - salt_top, 0.0) / depth
    salt_edge = salt_halfwidth + salt_flare * below
    dome = salt_top + 0.5 * salt_halfwidth * width * ((u[None, :] - crest) / salt_halfwidth) ** 2
    in_salt = (np.abs(u[None, :] - crest) < salt_edge) & (z[:, None] >= dome)
    values = np.where(in_salt, salt_v, values)
    return _apply_weathering(values, weathering, u, z)


#: Family name -> generator.
GENERATORS: Mapping[str, Generator] = {"layered_faulted": layered_faulted, "anticline": anticline}
