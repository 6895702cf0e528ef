r"""The batched POCS core: every window of a batch iterated together, on CPU or GPU.

All the windows of a batch are iterated together, with batched FFTs, so no Python
loop runs over windows, only over iterations. The arithmetic is float32 (complex64
spectra): the windows arrive normalized by the RMS of their live samples, and float32
agrees with a float64 reconstruction to ~1e-4 relative RMS, far below what the
thresholding changes. The threshold schedule is computed once, the buffers are
allocated once per chunk, and the last iteration skips its unused forward FFT.

On the CPU (:func:`_iterate_cpu`) the iterate is kept in the (window, vertical
frequency, trace) domain, between the two halves of the 2-D real FFT: an iteration is
a contiguous complex FFT along the traces, the thresholding, its inverse, and the
projection onto the observed data, which touches only the live traces (the vertical
FFTs of the free ones cancel). Its elementwise steps are NumPy's, in place on the
arrays torch's FFTs write (shared without copies). The batch is cut into chunks of
:data:`CPU_CHUNK_WINDOWS` windows, which keep an iteration's arrays in cache.

On CUDA (:func:`_iterate_torch`) each iteration is one batched ``torch.fft.rfft2``
and its inverse over the ``(B, Pt, Pv)`` stack of zero-padded windows, and the
projection ``x = M d + (1 - M) y`` one multiply-add with a precomputed ``1 - M``; the
batch is cut into chunks of :data:`CUDA_CHUNK_WINDOWS`, which bound the device memory
whatever ``batch_size`` is.
"""

from __future__ import annotations

import contextlib
import threading
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

#: Windows iterated together on the CPU (the arrays of an iteration on 32 windows of
#: 48 x 48 samples, ~0.8 MB, stay in a core's L2 cache).
CPU_CHUNK_WINDOWS = 32
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
    threads = _ONE_TORCH_THREAD if device == "cpu" else contextlib.nullcontext()
    with torch.no_grad(), threads:
        for start in range(0, todo.size, chunk):
            rows = todo[start : start + chunk]
            observed, free = _padded(out[rows], live[rows], shape)
            if device == "cpu":
                x = _iterate_cpu(observed, live[rows], nv, levels, hard=hard)
            else:
                tensors = (torch.from_numpy(a).to(device) for a in (observed, free, levels))
                x = _iterate_torch(*tensors, hard=hard).cpu().numpy()[:, :nt]
            out[rows] = np.where(live[rows][:, :, None], out[rows], x[:, :, :nv])
    return out


class _OneTorchThread:
    """Run torch's CPU operations on one intra-op thread while a CPU kernel runs.

    The kernel's operations are small (a few hundred kB each, thousands per second):
    torch's intra-op threads only synchronize on them, and where the cores are busy
    (dask's own threads, other processes) every operation waits for a descheduled
    thread: 2 intra-op threads on a loaded 2-core machine ran ~10x slower, spending
    ~20x the CPU time, than one. Cores are used by running blocks in parallel (dask)
    instead. torch's thread count is per thread once a thread has used torch, and a
    process-wide default for threads that have not: each kernel call sets its own
    thread's count to 1 and restores it, and the last of concurrent calls restores
    the default the first one found.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._default = 1
        self._saved = threading.local()

    def __enter__(self) -> None:
        import torch

        with self._lock:
            own = torch.get_num_threads()
            if self._active == 0:
                self._default = own
            self._active += 1
            torch.set_num_threads(1)
        self._saved.__dict__.setdefault("counts", []).append(own)

    def __exit__(self, *exc: object) -> None:
        import torch

        own = self._saved.counts.pop()
        with self._lock:
            self._active -= 1
            torch.set_num_threads(self._default if self._active == 0 else own)


#: The limiter every CPU kernel call enters (one per process, as torch's default is).
_ONE_TORCH_THREAD = _OneTorchThread()


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
    observed: np.ndarray, live: np.ndarray, n_samples: int, levels: np.ndarray, *, hard: bool
) -> np.ndarray:
    """POCS iterations on the CPU, in the (window, vertical frequency, trace) domain.

    Parameters
    ----------
    observed : numpy.ndarray
        ``(B, Pt, Pv)`` float32 zero-padded observed windows ``M d``.
    live : numpy.ndarray
        ``(B, n_traces)`` live traces (the data part of the trace axis).
    n_samples : int
        Samples of a window before the padding.
    levels : numpy.ndarray
        float32 relative thresholds, one per iteration.
    hard : bool
        Hard (else soft) thresholding.

    Returns
    -------
    numpy.ndarray
        ``(B, n_traces, Pv)`` float32 iterate on the data traces (live traces are
        to be replaced by the observed data by the caller).

    Notes
    -----
    The 2-D real FFT is a real FFT along the vertical, then a complex FFT along the
    traces. The iterate is kept between the two, as ``W = rfft_v(x)`` laid out
    ``(B, Pv // 2 + 1, Pt)``, so that each iteration is a contiguous complex FFT
    along the traces, the thresholding, its inverse, and the projection. A trace the
    projection leaves free (missing or padding) keeps its inverse as it is: its real
    inverse and forward vertical FFTs cancel, except that the real inverse drops the
    imaginary parts at frequency 0 and Nyquist, which are set to 0 here. Only the live
    traces (about half of a data window, a third of the padded one) change: their
    spectra are gathered, and their first ``n_samples`` become the observed data
    again, ``w -> rfft_v([d, irfft_v(w)[n_samples:]])``.
    """
    import torch

    pt, pv = observed.shape[1:]
    rows = torch.fft.rfft(torch.from_numpy(observed), dim=2)  # (B, Pt, Kv)
    w_t = rows.transpose(1, 2).contiguous()  # (B, Kv, Pt): a trace's spectrum is w[i, :, t]
    w, kv = w_t.numpy(), rows.shape[2]
    spectrum_t = torch.fft.fft(w_t, dim=2)
    spectrum = spectrum_t.numpy()
    amplitude = np.abs(spectrum)
    scratch = np.empty_like(amplitude)
    keep = np.empty(spectrum.shape, dtype=bool)
    peak = amplitude.max(axis=(1, 2), keepdims=True)  # the largest |c| of each window
    window, trace = np.nonzero(live)
    flat = (window * (kv * pt))[:, None] + (np.arange(kv) * pt)[None, :] + trace[:, None]
    observed_samples = torch.from_numpy(observed[window, trace, :n_samples])
    gathered = np.empty(flat.shape, dtype=np.complex64)
    gathered_t = torch.from_numpy(gathered)
    nyquist = pv % 2 == 0 and kv > 1
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
        torch.fft.ifft(spectrum_t, dim=2, out=w_t)
        w[:, 0].imag = 0.0  # what the real inverse FFT keeps of a free trace
        if nyquist:
            w[:, kv - 1].imag = 0.0
        if flat.size:  # live traces: their observed samples back, the padding free
            np.take(w.reshape(-1), flat, out=gathered)
            y = torch.fft.irfft(gathered_t, n=pv, dim=1)
            y[:, :n_samples] = observed_samples
            torch.fft.rfft(y, dim=1, out=gathered_t)
            w.reshape(-1)[flat] = gathered
        if k + 1 < len(levels):
            torch.fft.fft(w_t, dim=2, out=spectrum_t)
            np.abs(spectrum, out=amplitude)
    x = torch.fft.irfft(w_t[:, :, : live.shape[1]].transpose(1, 2), n=pv, dim=2)
    return x.numpy()


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
