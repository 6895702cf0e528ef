"""2-D constant-density acoustic finite differences: one shot, recorded at the surface.

Solves ``u_tt + sigma u_t = v^2 (u_xx + u_zz) + v^2 delta(x - x_s) s(t)`` with the
8th-order stencil of :mod:`promethium.modeling.stencil` in space and the 2nd-order
leapfrog in time, on torch tensors (one thread of a CPU, or a GPU).

Boundaries
    All four sides absorb: a damping layer of ``absorbing_cells`` cells surrounds the
    model, where ``sigma`` grows quadratically from 0 to
    ``3 vmax ln(1/R) / (2 L)`` (``L`` its thickness, ``R = 1e-3``), the profile of a
    PML without its splitting. The top absorbs too (no free surface), so the data have
    no source or receiver ghosts and no surface multiples: primaries, diffractions,
    refractions and interbed multiples only.

Source and receivers
    A point source at the first row of the model (the surface) fires a Ricker wavelet
    of peak frequency ``f``, filtered by a half derivative so the far field of the 2-D
    (line-source) Green's function has the Ricker's shape and arrives on time
    (the 2-D to 3-D waveform correction; amplitudes still decay as ``1/sqrt(r)``).
    Time zero is the wavelet's peak. Receivers at arbitrary x along the surface read
    the wavefield through a Kaiser-windowed sinc of 8 cells.

Time sampling
    The internal step is the output interval divided by the smallest integer that makes
    the Courant number at most ``courant``; the recording is low-passed (zero phase,
    cosine taper from 60 % to 80 % of the output Nyquist) and then decimated, so the
    output is never aliased.

Cost
    5-12 ns per cell and step on one thread of a free core (about 20 fused passes
    over the grid per step): a 128-trace, 512-sample gather at 4 ms with a 20 Hz
    source (about 108 000 cells stepped 2048 times) takes 1.1-2.6 s.
    ``benchmarks/fd_modeling.py`` measures it; see ``docs/modeling.md``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from promethium.errors import ConfigError
from promethium.modeling.stencil import COEFFICIENTS, HALO, MAX_COURANT, check_discretisation

if TYPE_CHECKING:
    from promethium.modeling.velocity import VelocityModel

__all__ = ["RICKER_BANDWIDTH", "simulate_shot", "source_wavelet"]

#: A Ricker wavelet's highest significant frequency (3 % amplitude), over its peak.
RICKER_BANDWIDTH: float = 2.5

_REFLECTION = 1e-3  # target reflection coefficient of the damping layer
_SOURCE_AREA = 100.0  # m^2: the source's strength, so amplitudes are of order 1


def source_wavelet(frequency_hz: float, dt_s: float, n: int, delay_s: float) -> np.ndarray:
    """The injected wavelet: a Ricker peaking at `delay_s`, half-differentiated.

    Parameters
    ----------
    frequency_hz : float
        Peak frequency of the Ricker wavelet.
    dt_s : float
        Time step.
    n : int
        Number of samples.
    delay_s : float
        Time of the Ricker's peak.

    Returns
    -------
    numpy.ndarray
        float64, of length `n`, peak magnitude 1; the half derivative
        ``(i omega)^(1/2)`` compensates the ``-pi/4`` phase and ``1/sqrt(omega)``
        amplitude of the 2-D Green's function, so recorded arrivals are Ricker-shaped.
    """
    from promethium.synthetic import ricker

    n_fft = 2 * n
    t = np.arange(n_fft) * dt_s
    wavelet = ricker(t - delay_s, frequency_hz)
    omega = 2 * np.pi * np.fft.rfftfreq(n_fft, dt_s)
    spectrum = np.fft.rfft(wavelet) * np.sqrt(1j * omega)
    out = np.fft.irfft(spectrum, n_fft)[:n]
    return out / np.abs(out).max()


def _damping(n_inner: int, cells: int, spacing_m: float, vmax: float) -> np.ndarray:
    """Damping sigma (1/s) along one axis of `n_inner` model cells padded by `cells` each side."""
    sigma = np.zeros(n_inner + 2 * cells)
    if cells == 0:
        return sigma
    peak = 3.0 * vmax * math.log(1.0 / _REFLECTION) / (2.0 * cells * spacing_m)
    depth = np.arange(cells, 0, -1) / cells  # 1 at the outer edge
    sigma[:cells] = peak * depth**2
    sigma[-cells:] = peak * depth[::-1] ** 2
    return sigma


def _sinc_weights(positions: np.ndarray, n_cells: int, half_width: int = 4) -> np.ndarray:
    """(n_positions, n_cells) Kaiser-windowed sinc interpolation from cells to positions.

    `positions` are in cell units. Near the grid's ends the window is cut.
    """
    beta = 6.31  # Hicks (2002), for a half-width of 4 cells
    weights = np.zeros((positions.size, n_cells))
    for row, p in enumerate(positions):
        base = math.floor(p)
        cells = np.arange(base - half_width + 1, base + half_width + 1)
        cells = cells[(cells >= 0) & (cells < n_cells)]
        d = cells - p
        window = np.i0(beta * np.sqrt(np.clip(1.0 - (d / half_width) ** 2, 0.0, None))) / np.i0(
            beta
        )
        weights[row, cells] = np.sinc(d) * window
    return weights


def _lowpass_decimate(record: np.ndarray, factor: int, first: int, n_out: int) -> np.ndarray:
    """Zero-phase low-pass (along axis 0) below the output Nyquist, then decimate."""
    if factor > 1:
        n = record.shape[0]
        n_fft = 1 << math.ceil(math.log2(2 * n))
        f = np.fft.rfftfreq(n_fft, 1.0)  # cycles per internal step
        nyquist_out = 0.5 / factor
        lo, hi = 0.6 * nyquist_out, 0.8 * nyquist_out
        taper = np.clip((hi - f) / (hi - lo), 0.0, 1.0)
        taper = 0.5 - 0.5 * np.cos(np.pi * taper)
        spectrum = np.fft.rfft(record, n_fft, axis=0) * taper[:, None]
        record = np.fft.irfft(spectrum, n_fft, axis=0)[:n]
    return record[first : first + factor * n_out : factor][:n_out]


def _update_coefficients(
    model: VelocityModel, cells: int, gap: int, dt: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``a2, ab, av`` of ``u_next = a2 u - ab u_prev + av lap(u)`` on the padded grid.

    The grid is the model padded by `cells` damping cells on every side and `gap`
    undamped cells between the surface and the top damping layer (edge values), with
    :data:`HALO` zero columns either side (``av = 0`` there, so they stay 0). Arrays
    are ``(rows, columns)`` without the halo rows.
    """
    nz, nx = model.shape
    dx, vmax = model.spacing_m, model.vmax
    velocity = np.pad(
        model.values.astype(np.float64), ((cells + gap, cells), (cells, cells)), "edge"
    )
    damping_z = _damping(0, cells, dx, vmax)
    sigma_z = np.concatenate([damping_z[:cells], np.zeros(gap + nz), damping_z[cells:]])
    sigma = np.maximum(sigma_z[:, None], _damping(nx, cells, dx, vmax)[None, :])
    inv = 1.0 / (1.0 + 0.5 * sigma * dt)
    a2, ab, av = (
        np.pad(a, ((0, 0), (HALO, HALO)))
        for a in (2.0 * inv, (1.0 - 0.5 * sigma * dt) * inv, (velocity * dt / dx) ** 2 * inv)
    )
    return a2, ab, av


