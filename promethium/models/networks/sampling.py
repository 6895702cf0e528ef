"""The sampling of a patch in SI units, read from coordinates with their units.

Physics losses work in metres, seconds and hertz whatever units the data's
coordinates are given in; :class:`Sampling` is where the conversion happens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core.axis import sample_interval
from promethium.core.dims import trace_dim, vertical_dim
from promethium.core.units import convert, is_time_unit, parse_quantity, unit_of
from promethium.errors import ConfigError, InvalidDataError, UnitError
from promethium.ml.trained_sampling import trace_steps

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["Sampling"]


@dataclass(frozen=True)
class Sampling:
    """Trace spacing and sample interval of a patch, in SI units.

    Parameters
    ----------
    trace_spacing_m : float
        Distance between neighbouring traces, in metres.
    sample_interval_s : float
        Time between samples, in seconds.

    Examples
    --------
    >>> Sampling.from_quantities("0.0125 km", "4 ms")
    Sampling(trace_spacing_m=12.5, sample_interval_s=0.004)
    """

    trace_spacing_m: float
    sample_interval_s: float

    def __post_init__(self) -> None:
        for name in ("trace_spacing_m", "sample_interval_s"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ConfigError(f"{name} must be a positive number; got {value!r}.")

    @classmethod
    def from_quantities(cls, trace_spacing: Any, sample_interval: Any) -> Sampling:
        """Build from quantities with units, e.g. ``("25 m", "4 ms")`` or pint Quantities.

        Raises
        ------
        UnitError
            If a value has no unit, an unknown one, or the wrong dimensionality.
        """
        dx = _si(trace_spacing, "m", "trace_spacing")
        dt = _si(sample_interval, "s", "sample_interval")
        return cls(trace_spacing_m=dx, sample_interval_s=dt)

    @classmethod
    def from_dataarray(cls, da: xr.DataArray, coordinate: str | None = None) -> Sampling:
        """Read the sampling of `da`'s (trace, time) panels from its coordinates.

        Parameters
        ----------
        da : xarray.DataArray
            Data with a time axis last and the trace dim before it.
        coordinate : str, optional
            The coordinate along the trace dim giving positions (e.g. ``"cdp_x"``);
            by default they are found as the networks' sampling check finds them
            (:func:`~promethium.ml.trained_sampling.trace_steps`): the trace dim's own
            coordinate, another 1-D coordinate along it with a length unit, else an
            (x, y) pair such as ``cdp_x, cdp_y``.

        Raises
        ------
        UnitError
            If the vertical axis is not time, or no position coordinate with a
            length unit is found.
        InvalidDataError
            If the positions are not regularly spaced.
        """
        vertical = vertical_dim(da)
        if vertical not in da.coords or not is_time_unit(
            unit_of(da.coords[vertical]), what=f"coordinate {vertical!r}"
        ):
            raise UnitError(
                f"the physics loss needs a time axis; {vertical!r} is not in time units. "
                "Depth images are not recorded wavefields."
            )
        steps, name = _trace_steps(da, coordinate)
        step = float(np.median(steps)) if steps.size else 0.0
        if step <= 0 or not np.allclose(steps, step, rtol=1e-6):
            raise InvalidDataError(
                f"the trace positions from {name!r} are not regularly spaced (or there are "
                "fewer than 2 traces); give Sampling(trace_spacing_m=..., sample_interval_s=...)."
            )
        return cls(trace_spacing_m=step, sample_interval_s=sample_interval(da, "s"))


def _si(value: Any, unit: str, what: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise UnitError(f"{what}={value!r} has no unit; give e.g. '12.5 m' or '4 ms'.")
    magnitude, given = parse_quantity(value, unit, what=what)
    return float(convert(magnitude, given, unit, what=what))


def _trace_steps(da: xr.DataArray, coordinate: str | None) -> tuple[np.ndarray, str]:
    """Distances (m) between neighbouring traces, and the coordinate(s) they came from."""
    if coordinate is not None:
        coord = da.coords[coordinate]
        positions = convert(
            np.asarray(coord.values, dtype=np.float64), unit_of(coord), "m", what=coordinate
        )
        return np.abs(np.diff(positions)), coordinate
    dim = trace_dim(da)
    found = trace_steps(da, dim, compute=True)
    if found is None:
        raise UnitError(
            f"no coordinate along {dim!r} gives trace positions with a length unit; assign "
            f"one (e.g. da.assign_coords({dim}_x=('{dim}', x, {{'units': 'm'}}))) or pass "
            "coordinate=..."
        )
    return found.steps_m, found.source
