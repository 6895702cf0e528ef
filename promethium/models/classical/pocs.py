r"""Windowed 2-D Fourier POCS: projection onto convex sets with a decreasing threshold.

Each window (a patch of the shared patch grid) is reconstructed by iterating

.. math:: x_{k+1} = M d + (1 - M)\, F^{-1} T_k F x_k

where :math:`M` is the live-trace mask, :math:`d` the observed window, :math:`F` the
2-D FFT (of the zero-padded window) and :math:`T_k` keeps the Fourier coefficients above
a threshold decreasing from ``p_max * max|c|`` to ``p_min * max|c|``. Windows overlap
and are blended with Hann weights by :func:`promethium.ml.engine.predict_patches`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.errors import ConfigError, PromethiumWarning

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["POCS", "POCSPredictor", "pocs_windows", "threshold_schedule"]

_SCHEDULES = ("exponential", "linear")
_THRESHOLDING = ("hard", "soft")


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
) -> np.ndarray:
    """Reconstruct a batch of windows by 2-D Fourier POCS.

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

    Returns
    -------
    numpy.ndarray
        ``(B, n_traces, n_samples)`` float32, live traces equal to the input. A window
        with no missing trace is returned as it is, without iterating.

    Examples
    --------
    >>> t = np.arange(32)
    >>> w = np.sin(0.3 * (t[None, :] - 0.5 * t[:, None]))[None]
    >>> live = np.ones((1, 32), bool); live[0, ::3] = False
    >>> out = pocs_windows(w * live[..., None], live, n_iter=30)
    >>> bool(np.abs(out - w)[0, ~live[0]].mean() < 0.2)
    True
    """
    complete = np.asarray(live, dtype=bool).all(axis=1)
    if complete.any():  # nothing to fill: the window is its own reconstruction
        out = np.asarray(windows, dtype=np.float32).copy()
        todo = ~complete
        if todo.any():
            out[todo] = pocs_windows(
                np.asarray(windows)[todo], np.asarray(live)[todo], n_iter=n_iter,
                p_max=p_max, p_min=p_min, schedule=schedule, thresholding=thresholding,
                pad=pad,
            )  # fmt: skip
        return out
    w = np.asarray(windows, dtype=np.float64)
    b, nt, nv = w.shape
    pt, pv = nt + round(pad * nt), nv + round(pad * nv)
    mask = np.zeros((b, pt, pv), dtype=bool)
    mask[:, :nt, :nv] = np.asarray(live, dtype=bool)[:, :, None]
    obs = np.zeros((b, pt, pv))
    obs[:, :nt, :nv] = np.where(mask[:, :nt, :nv], w, 0.0)
    spectrum = np.fft.rfft2(obs)
    peak = np.abs(spectrum).max(axis=(1, 2), keepdims=True)
    x = obs
    for p in threshold_schedule(n_iter, p_max, p_min, schedule):
        amp = np.abs(spectrum)
        tau = p * peak
        if thresholding == "hard":
            spectrum = np.where(amp > tau, spectrum, 0.0)
        else:
            spectrum = spectrum * np.maximum(1.0 - tau / np.maximum(amp, 1e-30), 0.0)
        x = np.where(mask, obs, np.fft.irfft2(spectrum, s=(pt, pv)))
        spectrum = np.fft.rfft2(x)
    return x[:, :nt, :nv].astype(np.float32)


class POCSPredictor:
    """Picklable patch predictor for the patch engine: POCS on each window of a batch.

    Called with a ``(B, 2, n_traces, n_samples)`` float32 batch (channel 0: normalized
    data with missing traces zero; channel 1: live mask, 1 live / 0 missing) and
    returning the ``(B, n_traces, n_samples)`` reconstruction.

    Parameters
    ----------
    n_iter, p_max, p_min, schedule, thresholding, pad
        As in :func:`pocs_windows`.
    """

    def __init__(
        self,
        n_iter: int,
        p_max: float,
        p_min: float,
        schedule: str,
        thresholding: str,
        pad: float,
    ) -> None:
        self.n_iter = n_iter
        self.p_max = p_max
        self.p_min = p_min
        self.schedule = schedule
        self.thresholding = thresholding
        self.pad = pad

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        """Reconstruct every window of `batch`."""
        batch = np.asarray(batch)
        return pocs_windows(
            np.where(np.isfinite(batch[:, 0]), batch[:, 0], 0.0),
            batch[:, 1, :, 0] > 0.5,
            n_iter=self.n_iter,
            p_max=self.p_max,
            p_min=self.p_min,
            schedule=self.schedule,
            thresholding=self.thresholding,
            pad=self.pad,
        )

    def __repr__(self) -> str:
        return (
            f"POCSPredictor(n_iter={self.n_iter}, p_max={self.p_max}, p_min={self.p_min}, "
            f"schedule={self.schedule!r}, thresholding={self.thresholding!r}, pad={self.pad})"
        )


_DEFAULTS: dict[str, Any] = {
    "patch_size": 32,
    "overlap": 0.75,
    "n_iter": 50,
    "p_max": 0.99,
    "p_min": 0.001,
    "schedule": "exponential",
    "thresholding": "hard",
    "pad": 0.5,
    "batch_size": 256,
}


class POCS:
    r"""Reconstructor: windowed 2-D Fourier POCS with an exponentially decreasing threshold.

    Parameters
    ----------
    patch_size : int or (int, int)
        Window size in traces and samples, or ``(traces, samples)``: the patches of the
        shared patch grid.
        Small windows keep curved events nearly linear, hence sparse in f-k.
    overlap : float
        Fractional overlap of neighbouring windows, in [0, 1); the windows are
        blended with Hann weights.
    n_iter : int
        POCS iterations per window.
    p_max, p_min : float
        First and last threshold as fractions of the window's largest Fourier
        amplitude, ``1 >= p_max >= p_min > 0``.
    schedule : {"exponential", "linear"}
        Decrease of the threshold from `p_max` to `p_min`.
    thresholding : {"hard", "soft"}
        Hard (default) keeps the coefficients above the threshold as they are; soft
        also shrinks them by the threshold.
    pad : float
        Zero padding before the FFT, as a fraction of the window (avoids wrap-around).
    batch_size : int
        Windows reconstructed together in one vectorized call.

    Notes
    -----
    In each window, with observed data :math:`d`, live mask :math:`M` and threshold
    :math:`\tau_k = p_k \max |F d|`,

    .. math:: x_{k+1} = M d + (1 - M) F^{-1} T_{\tau_k}(F x_k),
       \qquad p_k = p_{max} (p_{min} / p_{max})^{k / (n_{iter} - 1)}.

    Defaults were chosen on synthetic sections and gathers with 40 % random missing
    traces (see ``docs/models-classical.md``). Live traces are kept as observed.

    Examples
    --------
    >>> import promethium as pm
    >>> da = pm.synthetic_section(n_traces=32, n_samples=64)
    >>> holed = pm.apply_trace_mask(da, pm.random_mask(da, 0.3))
    >>> POCS(n_iter=10).reconstruct(holed).shape
    (32, 64)
    """

    def __init__(
        self,
        patch_size: int | tuple[int, int] = _DEFAULTS["patch_size"],
        overlap: float = _DEFAULTS["overlap"],
        n_iter: int = _DEFAULTS["n_iter"],
        p_max: float = _DEFAULTS["p_max"],
        p_min: float = _DEFAULTS["p_min"],
        schedule: str = _DEFAULTS["schedule"],
        thresholding: str = _DEFAULTS["thresholding"],
        pad: float = _DEFAULTS["pad"],
        batch_size: int = _DEFAULTS["batch_size"],
    ) -> None:
        options: dict[str, Any] = {
            "patch_size": patch_size,
            "overlap": overlap,
            "n_iter": n_iter,
            "p_max": p_max,
            "p_min": p_min,
            "schedule": schedule,
            "thresholding": thresholding,
            "pad": pad,
            "batch_size": batch_size,
        }
        _check(**options)
        #: Options of :meth:`reconstruct` with their defaults.
        self.options: Mapping[str, Any] = options

    def reconstruct(self, da: xr.DataArray, **options: Any) -> xr.DataArray:
        """Fill the missing traces of `da` by windowed POCS, lazily on dask input.

        Parameters
        ----------
        da : xarray.DataArray
            Seismic data; missing traces per its ``trace_mask`` (inferred if absent).
        **options
            Any of :attr:`options`, overriding this reconstructor's defaults.

        Returns
        -------
        xarray.DataArray
            Same dims, coords and chunking as `da`; identical whatever the chunking.

        Raises
        ------
        ConfigError
            If an option is unknown or out of range.
        """
        from promethium.ml.engine import predict_patches

        unknown = sorted(set(options) - set(self.options))
        if unknown:
            raise ConfigError(
                f"pocs: unknown option(s) {unknown}; accepted: {sorted(self.options)}."
            )
        opts: dict[str, Any] = {**self.options, **options}
        _check(**opts)
        da = _warn_on_regular_patterns(da)
        predictor = POCSPredictor(
            opts["n_iter"], opts["p_max"], opts["p_min"], opts["schedule"],
            opts["thresholding"], opts["pad"],
        )  # fmt: skip
        out = predict_patches(
            da,
            predictor,
            patch_size=opts["patch_size"],
            overlap=opts["overlap"],
            batch_size=opts["batch_size"],
            normalize=True,
        )
        return out


def _regular_warning(live: np.ndarray) -> np.ndarray:
    """Warn if gathers of the mask block `live` (trace axis last) are regularly decimated."""
    from promethium.core.pattern import missing_pattern

    lines = np.asarray(live, dtype=bool).reshape(-1, live.shape[-1]) if live.size else live
    n_regular = sum(missing_pattern(line) == "regular" for line in lines)
    if n_regular:
        warnings.warn(
            f"pocs: {n_regular} of {len(lines)} gather(s) miss traces at regular intervals "
            "(decimation), which aliases: POCS fills them with near-zero traces. Use "
            "model='linear', or model='auto' to choose per gather.",
            PromethiumWarning,
            stacklevel=2,
        )
    return live


def _warn_on_regular_patterns(da: xr.DataArray) -> xr.DataArray:
    """Warn (now, or when computed if the mask is lazy) about regular decimation."""
    from dask.base import is_dask_collection

    from promethium.core.dims import trace_dims
    from promethium.core.mask import TRACE_MASK, get_trace_mask

    mask = get_trace_mask(da).transpose(*trace_dims(da))
    if not is_dask_collection(mask.data):
        _regular_warning(mask.values)
        return da
    # Lazy: the check rides with the mask, so it runs with the reconstruction.
    lazy = mask.data.rechunk({mask.ndim - 1: -1})
    checked = lazy.map_blocks(_regular_warning, dtype=bool)
    checked = checked.rechunk(mask.data.chunks)
    return da.assign_coords({TRACE_MASK: (mask.dims, checked)})


def _check(
    *,
    patch_size: int | tuple[int, int],
    overlap: float,
    n_iter: int,
    p_max: float,
    p_min: float,
    schedule: str,
    thresholding: str,
    pad: float,
    batch_size: int,
) -> None:
    """Raise ConfigError naming the first POCS option out of range."""
    from promethium.ml.grid import resolve_patch_size

    numbers = {"overlap": overlap, "p_max": p_max, "p_min": p_min, "pad": pad}
    wrong = [f"{k}={v!r}" for k, v in numbers.items() if not _is_real(v)]
    if wrong:
        raise ConfigError(f"POCS options must be numbers; got {', '.join(wrong)}.")
    problems = []

    if min(resolve_patch_size(patch_size)) < 4:
        problems.append(f"patch_size must be at least 4 samples, got {patch_size!r}")
    if not 0.0 <= overlap < 1.0:
        problems.append(f"overlap must be in [0, 1), got {overlap!r}")
    if not isinstance(n_iter, int) or isinstance(n_iter, bool) or n_iter < 1:
        problems.append(f"n_iter must be a positive integer, got {n_iter!r}")
    if not 0.0 < p_min <= p_max <= 1.0:
        problems.append(f"need 0 < p_min <= p_max <= 1, got p_min={p_min!r}, p_max={p_max!r}")
    if schedule not in _SCHEDULES:
        problems.append(f"schedule must be one of {_SCHEDULES}, got {schedule!r}")
    if thresholding not in _THRESHOLDING:
        problems.append(f"thresholding must be one of {_THRESHOLDING}, got {thresholding!r}")
    if not pad >= 0.0:
        problems.append(f"pad must be >= 0, got {pad!r}")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        problems.append(f"batch_size must be a positive integer, got {batch_size!r}")
    if problems:
        raise ConfigError("pocs: " + "; ".join(problems) + ".")


def _is_real(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
