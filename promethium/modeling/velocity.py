"""Velocity models: a grid of P-wave velocities, and random models by family.

A :class:`VelocityModel` is a regular grid ``(depth, x)`` of velocities in m/s with
square cells. :func:`velocity_model` draws one from a named family
(:data:`FAMILIES`): the geometry is drawn from the seed in metres first and only then
evaluated on the grid, so the same seed gives the same geology at any grid spacing.
Families in :data:`TRAINING_FAMILIES` are what the shipped networks train on; those in
:data:`EVALUATION_FAMILIES` are kept out of training so benchmarks can report quality
on geology the networks never saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from promethium.errors import ConfigError, closest_match
from promethium.modeling.families import GENERATORS, ThinBeds

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "EVALUATION_FAMILIES",
    "FAMILIES",
    "TRAINING_FAMILIES",
    "VelocityModel",
    "velocity_model",
]

#: Every family :func:`velocity_model` knows.
FAMILIES: tuple[str, ...] = tuple(GENERATORS)

#: Families the shipped networks train on.
TRAINING_FAMILIES: tuple[str, ...] = ("layered_faulted",)

#: Families reserved for evaluation: no shipped network trains on them.
EVALUATION_FAMILIES: tuple[str, ...] = tuple(f for f in FAMILIES if f not in TRAINING_FAMILIES)


@dataclass(frozen=True)
class VelocityModel:
    """P-wave velocities on a regular grid of square cells.

    Attributes
    ----------
    values : numpy.ndarray
        ``(nz, nx)`` float32 velocities in m/s; row 0 is the surface (depth 0).
    spacing_m : float
        Cell size in metres, the same in depth and x.
    x0_m : float
        x of column 0, in metres.
    family : str
        The family it was drawn from (``"custom"`` otherwise).
    seed : int or None
        The seed it was drawn with.
    """

    values: np.ndarray
    spacing_m: float
    x0_m: float = 0.0
    family: str = "custom"
    seed: int | None = None

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=np.float32)
        if values.ndim != 2 or min(values.shape) < 1:
            raise ConfigError(
                f"a velocity model is a 2-D (depth, x) array; got shape {values.shape}."
            )
        if not np.all(np.isfinite(values)) or np.any(values <= 0):
            raise ConfigError("velocities must be finite and positive (m/s).")
        if not (np.isfinite(self.spacing_m) and self.spacing_m > 0):
            raise ConfigError(f"spacing_m must be positive; got {self.spacing_m!r}.")
        object.__setattr__(self, "values", values)

    @classmethod
    def constant(
        cls, velocity: float, *, nz: int, nx: int, spacing_m: float, x0_m: float = 0.0
    ) -> VelocityModel:
        """A homogeneous model of `velocity` m/s and ``(nz, nx)`` cells.

        Examples
        --------
        >>> VelocityModel.constant(2000.0, nz=3, nx=4, spacing_m=10.0).shape
        (3, 4)
        """
        return cls(np.full((nz, nx), velocity, dtype=np.float32), spacing_m, x0_m)

    @property
    def shape(self) -> tuple[int, int]:
        """``(nz, nx)``."""
        return (int(self.values.shape[0]), int(self.values.shape[1]))

    @property
    def x_m(self) -> np.ndarray:
        """The x of each column, in metres."""
        return self.x0_m + self.spacing_m * np.arange(self.shape[1], dtype=np.float64)

    @property
    def z_m(self) -> np.ndarray:
        """Depth of each row, in metres."""
        return self.spacing_m * np.arange(self.shape[0], dtype=np.float64)

    @property
    def vmin(self) -> float:
        """Slowest velocity, m/s."""
        return float(self.values.min())

    @property
    def vmax(self) -> float:
        """Fastest velocity, m/s."""
        return float(self.values.max())

    def to_dataarray(self) -> xr.DataArray:
        """The model as a DataArray ``(depth, x)`` with units, for plots and storage."""
        import xarray as xr

        return xr.DataArray(
            self.values,
            dims=("depth", "x"),
            coords={
                "depth": ("depth", self.z_m, {"units": "m"}),
                "x": ("x", self.x_m, {"units": "m"}),
            },
            name="velocity",
            attrs={
                "units": "m/s",
                "family": self.family,
                "seed": -1 if self.seed is None else self.seed,
            },
        )


def velocity_model(
    family: str = "layered_faulted",
    *,
    nz: int,
    nx: int,
    spacing_m: float,
    x0_m: float = 0.0,
    seed: int = 0,
    thin_beds: bool = False,
) -> VelocityModel:
    """Draw a random velocity model of a named family.

    Parameters
    ----------
    family : str
        ``"layered_faulted"``: a weathering layer over 4-9 dipping, gently curved
        layers (velocity increasing on average, with inversions), cut by up to two
        faults, with small high- or low-velocity diffractors. ``"anticline"``
        (evaluation only): a weathering layer over folded layers draped over a
        high-velocity (salt-like) body in the fold's core.
    nz, nx : int
        Cells in depth and x.
    spacing_m : float
        Cell size in metres.
    x0_m : float
        x of the first column, in metres.
    seed : int
        The same seed gives the same geology (at any grid spacing).
    thin_beds : bool
        Add conformable thin beds (15-60 m, 2-6 % velocity contrasts) inside every
        layer, so reflections are as dense as in field data. They are drawn from a
        generator of their own: the rest of the geology is the same either way.

    Returns
    -------
    VelocityModel
        Velocities between 1500 and 4500 m/s.

    Raises
    ------
    ConfigError
        For an unknown family, naming the known ones.

    Examples
    --------
    >>> model = velocity_model("layered_faulted", nz=50, nx=80, spacing_m=10.0, seed=1)
    >>> model.shape, 1500 <= model.vmin <= model.vmax <= 4500
    ((50, 80), True)
    """
    if family not in GENERATORS:
        raise ConfigError(
            f"unknown velocity-model family {family!r}; known: {', '.join(FAMILIES)}."
            + closest_match(family, FAMILIES)
        )
    if nz < 1 or nx < 1:
        raise ConfigError(f"a velocity model needs nz, nx >= 1; got nz={nz}, nx={nx}.")
    x = x0_m + spacing_m * np.arange(nx, dtype=np.float64)
    z = spacing_m * np.arange(nz, dtype=np.float64)
    beds = ThinBeds(np.random.default_rng([seed, 1])) if thin_beds else None
    values = GENERATORS[family](np.random.default_rng(seed), x, z, beds)
    return VelocityModel(np.clip(values, 1500.0, 4500.0), spacing_m, x0_m, family, seed)
