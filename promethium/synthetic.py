"""Synthetic seismic data for training, tests and demos: nothing is downloaded.

Events are Ricker wavelets placed along hyperbolic (shot gathers) or dipping and
curved (stacked sections) traveltime curves, with amplitude and wavelet variation, so
the data have the band-limited, laterally coherent character of field data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["ricker", "synthetic_gather", "synthetic_section", "synthetic_shots"]


def ricker(t: np.ndarray, frequency: float) -> np.ndarray:
    """Ricker wavelet of peak `frequency` (Hz) at times `t` (s), peak at ``t = 0``.

    Parameters
    ----------
    t : numpy.ndarray
        Times in seconds, relative to the wavelet's peak.
    frequency : float
        Peak frequency in hertz.

    Returns
    -------
    numpy.ndarray
        ``(1 - 2 a) exp(-a)`` with ``a = (pi f t)^2``, same shape as `t`; 1 at the peak.

    Examples
    --------
    >>> float(ricker(np.array([0.0]), 25.0)[0])
    1.0
    """
    a = (np.pi * frequency * t) ** 2
    return (1.0 - 2.0 * a) * np.exp(-a)


def _time_axis(n_samples: int, dt_ms: float) -> np.ndarray:
    return np.arange(n_samples, dtype=np.float64) * dt_ms


def _render(
    traveltimes: np.ndarray, amplitudes: np.ndarray, frequencies: np.ndarray, t_s: np.ndarray
) -> np.ndarray:
    """Sum Ricker events: traveltimes/amplitudes (n_events, n_traces) -> (n_traces, n_t)."""
    out = np.zeros((traveltimes.shape[1], t_s.size), dtype=np.float64)
    for tt, amp, f in zip(traveltimes, amplitudes, frequencies):
        out += amp[:, None] * ricker(t_s[None, :] - tt[:, None], f)
    return out


def synthetic_gather(
    n_traces: int = 96,
    n_samples: int = 512,
    dt_ms: float = 4.0,
    *,
    n_events: int = 6,
    offset_spacing_m: float = 25.0,
    noise: float = 0.0,
    seed: int = 0,
) -> xr.DataArray:
    """A shot gather with hyperbolic reflections, dims ``(offset, time)``.

    Parameters
    ----------
    n_traces, n_samples : int
        Number of offsets and of time samples.
    dt_ms : float
        Sample interval in milliseconds.
    n_events : int
        Number of reflections.
    offset_spacing_m : float
        Offset increment in metres; offsets start at one increment.
    noise : float
        Standard deviation of added white noise, relative to the peak amplitude.
    seed : int
        Seed: the same seed gives the same gather.

    Returns
    -------
    xarray.DataArray
        float32 data with ``offset`` (m) and ``time`` (ms) coordinates.

    Examples
    --------
    >>> gather = synthetic_gather(n_traces=8, n_samples=32, seed=1)
    >>> gather.dims, gather.time.attrs["units"]
    (('offset', 'time'), 'ms')
    """
    import xarray as xr

    rng = np.random.default_rng(seed)
    t_ms = _time_axis(n_samples, dt_ms)
    t_max = t_ms[-1] / 1000.0
    offsets = offset_spacing_m * np.arange(1, n_traces + 1, dtype=np.float64)
    t0 = np.sort(rng.uniform(0.08, 0.85, n_events)) * t_max
    velocity = np.sort(rng.uniform(1500.0, 4200.0, n_events))
    traveltimes = np.sqrt(t0[:, None] ** 2 + (offsets[None, :] / velocity[:, None]) ** 2)
    polarity = rng.choice([-1.0, 1.0], n_events)
    decay = np.exp(-offsets[None, :] / (offsets[-1] * rng.uniform(1.5, 4.0, (n_events, 1))))
    amplitudes = polarity[:, None] * rng.uniform(0.4, 1.0, (n_events, 1)) * decay
    frequencies = rng.uniform(15.0, 35.0, n_events)
    data = _render(traveltimes, amplitudes, frequencies, t_ms / 1000.0)
    data += noise * np.abs(data).max() * rng.standard_normal(data.shape)
    return xr.DataArray(
        data.astype(np.float32),
        dims=("offset", "time"),
        coords={
            "offset": ("offset", offsets, {"units": "m"}),
            "time": ("time", t_ms, {"units": "ms"}),
        },
        name="amplitude",
        attrs={"units": "1", "description": "synthetic shot gather"},
    )


def synthetic_section(
    n_traces: int = 128,
    n_samples: int = 256,
    dt_ms: float = 4.0,
    *,
    n_events: int = 8,
    trace_spacing_m: float = 12.5,
    noise: float = 0.0,
    seed: int = 0,
) -> xr.DataArray:
    """A stacked section with dipping and gently curved reflectors, dims ``(cdp, time)``.

    Parameters
    ----------
    n_traces, n_samples : int
        Number of CDPs and of time samples.
    dt_ms : float
        Sample interval in milliseconds.
    n_events : int
        Number of reflectors.
    trace_spacing_m : float
        CDP spacing in metres, giving the ``cdp_x`` coordinate.
    noise : float
        Standard deviation of added white noise, relative to the peak amplitude.
    seed : int
        Seed: the same seed gives the same section.

    Returns
    -------
    xarray.DataArray
        float32 data with ``cdp`` (1-based), ``cdp_x`` (m, along ``cdp``) and ``time``
        (ms) coordinates.

    See Also
    --------
    synthetic_gather : A single pre-stack shot gather.

    Examples
    --------
    >>> section = synthetic_section(n_traces=16, n_samples=64, seed=3)
    >>> section.dims, section.shape, float(section.cdp_x[1])
    (('cdp', 'time'), (16, 64), 25.0)
    """
    import xarray as xr

    rng = np.random.default_rng(seed)
    t_ms = _time_axis(n_samples, dt_ms)
    t_max = t_ms[-1] / 1000.0
    x = np.linspace(0.0, 1.0, n_traces)
    t0 = rng.uniform(0.05, 0.9, n_events)[:, None] * t_max
    dip = rng.uniform(-0.25, 0.25, n_events)[:, None] * t_max
    bend = rng.uniform(-0.1, 0.1, n_events)[:, None] * t_max
    traveltimes = t0 + dip * x[None, :] + bend * np.sin(np.pi * x)[None, :]
    amplitudes = rng.choice([-1.0, 1.0], (n_events, 1)) * rng.uniform(0.3, 1.0, (n_events, 1))
    amplitudes = amplitudes * (1.0 + 0.2 * np.sin(2 * np.pi * rng.uniform(0.5, 2.0) * x))[None]
    frequencies = rng.uniform(18.0, 40.0, n_events)
    data = _render(traveltimes, amplitudes, frequencies, t_ms / 1000.0)
    data += noise * np.abs(data).max() * rng.standard_normal(data.shape)
    cdp = np.arange(1, n_traces + 1)
    return xr.DataArray(
        data.astype(np.float32),
        dims=("cdp", "time"),
        coords={
            "cdp": ("cdp", cdp),
            "cdp_x": ("cdp", cdp * trace_spacing_m, {"units": "m"}),
            "time": ("time", t_ms, {"units": "ms"}),
        },
        name="amplitude",
        attrs={"units": "1", "description": "synthetic stacked section"},
    )


def synthetic_shots(
    n_shots: int = 4,
    n_traces: int = 96,
    n_samples: int = 512,
    dt_ms: float = 4.0,
    *,
    noise: float = 0.0,
    seed: int = 0,
) -> xr.DataArray:
    """Several shot gathers stacked along a ``shot`` batch dim: ``(shot, offset, time)``.

    Shot ``i`` is :func:`synthetic_gather` with seed ``seed + i`` and default events.

    Parameters
    ----------
    n_shots : int
        Number of shot gathers.
    n_traces, n_samples : int
        Number of offsets per shot and of time samples.
    dt_ms : float
        Sample interval in milliseconds.
    noise : float
        Standard deviation of added white noise, relative to each gather's peak.
    seed : int
        Seed of the first shot: the same seed gives the same shots.

    Returns
    -------
    xarray.DataArray
        float32 data with dims ``(shot, offset, time)`` and ``shot`` (1-based),
        ``offset`` (m) and ``time`` (ms) coordinates.

    Examples
    --------
    >>> shots = synthetic_shots(n_shots=2, n_traces=8, n_samples=32)
    >>> shots.dims, shots.shot.values.tolist()
    (('shot', 'offset', 'time'), [1, 2])
    """
    import xarray as xr

    gathers = [
        synthetic_gather(n_traces, n_samples, dt_ms, noise=noise, seed=seed + i)
        for i in range(n_shots)
    ]
    out = xr.concat(gathers, dim="shot")
    out = out.assign_coords(shot=("shot", np.arange(1, n_shots + 1)))
    out.attrs["description"] = "synthetic shot gathers"
    return out
