"""Finite-difference shot gathers as DataArrays, with the conventions of real data.

:func:`fd_shot_gather` models one shot in a random velocity model of a family
(:mod:`promethium.modeling.velocity`) with the acoustic solver
(:mod:`promethium.modeling.acoustic`), adds field-like noise
(:mod:`promethium.modeling.noise`) and returns ``(offset, time)`` data like
:func:`promethium.synthetic.synthetic_gather`: ``offset`` (m) and ``time`` (ms)
coordinates, the receivers' ``receiver_x`` (m), the shot's ``source_x`` (m) and an
all-live ``trace_mask``. :func:`fd_shot_gathers` draws many, varying the sample
interval, trace spacing, spread and source frequency per gather.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np

from promethium.errors import ConfigError
from promethium.modeling.acoustic import RICKER_BANDWIDTH, simulate_shot
from promethium.modeling.noise import add_field_noise
from promethium.modeling.stencil import MIN_POINTS_PER_WAVELENGTH
from promethium.modeling.velocity import velocity_model

if TYPE_CHECKING:
    import xarray as xr
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

__all__ = [
    "GAINS",
    "GATHER_SET_DEFAULTS",
    "SPREADS",
    "GatherSetSettings",
    "draw_gather_parameters",
    "fd_shot_gather",
    "fd_shot_gathers",
    "gather_dataarray",
    "gather_set_settings",
    "iter_fd_shot_gathers",
]

#: Spread geometries: offsets from one trace spacing up (``end-on``), or centred on the
#: shot (``split``).
SPREADS: tuple[str, ...] = ("end-on", "split")

#: Gains :func:`fd_shot_gather` can apply: none, ``t`` or ``t**2``.
GAINS: tuple[str, ...] = ("none", "t", "t2")

#: Lowest velocity any family produces (m/s): it sets the automatic grid spacing.
_VMIN = 1500.0

#: Average velocity assumed to size the model's depth from the record length.
_DEPTH_VELOCITY = 3000.0


def _offsets(n_traces: int, spacing: float, spread: str) -> np.ndarray:
    if spread == "end-on":
        return spacing * np.arange(1, n_traces + 1, dtype=np.float64)
    return spacing * (np.arange(n_traces, dtype=np.float64) - (n_traces - 1) / 2.0)


def _check_choice(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise ConfigError(f"{what}={value!r} is not one of {', '.join(allowed)}.")


def fd_shot_gather(
    family: str = "layered_faulted",
    *,
    seed: int = 0,
    n_traces: int = 128,
    n_samples: int = 512,
    dt_ms: float = 4.0,
    trace_spacing_m: float = 12.5,
    frequency_hz: float = 20.0,
    spread: str = "end-on",
    noise: float = 0.0,
    gain: str = "none",
    grid_spacing_m: float | None = None,
    thin_beds: bool = False,
    device: str = "cpu",
) -> xr.DataArray:
    """Model one shot gather in a random velocity model, dims ``(offset, time)``.

    Parameters
    ----------
    family : str
        Velocity-model family (:data:`~promethium.modeling.velocity.FAMILIES`).
    seed : int
        Seeds the velocity model and the noise: the same arguments give the same gather.
    n_traces, n_samples : int
        Receivers, and samples per trace.
    dt_ms : float
        Output sample interval in milliseconds (the solver steps finer and low-passes
        before decimating).
    trace_spacing_m : float
        Receiver spacing in metres.
    frequency_hz : float
        Peak frequency of the Ricker source; at most 0.8 Nyquist / 2.5 so the output is
        not aliased in time.
    spread : {"end-on", "split"}
        Offsets ``spacing, 2 spacing, ...`` or centred on the shot.
    noise : float
        Field-like noise level relative to the gather's RMS
        (:func:`~promethium.modeling.noise.add_field_noise`); 0 for none.
    gain : {"none", "t", "t2"}
        Multiply each sample by ``t`` or ``t**2`` (``t`` in seconds) after the noise,
        to balance the decay of amplitudes with time; recorded in ``attrs["gain"]``.
        Nothing is applied by default: the data stay raw.
    grid_spacing_m : float, optional
        FD cell size; by default the coarsest that keeps
        :data:`~promethium.modeling.stencil.MIN_POINTS_PER_WAVELENGTH` cells per
        shortest wavelength at 1500 m/s.
    thin_beds : bool
        Thin beds in the velocity model (dense reflections; see
        :func:`~promethium.modeling.velocity.velocity_model`).
    device : str
        torch device for the solver.

    Returns
    -------
    xarray.DataArray
        float32 ``(offset, time)`` with ``offset`` (m), ``time`` (ms), ``receiver_x`` (m),
        scalar ``source_x`` (m) and an all-True ``trace_mask``; ``attrs`` name the
        family, seed, frequency, grid spacing, spread, noise, gain and thin beds (0 or 1).

    Raises
    ------
    ConfigError
        For an unknown family, spread or gain, a frequency too high for `dt_ms`, or
        sizes below 2 traces or samples.

    Examples
    --------
    >>> g = fd_shot_gather(n_traces=16, n_samples=64, dt_ms=4.0, trace_spacing_m=25.0,
    ...                    frequency_hz=12.0, seed=1)
    >>> g.dims, g.offset.attrs["units"], g.attrs["family"]
    (('offset', 'time'), 'm', 'layered_faulted')
    """
    _check_choice(spread, SPREADS, "spread")
    _check_choice(gain, GAINS, "gain")
    if n_traces < 2 or n_samples < 2:
        raise ConfigError(f"need n_traces, n_samples >= 2; got {n_traces}, {n_samples}.")
    if not (dt_ms > 0 and trace_spacing_m > 0 and frequency_hz > 0):
        raise ConfigError("dt_ms, trace_spacing_m and frequency_hz must be positive.")
    dt_s = dt_ms / 1000.0
    highest = 0.8 * 0.5 / dt_s / RICKER_BANDWIDTH
    if frequency_hz > highest:
        raise ConfigError(
            f"frequency_hz={frequency_hz:g} is too high for dt_ms={dt_ms:g}: the wavelet "
            f"would be aliased; use frequency_hz <= {highest:.3g} or a finer dt_ms."
        )
    dx = grid_spacing_m or _VMIN / (MIN_POINTS_PER_WAVELENGTH * RICKER_BANDWIDTH * frequency_hz)
    offsets = _offsets(n_traces, trace_spacing_m, spread)
    span = float(offsets.max() - min(offsets.min(), 0.0))
    margin = 100.0 + 0.1 * span
    x0 = float(min(offsets.min(), 0.0)) - margin
    nx = math.ceil((span + 2 * margin) / dx) + 1
    record_s = dt_s * (n_samples - 1)
    nz = math.ceil(max(record_s * _DEPTH_VELOCITY / 2.0, 200.0) / dx) + 1
    model = velocity_model(
        family, nz=nz, nx=nx, spacing_m=dx, x0_m=x0, seed=seed, thin_beds=thin_beds
    )
    source_x = x0 + dx * round(-x0 / dx)  # the grid column nearest to x = 0
    receiver_x = source_x + offsets
    data = simulate_shot(
        model,
        source_x_m=source_x,
        receiver_x_m=receiver_x,
        frequency_hz=frequency_hz,
        dt_s=dt_s,
        n_samples=n_samples,
        device=device,
    )
    noise_rng = np.random.default_rng([seed, 1])
    values = add_field_noise(data, dt_s, noise, noise_rng)
    t_ms = dt_ms * np.arange(n_samples, dtype=np.float64)
    if gain != "none":
        values = values * (t_ms / 1000.0) ** (1 if gain == "t" else 2)
    attrs: dict[str, Any] = {
        "units": "1",
        "description": "2-D acoustic finite-difference shot gather",
        "family": family,
        "seed": int(seed),
        "frequency_hz": float(frequency_hz),
        "grid_spacing_m": float(dx),
        "spread": spread,
        "noise": float(noise),
        "gain": gain,
        "thin_beds": int(thin_beds),
    }
    return gather_dataarray(values, offsets, float(source_x), dt_ms, attrs)


def gather_dataarray(
    values: np.ndarray, offsets: np.ndarray, source_x: float, dt_ms: float, attrs: dict[str, Any]
) -> xr.DataArray:
    """Wrap ``(offset, time)`` samples as a gather with the library's conventions.

    Parameters
    ----------
    values : numpy.ndarray
        ``(n_offsets, n_samples)`` samples.
    offsets : numpy.ndarray
        Signed offsets in metres (receiver x minus source x).
    source_x : float
        Shot x in metres.
    dt_ms : float
        Sample interval in milliseconds; time starts at 0.
    attrs : dict
        The DataArray's attributes.

    Returns
    -------
    xarray.DataArray
        float32 ``(offset, time)`` with ``offset`` (m), ``time`` (ms), ``receiver_x``
        (m), scalar ``source_x`` (m) and an all-True ``trace_mask``.
    """
    import xarray as xr

    from promethium.core.mask import TRACE_MASK

    n_traces, n_samples = values.shape
    offsets = np.asarray(offsets, dtype=np.float64)
    return xr.DataArray(
        np.asarray(values, dtype=np.float32),
        dims=("offset", "time"),
        coords={
            "offset": ("offset", offsets, {"units": "m"}),
            "time": ("time", dt_ms * np.arange(n_samples, dtype=np.float64), {"units": "ms"}),
            "receiver_x": ("offset", source_x + offsets, {"units": "m"}),
            "source_x": ((), float(source_x), {"units": "m"}),
            TRACE_MASK: ("offset", np.ones(n_traces, dtype=bool)),
        },
        name="amplitude",
        attrs=dict(attrs),
    )


def _as_choices(value: float | Sequence[float], what: str) -> tuple[float, ...]:
    choices = (float(value),) if isinstance(value, (int, float)) else tuple(float(v) for v in value)
    if not choices or any(not (math.isfinite(c) and c > 0) for c in choices):
        raise ConfigError(f"{what} must be a positive number or a non-empty list of them.")
    return choices


def _as_names(value: str | Sequence[str], allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else tuple(value)
    if not names:
        raise ConfigError(f"{what} must be one of {', '.join(allowed)} or a non-empty list.")
    for name in names:
        _check_choice(name, allowed, what)
    return names


def draw_gather_parameters(
    seed: int,
    index: int,
    *,
    dt_ms: float | Sequence[float] = 4.0,
    trace_spacing_m: float | Sequence[float] = 12.5,
    frequency_hz: tuple[float, float] = (12.0, 28.0),
    spread: str | Sequence[str] = SPREADS,
    gain: str | Sequence[str] = "none",
) -> dict[str, Any]:
    """The per-gather choices of gather `index` of a set seeded by `seed`.

    Each gather draws its sample interval, trace spacing, spread and gain from the
    choices,
    its peak frequency uniformly from `frequency_hz` (capped for the drawn interval,
    see :func:`fd_shot_gather`), and its own model seed, from
    ``numpy.random.default_rng([seed, index])``: a gather depends only on ``(seed,
    index)``, never on how many are drawn or in which process.

    Returns
    -------
    dict
        Keyword arguments of :func:`fd_shot_gather`: ``seed``, ``dt_ms``,
        ``trace_spacing_m``, ``frequency_hz``, ``spread``, ``gain``.

    Raises
    ------
    ConfigError
        For empty or invalid choices.

    Examples
    --------
    >>> draw_gather_parameters(0, 3, dt_ms=[2.0, 4.0]) == draw_gather_parameters(
    ...     0, 3, dt_ms=[2.0, 4.0])
    True
    """
    dts = _as_choices(dt_ms, "dt_ms")
    spacings = _as_choices(trace_spacing_m, "trace_spacing_m")
    spreads = _as_names(spread, SPREADS, "spread")
    gains = _as_names(gain, GAINS, "gain")
    low, high = frequency_hz
    if not 0 < low <= high:
        raise ConfigError(
            f"frequency_hz must be a range (low, high), 0 < low <= high; got {frequency_hz}."
        )
    rng = np.random.default_rng([seed, index])
    dt = dts[int(rng.integers(len(dts)))]
    cap = 0.8 * 0.5 / (dt / 1000.0) / RICKER_BANDWIDTH
    return {
        "seed": int(rng.integers(2**31)),
        "dt_ms": dt,
        "trace_spacing_m": spacings[int(rng.integers(len(spacings)))],
        "frequency_hz": float(min(rng.uniform(low, high), cap)),
        "spread": spreads[int(rng.integers(len(spreads)))],
        "gain": gains[int(rng.integers(len(gains)))],
    }


class GatherSetSettings(TypedDict, total=False):
    """The settings that define a set of gathers, as keyword arguments (all optional).

    :func:`fd_shot_gathers`, :func:`iter_fd_shot_gathers` and
    :func:`~promethium.modeling.cache.cached_fd_shot_gathers` take them; the defaults
    are :data:`GATHER_SET_DEFAULTS`, the meanings in :func:`fd_shot_gathers`.
    """

    family: str
    seed: int
    n_traces: int
    n_samples: int
    dt_ms: float | Sequence[float]
    trace_spacing_m: float | Sequence[float]
    frequency_hz: tuple[float, float]
    spread: str | Sequence[str]
    noise: float
    gain: str | Sequence[str]
    thin_beds: bool


#: The defaults of :class:`GatherSetSettings`.
GATHER_SET_DEFAULTS: Mapping[str, Any] = {
    "family": "layered_faulted",
    "seed": 0,
    "n_traces": 128,
    "n_samples": 512,
    "dt_ms": 4.0,
    "trace_spacing_m": 12.5,
    "frequency_hz": (12.0, 28.0),
    "spread": SPREADS,
    "noise": 0.0,
    "gain": "none",
    "thin_beds": False,
}


def gather_set_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Every setting of a set of gathers: the defaults filled in, choices as lists.

    The result is plain JSON and identifies the set: the same settings give the same
    gathers (the on-disk cache keys on it, :func:`~promethium.modeling.cache.cache_key`).

    Parameters
    ----------
    settings : mapping
        Some of the keys of :class:`GatherSetSettings`.

    Returns
    -------
    dict
        All the keys of :class:`GatherSetSettings`; ``frequency_hz``, and choices given
        as sequences, as lists.

    Raises
    ------
    TypeError
        For a key that is not a setting of a gather set.

    Examples
    --------
    >>> gather_set_settings({"dt_ms": (2.0, 4.0)})["dt_ms"], gather_set_settings({})["spread"]
    ([2.0, 4.0], ['end-on', 'split'])
    """
    unknown = sorted(set(settings) - set(GATHER_SET_DEFAULTS))
    if unknown:
        raise TypeError(
            f"unexpected keyword argument {unknown[0]!r}; the settings of a gather set are "
            f"{', '.join(GATHER_SET_DEFAULTS)}."
        )
    full = {**GATHER_SET_DEFAULTS, **settings}
    for name in ("dt_ms", "trace_spacing_m", "spread", "gain"):  # a value or choices
        if not isinstance(full[name], (int, float, str)):
            full[name] = list(full[name])
    full["frequency_hz"] = list(full["frequency_hz"])
    return full


