"""Mute: zero the samples above a linear-moveout line t = t0 + |offset| / v."""

from __future__ import annotations

__all__ = ["Mute"]

from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field

from promethium.core.units import convert, unit_of
from promethium.errors import InvalidDataError
from promethium.ops._blocks import coord_arrays
from promethium.ops.base import BlockContext, Operator
from promethium.ops.params import Duration, OperatorParams, Velocity

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

    class Params(OperatorParams):
        """Parameters of :class:`Mute`."""

        velocity: Velocity = Field(
            gt=0, description="Velocity of the mute line.", json_schema_extra={"unit": "m/s"}
        )
        t0: Duration = Field(
            0.0,
            ge=0,
            description="Time of the mute line at zero offset.",
            json_schema_extra={"unit": "s"},
        )
        taper: Duration = Field(
            0.0,
            ge=0,
            description="Length of the cosine ramp below the line; 0 for a hard mute.",
            json_schema_extra={"unit": "s"},
        )
        offset: str = Field("offset", min_length=1, description="Name of the offset coordinate.")

    parameters: Params
    needs_time = True

    def __init__(
        self,
        velocity: float | str | Any,
        t0: float | str | Any = 0.0,
        taper: float | str | Any = 0.0,
        offset: str = "offset",
    ) -> None:
        super().__init__(velocity=velocity, t0=t0, taper=taper, offset=offset)

    def needed_coords(self) -> tuple[str, ...]:
        """The vertical coordinate and the offset coordinate named by `offset`.

        Returns
        -------
        tuple of str
            ``("vertical", offset)``.
        """
        return ("vertical", self.parameters.offset)

    def check(self, da: xr.DataArray) -> None:
        """Refuse data without a time axis or without the offset coordinate.

        Parameters
        ----------
        da : xarray.DataArray
            The data about to be muted.

        Raises
        ------
        InvalidDataError
            If the axis is depth or the offset coordinate is missing.
        UnitError
            If the offset coordinate has no length unit.
        """
        offset = self.parameters.offset
        if offset not in da.coords:
            raise InvalidDataError(
                f"Mute needs the offset coordinate {offset!r}, which the data lack; "
                f"assign it with units, e.g. da.assign_coords(offset=(dims, values, "
                "{'units': 'm'})), or name another with Mute(..., offset='name')."
            )
        super().check(da)
        coord = da.coords[offset]
        what = f"offset coordinate {offset!r}"
        convert(1.0, unit_of(coord, what=what), "m", what=what)

    def apply(self, da: xr.DataArray) -> xr.DataArray:
        """Mute lazily, with the offset coordinate converted to metres for the blocks.

        Returns
        -------
        xarray.DataArray
            The muted data, lazy when `da` is, without a history line.
        """
        from promethium.ops._blocks import map_blocks_of

        offset = self.parameters.offset
        coord = da.coords[offset]
        what = f"offset coordinate {offset!r}"
        metres = convert(np.asarray(coord.values, dtype=np.float64), unit_of(coord, what=what), "m")
        context = self._context(da)
        prepared = da.assign_coords({offset: coord.copy(data=metres)})
        coords = coord_arrays(prepared, self.needed_coords(), context, owner="Mute")
        return map_blocks_of(
            self.transform, da, context, coords, {}, self.output_dtype(da), owner="Mute"
        )

    def transform(self, data: np.ndarray, context: BlockContext) -> np.ndarray:
        """Multiply by the mute weights, from time (s) and offset (m) of the block."""
        p = self.parameters
        t = context.coords["vertical"]
        mute_time = p.t0 + np.abs(context.coords[p.offset]) / p.velocity
        s = t - mute_time
        if p.taper > 0:
            w = np.sin(0.5 * np.pi * np.clip(s / p.taper, 0.0, 1.0)) ** 2
        else:
            w = (s >= 0).astype(np.float64)
        return np.where((s >= 0) & (w > 0), data * w, 0.0)
