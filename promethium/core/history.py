"""The processing history of a DataArray: one CF-style string, a line per step.

Each line starts with the UTC time of the step (ISO 8601, to the second), then
``promethium: `` and the step, as in the CF conventions' ``history`` attribute::

    2026-12-01T10:57:22Z promethium: Bandpass(low=5, high=60, order=4)
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["append_history", "history_steps"]

_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ")


def append_history(da: xr.DataArray, entry: str) -> xr.DataArray:
    """Return `da` with `entry` appended as a new line of ``attrs["history"]``.

    The history is one string, a line per step, as in the CF conventions, so it
    survives netCDF, Zarr and SEG-Y textual headers alike.

    Parameters
    ----------
    da : xarray.DataArray
        Any DataArray; not modified.
    entry : str
        The step to record; it is prefixed with the UTC time and ``"promethium: "``.

    Returns
    -------
    xarray.DataArray
        A shallow copy of `da` (data shared) with the new history line.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = append_history(xr.DataArray(np.zeros(2), attrs={"history": "made"}), "gain")
    >>> da.attrs["history"].splitlines()  # doctest: +ELLIPSIS
    ['made', '...Z promethium: gain']
    >>> history_steps(da)
    ['made', 'promethium: gain']
    """
    previous = da.attrs.get("history", "")
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    line = f"{stamp} promethium: {entry}"
    out = da.copy(deep=False)
    out.attrs = {**da.attrs, "history": f"{previous}\n{line}" if previous else line}
    return out


def history_steps(da: xr.DataArray | xr.Dataset | str) -> list[str]:
    r"""The lines of a history without their timestamps: the steps, to compare.

    Parameters
    ----------
    da : xarray.DataArray, xarray.Dataset or str
        An object with ``attrs["history"]``, or a history string.

    Returns
    -------
    list of str
        One entry per line, the leading UTC timestamp (if any) removed.

    Examples
    --------
    >>> history_steps("made\n2026-12-01T10:57:22Z promethium: gain")
    ['made', 'promethium: gain']
    """
    text = da if isinstance(da, str) else str(da.attrs.get("history", ""))
    return [_STAMP.sub("", line) for line in text.splitlines()]