def fd_shot_gathers(
    n: int,
    *,
    first: int = 0,
    workers: int = 1,
    **settings: Unpack[GatherSetSettings],
) -> list[xr.DataArray]:
    """Model `n` shot gathers, each in its own random velocity model.

    Parameters
    ----------
    n : int
        Number of gathers.
    family : str
        Velocity-model family.
    seed : int
        Seeds the set: gather ``i`` depends only on ``(seed, first + i)``
        (:func:`draw_gather_parameters`).
    n_traces, n_samples : int
        Size of every gather.
    dt_ms, trace_spacing_m : float or sequence of float
        A value, or choices drawn per gather.
    frequency_hz : (float, float)
        Range of the source's peak frequency.
    spread : str or sequence of str
        ``"end-on"``, ``"split"``, or choices drawn per gather.
    noise : float
        Field-like noise level (0: none).
    gain : {"none", "t", "t2"} or sequence of them
        Gain applied to every gather (see :func:`fd_shot_gather`), or choices drawn
        per gather.
    thin_beds : bool
        Thin beds in every velocity model (dense reflections).
    first : int
        Index of the first gather (to extend a set).
    workers : int
        Processes modelling in parallel (1: in this process); the result is the same.

    Returns
    -------
    list of xarray.DataArray
        One ``(offset, time)`` gather per index; their sampling may differ.

    See Also
    --------
    iter_fd_shot_gathers : The same gathers, one at a time as they are modelled.

    Examples
    --------
    >>> gathers = fd_shot_gathers(2, n_traces=8, n_samples=48, trace_spacing_m=25.0,
    ...                           frequency_hz=(10.0, 12.0), seed=5)
    >>> [g.sizes["offset"] for g in gathers]
    [8, 8]
    """
    return list(iter_fd_shot_gathers(n, first=first, workers=workers, **settings))


