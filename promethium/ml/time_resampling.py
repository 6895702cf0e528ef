"""Resample the time axis for a network and back, band-limited and recorded.

:class:`TimeResampling` takes a survey to the sample interval a network was trained
on and brings the network's output back onto the survey's own time coordinate, with
:class:`promethium.ops.Resample` both ways (polyphase FIR, anti-aliased when
decimating). Dask in, dask out: nothing is computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from dask.base import is_dask_collection

from promethium.core.dims import vertical_dim
from promethium.errors import ConfigError
from promethium.ops.resample import small_ratio

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["RESAMPLING_METHOD", "TimeResampling"]

#: The resampler, as the provenance records it.
RESAMPLING_METHOD = (
    "promethium.ops.Resample: scipy.signal.resample_poly, zero-phase FIR low-pass "
    "(kaiser 5.0 window) at the lower Nyquist, both ways"
)


@dataclass(frozen=True)
class TimeResampling:
    """Resample a survey's time axis from `from_ms` to `to_ms` for a network, and back.

    Parameters
    ----------
    from_ms : float
        The survey's sample interval, in milliseconds.
    to_ms : float
        The interval the network runs at, in milliseconds.

    Raises
    ------
    ConfigError
        If the two intervals are not a ratio ``p / q`` of integers with
        ``q <= 1000`` (e.g. 1.3333 ms to 2 ms).

    Examples
    --------
    >>> import promethium as pm
    >>> da = pm.synthetic_gather(n_traces=4, n_samples=64, dt_ms=1.0)
    >>> resampling = TimeResampling(1.0, 2.0)
    >>> coarse = resampling.to_network(da)
    >>> coarse.sizes["time"], float(coarse.time[1])
    (32, 2.0)
    >>> back = resampling.to_survey(coarse, da)
    >>> bool((back.time == da.time).all()), back.dtype == da.dtype
    (True, True)
    """

    from_ms: float
    to_ms: float

    def __post_init__(self) -> None:
        if small_ratio(self.from_ms / self.to_ms) is None:
            raise ConfigError(
                f"resample_time='trained' cannot resample {self.from_ms:g} ms to "
                f"{self.to_ms:g} ms: the ratio of the two intervals is not a fraction of "
                "small integers. Resample the survey yourself first, e.g. "
                f"pm.ops.Resample('{self.to_ms:g} ms')(da) after checking its spectrum, or "
                "leave resample_time='off'."
            )

    @property
    def ratio(self) -> tuple[int, int]:
        """``(up, down)``: the survey's samples are upsampled by `up`, decimated by `down`."""
        ratio = small_ratio(self.from_ms / self.to_ms)
        assert ratio is not None  # checked when built
        return ratio

    def record(self) -> dict[str, Any]:
        """What the provenance records: from/to interval (ms), the ratio and the method."""
        up, down = self.ratio
        return {
            "from_ms": self.from_ms,
            "to_ms": self.to_ms,
            "up": up,
            "down": down,
            "method": RESAMPLING_METHOD,
        }

    def to_network(self, da: xr.DataArray) -> xr.DataArray:
        """`da` resampled to :attr:`to_ms`, coords without the time axis kept.

        A dask array whose chunks split the time axis is rechunked to whole traces
        first (``Resample`` filters whole traces).
        """
        return self._resample(da, self.to_ms)

    def to_survey(self, out: xr.DataArray, like: xr.DataArray) -> xr.DataArray:
        """The network's output `out` resampled back onto `like`'s time coordinate.

        Returns `like`'s dims, coords and dtype exactly (its samples past the end of
        the resampled trace are cropped), with the data of `out` resampled to
        :attr:`from_ms` and `out`'s attrs.
        """
        back = self._resample(out.transpose(*like.dims), self.from_ms)
        n = like.sizes[vertical_dim(like)]
        data = back.data[..., :n]
        result = like.copy(data=data.astype(like.dtype))
        result.attrs = dict(out.attrs)
        return result

    def _resample(self, da: xr.DataArray, to_ms: float) -> xr.DataArray:
        """`da` resampled to `to_ms` ms; its coords that do not span time are kept."""
        import xarray as xr

        from promethium.ops.resample import Resample

        dim = vertical_dim(da)
        data = da.data
        if is_dask_collection(data) and len(data.chunks[-1]) > 1:
            data = data.rechunk({data.ndim - 1: -1})  # Resample filters whole traces
        # Only the time coordinate goes through Resample (other coords may be dask
        # arrays chunked unlike the data); the others are put back as they were.
        bare = xr.DataArray(data, dims=da.dims, coords={dim: da.coords[dim]}, attrs=da.attrs)
        op = Resample(f"{to_ms!r} ms")
        op.check(bare)
        out = op.apply(bare)
        if np.issubdtype(da.dtype, np.floating):
            out = out.astype(da.dtype)
        kept = {k: v for k, v in da.coords.items() if dim not in v.dims}
        return out.assign_coords(kept).rename(da.name)
