r"""The batched POCS core: every window of a batch iterated together, on CPU or GPU.

All the windows of a batch go through one batched 2-D real FFT per iteration
(``torch.fft.rfft2`` over a ``(B, Pt, Pv)`` stack of zero-padded windows), so no
Python loop runs over windows, only over iterations. The arithmetic is float32
(complex64 spectra): the windows arrive normalized by the RMS of their live samples,
and float32 agrees with a float64 reconstruction to ~1e-4 relative RMS, far below
what the thresholding changes. The threshold schedule is computed once; the
projection ``x = M d + (1 - M) y`` is one multiply-add with a precomputed ``1 - M``
(the observed window is already zero where ``1 - M`` is not); the amplitude and mask
buffers are allocated once per chunk, and the last iteration skips its unused
forward FFT.
On the CPU the batch is cut into chunks of :data:`CPU_CHUNK_WINDOWS` windows, which
keep an iteration's arrays in cache; on CUDA into chunks of :data:`CUDA_CHUNK_WINDOWS`,
which bound the device memory whatever ``batch_size`` is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

__all__ = [
    "CPU_CHUNK_WINDOWS",
    "CUDA_CHUNK_WINDOWS",
    "padded_shape",
    "pocs_windows",
    "threshold_schedule",
]

#: Windows iterated together on the CPU (a 48 x 48 float32 stack of 64 is ~0.6 MB).
CPU_CHUNK_WINDOWS = 64
#: Windows iterated together on CUDA (~0.5 GB of device memory for 48 x 48 windows).
CUDA_CHUNK_WINDOWS = 8192


def threshold_schedule(
    n_iter: int, p_max: float, p_min: float, schedule: str = "exponential"
) -> np.ndarray:
    """Relative thresholds, one per iteration, from `p_max` down to `p_min`.

    Parameters
    ----------
    n_iter : int
        Number of iterations (>= 1).
    p_max, p_min : float
        First and last threshold, as fractions of the largest Fourier amplitude,
        ``1 >= p_max >= p_min > 0``.
    schedule : {"exponential", "linear"}
        Exponential: ``p_max * (p_min / p_max) ** (k / (n_iter - 1))``; linear: evenly
        spaced.

    Returns
    -------
    numpy.ndarray
        `n_iter` thresholds.

    Examples
    --------
    >>> threshold_schedule(3, 0.9, 0.009).round(4).tolist()
    [0.9, 0.09, 0.009]
    """
    if n_iter == 1:
        return np.array([p_min])
    k = np.arange(n_iter) / (n_iter - 1)
    if schedule == "exponential":
        return p_max * (p_min / p_max) ** k
    return p_max + (p_min - p_max) * k


def padded_shape(n_traces: int, n_samples: int, pad: float) -> tuple[int, int]:
    """The FFT shape of a window zero-padded by `pad` (a fraction) along each axis.

    Examples
    --------
    >>> padded_shape(32, 32, 0.5)
    (48, 48)
    """
    return n_traces + round(pad * n_traces), n_samples + round(pad * n_samples)


def pocs_windows(
    windows: np.ndarray,
    live: np.ndarray,
    *,
    n_iter: int = 100,
    p_max: float = 0.99,
    p_min: float = 0.001,
    schedule: str = "exponential",
    thresholding: str = "hard",
    pad: float = 0.5,
    device: str = "cpu",
) -> np.ndarray:
    """Reconstruct a batch of windows by 2-D Fourier POCS, all windows at once.

    Parameters
    ----------
    windows : numpy.ndarray
        ``(B, n_traces, n_samples)`` observed windows (missing traces arbitrary).
    live : numpy.ndarray
        ``(B, n_traces)`` boolean, True where a trace is live.
    n_iter : int
        Iterations.
    p_max, p_min : float
        Threshold range, fractions of the window's largest Fourier amplitude.
    schedule : {"exponential", "linear"}
        How the threshold decreases, see :func:`threshold_schedule`.
    thresholding : {"hard", "soft"}
        Hard keeps coefficients above the threshold unchanged; soft also shrinks them
        by the threshold.
    pad : float
        Zero padding, as a fraction of each window axis, added before the FFT so that
        events do not wrap around; the padding is free to take any value.
    device : str
        A resolved torch device: ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` (see
        :func:`promethium.ml.device.resolve_device`).

    Returns
    -------
    numpy.ndarray
        ``(B, n_traces, n_samples)`` float32, live traces equal to the input (as
        float32). A window with no missing trace is returned as it is, without
        iterating.

    Examples
    --------
    >>> t = np.arange(32)
    >>> w = np.sin(0.3 * (t[None, :] - 0.5 * t[:, None]))[None]
    >>> live = np.ones((1, 32), bool); live[0, ::3] = False
    >>> out = pocs_windows(w * live[..., None], live, n_iter=30)
    >>> bool(np.abs(out - w)[0, ~live[0]].mean() < 0.2)
    True
    """
    import torch

    out = np.array(windows, dtype=np.float32)  # a copy: complete windows as they are
    live = np.asarray(live, dtype=bool)
    todo = np.flatnonzero(~live.all(axis=1))
    if todo.size == 0:
        return out
    levels = threshold_schedule(n_iter, p_max, p_min, schedule).astype(np.float32)
    hard = thresholding == "hard"
    nt, nv = out.shape[1:]
    shape = padded_shape(nt, nv, pad)
    chunk = CPU_CHUNK_WINDOWS if device == "cpu" else CUDA_CHUNK_WINDOWS
    with torch.no_grad():
        for start in range(0, todo.size, chunk):
            rows = todo[start : start + chunk]
            observed, free = _padded(out[rows], live[rows], shape)
            if device == "cpu":
                x = _iterate_cpu(observed, free, levels, hard=hard)
            else:
                tensors = (torch.from_numpy(a).to(device) for a in (observed, free, levels))
                x = _iterate_torch(*tensors, hard=hard).cpu().numpy()
            out[rows] = x[:, :nt, :nv]
    return out


def _padded(
    windows: np.ndarray, live: np.ndarray, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """The zero-padded observed windows ``M d`` and the free mask ``1 - M``, float32."""
    b, nt, nv = windows.shape
    observed = np.zeros((b, *shape), dtype=np.float32)
    observed[:, :nt, :nv] = np.where(live[:, :, None], windows, np.float32(0.0))
    free = np.ones((b, *shape), dtype=np.float32)  # 1 where the iterate is free
    free[:, :nt, :nv] = ~live[:, :, None]
    return observed, free


def _iterate_cpu(
    observed: np.ndarray, free: np.ndarray, levels: np.ndarray, *, hard: bool
) -> np.ndarray:
    """POCS iterations on the CPU: torch's batched FFTs, NumPy's in-place elementwise steps.

    The arrays are shared between the two without copies; NumPy's elementwise kernels
    are the faster of the two on these small float32/complex64 stacks.
    """
    import torch

    shape = observed.shape[1:]
    spectrum = torch.fft.rfft2(torch.from_numpy(observed)).numpy()
    amplitude = np.abs(spectrum)
    scratch = np.empty_like(amplitude)
    keep = np.empty(spectrum.shape, dtype=bool)
    peak = amplitude.max(axis=(1, 2), keepdims=True)  # the largest |c| of each window
    x = observed
    for k, level in enumerate(levels):
        tau = level * peak
        if hard:
            np.greater(amplitude, tau, out=keep)
            np.multiply(spectrum, keep, out=spectrum)
        else:  # shrink by tau: c * max(1 - tau / |c|, 0)
            np.maximum(amplitude, np.float32(1e-30), out=amplitude)
            np.divide(tau, amplitude, out=scratch)
            np.maximum(np.subtract(np.float32(1.0), scratch, out=scratch), 0.0, out=scratch)
            np.multiply(spectrum, scratch, out=spectrum)
        x = torch.fft.irfft2(torch.from_numpy(spectrum), s=shape).numpy()
        np.add(np.multiply(x, free, out=x), observed, out=x)  # x = M d + (1 - M) y, exactly
        if k + 1 < len(levels):
            spectrum = torch.fft.rfft2(torch.from_numpy(x)).numpy()
            np.abs(spectrum, out=amplitude)
    return x


def _iterate_torch(
    observed: torch.Tensor, free: torch.Tensor, levels: torch.Tensor, *, hard: bool
) -> torch.Tensor:
    """POCS iterations in torch on any device (the CUDA path); as :func:`_iterate_cpu`."""
    import torch

    shape = tuple(observed.shape[1:])
    spectrum = torch.fft.rfft2(observed)
    amplitude = spectrum.abs()
    peak = amplitude.amax(dim=(1, 2), keepdim=True)
    zero = torch.zeros((), dtype=spectrum.dtype, device=spectrum.device)
    x = observed
    for k, level in enumerate(levels):
        tau = level * peak
        if hard:
            spectrum = torch.where(amplitude > tau, spectrum, zero)
        else:
            shrink = (1.0 - tau / amplitude.clamp_(min=1e-30)).clamp_(min=0.0)
            spectrum = spectrum * shrink
        x = torch.fft.irfft2(spectrum, s=shape)
        x.mul_(free).add_(observed)  # x = M d + (1 - M) y, exactly
        if k + 1 < len(levels):
            spectrum = torch.fft.rfft2(x)
            amplitude = spectrum.abs()
    return x