def iter_fd_shot_gathers(
    n: int,
    *,
    first: int = 0,
    workers: int = 1,
    **settings: Unpack[GatherSetSettings],
) -> Iterator[xr.DataArray]:
    """Yield the gathers of :func:`fd_shot_gathers` in order, as they are modelled.

    The arguments are those of :func:`fd_shot_gathers`; every argument is checked
    before the first gather is modelled.

    Raises
    ------
    ConfigError
        For a bad argument (unknown family, spread or gain; empty choices).
    """
    if n < 0 or workers < 1:
        raise ConfigError(f"need n >= 0 and workers >= 1; got n={n}, workers={workers}.")
    from promethium.modeling.velocity import FAMILIES

    full = gather_set_settings(settings)
    if full["family"] not in FAMILIES:  # raises, naming the families
        velocity_model(full["family"], nz=1, nx=1, spacing_m=1.0)
    per_set = {k: full[k] for k in ("family", "n_traces", "n_samples", "noise", "thin_beds")}
    drawn = {k: full[k] for k in ("dt_ms", "trace_spacing_m", "frequency_hz", "spread", "gain")}
    jobs = [
        {**per_set, **draw_gather_parameters(full["seed"], first + i, **drawn)} for i in range(n)
    ]
    if workers == 1 or n <= 1:
        yield from (_model(job) for job in jobs)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, n), mp_context=context) as pool:
        yield from pool.map(_model, jobs)


def _model(job: dict[str, Any]) -> xr.DataArray:
    """Model one gather on one thread (the worker function of the pool)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return fd_shot_gather(**job)
    finally:
        torch.set_num_threads(threads)