def _leapfrog(
    coefficients: tuple[np.ndarray, np.ndarray, np.ndarray],
    surface: tuple[int, int],
    source: int,
    wavelet: np.ndarray,
    nx: int,
    device: str,
) -> np.ndarray:
    """Step the wavefield ``len(wavelet)`` times; return the surface row at each step.

    The wavefield is one flat float32 tensor over ``(rows + 2 HALO, columns)``: a shift
    by ``k`` rows is a shift by ``k * columns`` elements, so each stencil term is one
    fused multiply-add over a contiguous slice.
    """
    import torch

    a2, ab, av = (
        torch.from_numpy(a.ravel()).to(device=device, dtype=torch.float32) for a in coefficients
    )
    rows, width = coefficients[0].shape
    u_prev = torch.zeros((rows + 2 * HALO) * width, device=device, dtype=torch.float32)
    u = torch.zeros_like(u_prev)
    lap = torch.empty(rows * width, device=device, dtype=torch.float32)
    lo, hi = HALO * width, (HALO + rows) * width
    first = surface[0] * width + surface[1]
    src = first + source
    pulse = torch.from_numpy(wavelet).to(device=device, dtype=torch.float32)
    record = torch.empty((len(wavelet), nx), device=device, dtype=torch.float32)
    c = COEFFICIENTS
    for step in range(len(wavelet)):
        record[step] = u[first : first + nx]
        torch.mul(u[lo:hi], c[0] * 2.0, out=lap)
        for k in range(1, HALO + 1):
            s = k * width
            lap.add_(u[lo - s : hi - s], alpha=c[k]).add_(u[lo + s : hi + s], alpha=c[k])
            lap.add_(u[lo - k : hi - k], alpha=c[k]).add_(u[lo + k : hi + k], alpha=c[k])
        u_prev[lo:hi].mul_(ab).neg_().addcmul_(a2, u[lo:hi]).addcmul_(av, lap)
        u_prev[src] += pulse[step]
        u_prev, u = u, u_prev
    return record.cpu().numpy().astype(np.float64)


