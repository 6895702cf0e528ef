"""Field-like noise and amplitude variation for modelled gathers.

Land and marine recordings carry more than white noise. :func:`add_field_noise`
adds, at a level relative to the RMS of the noise-free gather:

- **band-limited ambient noise** (3 Hz to 80 % of Nyquist, random from trace to
  trace), at the given level;
- **coupling**: a log-normal gain per trace (10 % spread), as receivers couple to the
  ground unequally;
- **noisy traces**: about 3 % of the traces carry 5-10 times more ambient noise;
- **spikes**: about 2 % of the traces carry one spike of 5-20 times the RMS;
- **swell**: in 30 % of the gathers, 3-10 adjacent traces carry low-frequency
  (1-6 Hz) noise of 3-10 times the level.

A level of 0 adds nothing and changes nothing.
"""

from __future__ import annotations

import numpy as np

from promethium.errors import ConfigError

__all__ = ["add_field_noise", "band_limited_noise"]


def band_limited_noise(
    rng: np.random.Generator, shape: tuple[int, int], dt_s: float, low_hz: float, high_hz: float
) -> np.ndarray:
    """Gaussian noise ``(traces, samples)`` band-passed to [low_hz, high_hz], unit RMS.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    shape : tuple of int
        ``(traces, samples)``.
    dt_s : float
        Sample interval in seconds.
    low_hz, high_hz : float
        Pass band; cosine tapers over its first and last 20 %, nothing outside it.

    Returns
    -------
    numpy.ndarray
        float64 noise with RMS 1 (0 if the band is empty).
    """
    n = shape[1]
    white = rng.standard_normal(shape)
    f = np.fft.rfftfreq(n, dt_s)
    taper_width = max(0.2 * (high_hz - low_hz), 1e-9)
    rise = np.clip((f - low_hz) / taper_width, 0.0, 1.0)
    fall = np.clip((high_hz - f) / taper_width, 0.0, 1.0)
    response = np.sin(0.5 * np.pi * rise) ** 2 * np.sin(0.5 * np.pi * fall) ** 2
    noise = np.fft.irfft(np.fft.rfft(white, axis=1) * response, n, axis=1)
    rms = float(np.sqrt(np.mean(noise**2)))
    return noise / rms if rms > 0 else noise


def add_field_noise(
    data: np.ndarray, dt_s: float, level: float, rng: np.random.Generator
) -> np.ndarray:
    """Return `data` ``(traces, samples)`` with field-like noise (see the module docstring).

    Parameters
    ----------
    data : numpy.ndarray
        Noise-free gather; not modified.
    dt_s : float
        Sample interval in seconds.
    level : float
        RMS of the ambient noise relative to the RMS of `data`; 0 returns a copy.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    numpy.ndarray
        float64, same shape.

    Raises
    ------
    ConfigError
        If `level` is negative or not finite.

    Examples
    --------
    >>> data = np.ones((4, 100))
    >>> bool(np.array_equal(add_field_noise(data, 0.004, 0.0, np.random.default_rng(0)), data))
    True
    """
    if not (np.isfinite(level) and level >= 0):
        raise ConfigError(f"noise={level!r} must be a finite number >= 0 (0 turns it off).")
    out = np.array(data, dtype=np.float64)
    if level == 0:
        return out
    n_traces, n_samples = out.shape
    rms = float(np.sqrt(np.mean(out**2))) or 1.0
    nyquist = 0.5 / dt_s
    ambient = band_limited_noise(rng, out.shape, dt_s, 3.0, 0.8 * nyquist)
    strength = np.ones(n_traces)
    noisy = rng.random(n_traces) < 0.03
    strength[noisy] = rng.uniform(5.0, 10.0, int(np.count_nonzero(noisy)))
    coupling = np.exp(rng.normal(0.0, 0.1, n_traces))
    out = out * coupling[:, None] + level * rms * strength[:, None] * ambient
    spiky = np.flatnonzero(rng.random(n_traces) < 0.02)
    if spiky.size:
        where = rng.integers(0, n_samples, spiky.size)
        out[spiky, where] += (
            rms * rng.uniform(5.0, 20.0, spiky.size) * rng.choice([-1, 1], spiky.size)
        )
    if rng.random() < 0.3 and n_traces > 1:
        width = int(rng.integers(3, 11))
        first = int(rng.integers(0, max(n_traces - width, 0) + 1))
        rows = slice(first, first + width)
        swell = band_limited_noise(rng, (out[rows].shape[0], n_samples), dt_s, 1.0, 6.0)
        out[rows] += level * rms * rng.uniform(3.0, 10.0) * swell
    return out
