"""The processing history of a DataArray: one CF-style string, a line per step."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["append_history"]


def append_history(da: xr.DataArray, entry: str) -> xr.DataArray:
    """Return `da` with `entry` appended as a new line of ``attrs["history"]``.

    The history is one string, a line per step, as in the CF conventions, so it
    survives netCDF, Zarr and SEG-Y textual headers alike.

    Parameters
    ----------
    da : xarray.DataArray
        Any DataArray; not modified.
    entry : str
        The step to record; it is prefixed with ``"promethium: "``.

    Returns
    -------
    xarray.DataArray
        A shallow copy of `da` (data shared) with the new history line.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = append_history(xr.DataArray(np.zeros(2), attrs={"history": "made"}), "gain")
    >>> da.attrs["history"].splitlines()
    ['made', 'promethium: gain']
    """
    previous = da.attrs.get("history", "")
    line = f"promethium: {entry}"
    out = da.copy(deep=False)
    out.attrs = {**da.attrs, "history": f"{previous}\n{line}" if previous else line}
    return out