def simulate_shot(
    model: VelocityModel,
    *,
    source_x_m: float,
    receiver_x_m: np.ndarray,
    frequency_hz: float,
    dt_s: float,
    n_samples: int,
    absorbing_cells: int = 30,
    courant: float = 0.5,
    device: str = "cpu",
    top_gap: int = 16,
) -> np.ndarray:
    """Model one shot gather in `model`: source and receivers at the surface.

    Parameters
    ----------
    model : VelocityModel
        Velocities; row 0 is the surface.
    source_x_m : float
        Shot x, in metres; moved to the nearest grid column.
    receiver_x_m : numpy.ndarray
        Receiver x positions, in metres, inside the model.
    frequency_hz : float
        Peak frequency of the Ricker source.
    dt_s : float
        Output sample interval, in seconds.
    n_samples : int
        Output samples per trace; time zero is the wavelet's peak.
    absorbing_cells : int
        Thickness of the damping layer on each side, in cells.
    courant : float
        Target ``vmax dt / dx`` of the internal step (at most
        :data:`~promethium.modeling.stencil.MAX_COURANT`).
    device : str
        torch device (``"cpu"``, ``"cuda"``).
    top_gap : int
        Undamped cells between the surface and the top damping layer (the model is
        extended upwards by its first row): waves grazing along a damping layer
        travel too fast (0.6 % at 1.5 km with no gap, 0.03 % with 16 cells).

    Returns
    -------
    numpy.ndarray
        ``(n_receivers, n_samples)`` float32 pressure.

    Raises
    ------
    ConfigError
        If the grid is too coarse for the frequency (dispersion), the step unstable,
        ``courant`` out of range, or a receiver or the source outside the model.
    """
    if not 0 < courant <= MAX_COURANT:
        raise ConfigError(
            f"courant={courant!r} must be in (0, {MAX_COURANT:.4f}] (the stability limit)."
        )
    if n_samples < 1 or dt_s <= 0:
        raise ConfigError(f"need n_samples >= 1 and dt_s > 0; got {n_samples}, {dt_s!r}.")
    dx = model.spacing_m
    nx = model.shape[1]
    receivers = (np.asarray(receiver_x_m, dtype=np.float64) - model.x0_m) / dx
    source = round((source_x_m - model.x0_m) / dx)
    if (
        receivers.size == 0
        or receivers.min() < 0
        or receivers.max() > nx - 1
        or not 0 <= source < nx
    ):
        raise ConfigError(
            f"the source and receivers must lie inside the model's x range "
            f"[{model.x0_m:g}, {model.x_m[-1]:g}] m; widen the model."
        )
    steps_per_sample = max(1, math.ceil(model.vmax * dt_s / (courant * dx)))
    dt = dt_s / steps_per_sample
    check_discretisation(
        vmin=model.vmin,
        vmax=model.vmax,
        spacing_m=dx,
        dt_s=dt,
        max_frequency_hz=RICKER_BANDWIDTH * frequency_hz,
    )
    delay_steps = math.ceil(1.5 / frequency_hz / dt)
    n_steps = delay_steps + steps_per_sample * (n_samples - 1) + 1
    wavelet = source_wavelet(frequency_hz, dt, n_steps, delay_steps * dt)

    a2, ab, av = _update_coefficients(model, absorbing_cells, top_gap, dt)
    surface = (HALO + absorbing_cells + top_gap, HALO + absorbing_cells)  # model cell (0, 0)
    record = _leapfrog(
        (a2, ab, av),
        surface,
        source,
        wavelet * float(av[surface[0] - HALO, surface[1] + source]) * _SOURCE_AREA,
        nx,
        device,
    )
    traces = _lowpass_decimate(record, steps_per_sample, delay_steps, n_samples)
    out = _sinc_weights(receivers, nx) @ traces.T
    return out.astype(np.float32)
