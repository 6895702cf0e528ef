"""Mute: zero the samples above a linear-moveout line t = t0 + |offset| / v."""

from __future__ import annotations

__all__ = ["Mute"]

from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core.units import convert, unit_of
from promethium.errors import InvalidDataError
from promethium.ops._params import check_number, in_unit, quantity
from promethium.ops.base import BlockContext, Operator

if TYPE_CHECKING:
    import xarray as xr


class Mute(Operator):
    r"""Top mute: zero everything above :math:`t = t_0 + |x| / v` (first breaks, noise).

    Parameters
    ----------
    velocity : float, str or pint.Quantity
        Mute velocity: m/s as a plain number, or with a unit (``"5000 ft/s"``).
    t0 : float, str or pint.Quantity
        Time of the mute line at zero offset: seconds, or with a unit (``"40 ms"``).
    taper : float, str or pint.Quantity
        Length of a cosine ramp below the mute line (seconds, or with a unit); 0 for
        a hard mute.
    offset : str
        Name of the offset coordinate; its ``units`` (m, ft, ...) are converted.

    Raises
    ------
    ConfigError
        If `velocity` is not positive or `t0`/`taper` is negative.
    InvalidDataError
        When applied, if the data have no time axis or no offset coordinate.
    UnitError
        When applied, if the offset coordinate has no length unit.

    Notes
    -----
    With the mute time :math:`t_m(x) = t_0 + |x| / v` and ramp length :math:`\tau`,

    .. math:: y(t, x) = x(t, x)\, w(t - t_m(x)), \qquad
              w(s) = \begin{cases} 0 & s < 0 \\
              \sin^2\!\big(\tfrac{\pi s}{2\tau}\big) & 0 \le s < \tau \\
              1 & s \ge \tau. \end{cases}

    Examples
    --------
    >>> import promethium as pm
    >>> from promethium.ops import Mute
    >>> out = Mute(2000.0, taper="20 ms")(pm.synthetic_gather(n_traces=8, n_samples=64))
    >>> float(out.isel(offset=-1, time=0))
    0.0
    """

    def __init__(
        self,
        velocity: float | str | Any,
        t0: float | str | Any = 0.0,
        taper: float | str | Any = 0.0,
        offset: str = "offset",
    ) -> None:
        self.velocity = velocity
        self.t0 = t0
        self.taper = taper
        self.offset = offset
        self.coords_needed = ("vertical", offset)
        v = quantity(velocity, "m/s", what="Mute velocity")
        self._velocity = in_unit(v, "m/s", what="Mute velocity")
        check_number(self._velocity, what="Mute velocity (m/s)", minimum=0.0, strict=True)
        self._t0 = in_unit(quantity(t0, "s", what="Mute t0"), "s", what="Mute t0")
        self._taper = in_unit(quantity(taper, "s", what="Mute taper"), "s", what="Mute taper")
        check_number(self._t0, what="Mute t0 (s)", minimum=0.0)
        check_number(self._taper, what="Mute taper (s)", minimum=0.0)

    def _coord_arrays(self, da: xr.DataArray, context: BlockContext) -> dict[str, np.ndarray]:
        if self.offset not in da.coords:
            raise InvalidDataError(
                f"Mute needs the offset coordinate {self.offset!r}, which the data lack; "
                f"assign it with units, e.g. da.assign_coords(offset=(dims, values, "
                "{'units': 'm'})), or name another with Mute(..., offset='name')."
            )
        coord = da.coords[self.offset]
        what = f"offset coordinate {self.offset!r}"
        values = np.asarray(coord.values, dtype=np.float64)
        metres = convert(values, unit_of(coord, what=what), "m", what=what)
        prepared = da.assign_coords({self.offset: coord.copy(data=metres)})
        return super()._coord_arrays(prepared, context)

    def transform(self, data: np.ndarray, context: BlockContext) -> np.ndarray:
        """Multiply by the mute weights, from time (s) and offset (m) of the block.

        Raises
        ------
        InvalidDataError
            If the vertical axis is depth rather than time.
        """
        if context.vertical_unit != "s":
            raise InvalidDataError(
                f"Mute needs a time axis; the data have a depth axis {context.dims[-1]!r}."
            )
        t = context.coords["vertical"]
        mute_time = self._t0 + np.abs(context.coords[self.offset]) / self._velocity
        s = t - mute_time
        if self._taper > 0:
            w = np.sin(0.5 * np.pi * np.clip(s / self._taper, 0.0, 1.0)) ** 2
        else:
            w = (s >= 0).astype(np.float64)
        return np.where((s >= 0) & (w > 0), data * w, 0.0)
