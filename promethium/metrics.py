"""Quality metrics for reconstruction: SNR (also per trace), SNR improvement, MSE, SSIM, coherence.

Every metric takes a `reference` (the truth) and an `estimate`, as NumPy arrays or
DataArrays of the same shape, and an optional boolean `traces` selecting the traces
to score (e.g. the missing ones, ``~trace_mask``), over every dim but the last.
Dask-backed inputs are computed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from promethium.core.align import align_like
from promethium.errors import InvalidDataError

__all__ = ["coherence", "mse", "snr", "snr_improvement", "ssim", "trace_snr"]

_EPS = np.finfo(np.float64).tiny


def _as_numpy(x: Any, name: str) -> np.ndarray:
    values = getattr(x, "values", x)
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim < 1:
        raise InvalidDataError(f"{name} must be an array of traces; got a scalar.")
    return arr


def _labelled(reference: Any, estimate: Any, traces: Any | None) -> tuple[Any, Any]:
    """Match DataArray inputs to `reference` by dim name and label, not position."""
    import xarray as xr

    if not isinstance(reference, xr.DataArray):
        return estimate, traces
    dims = [str(d) for d in reference.dims]
    if isinstance(estimate, xr.DataArray):
        estimate = align_like(estimate, reference, dims, what="estimate")
    if isinstance(traces, xr.DataArray):
        traces = align_like(traces, reference, dims[:-1], what="traces")
    return estimate, traces


def _pair(reference: Any, estimate: Any, traces: Any | None) -> tuple[np.ndarray, np.ndarray]:
    estimate, traces = _labelled(reference, estimate, traces)
    ref = _as_numpy(reference, "reference")
    est = _as_numpy(estimate, "estimate")
    if ref.shape != est.shape:
        raise InvalidDataError(
            f"reference and estimate must have the same shape; got {ref.shape} and {est.shape}."
        )
    if traces is None:
        return ref.reshape(-1, ref.shape[-1]), est.reshape(-1, est.shape[-1])
    sel = _selection(traces, ref.shape)
    return ref[sel], est[sel]


def _selection(traces: Any, shape: tuple[int, ...]) -> np.ndarray:
    sel = np.asarray(getattr(traces, "values", traces), dtype=bool)
    if sel.shape != shape[:-1]:
        raise InvalidDataError(
            f"traces must be boolean over the trace dims, shape {shape[:-1]}; got {sel.shape}."
        )
    if not sel.any():
        raise InvalidDataError("traces selects no trace; there is nothing to score.")
    return sel


def mse(reference: Any, estimate: Any, traces: Any | None = None) -> float:
    """Mean squared error between `estimate` and `reference`.

    Parameters
    ----------
    reference : array_like or xarray.DataArray
        The true data, traces along every dim but the last.
    estimate : array_like or xarray.DataArray
        The data to score, same shape as `reference`.
    traces : array_like of bool, optional
        Which traces to score, shape ``reference.shape[:-1]`` (e.g. ``~trace_mask``
        for the missing ones). Default: all traces.

    Returns
    -------
    float
        Mean of the squared sample differences over the scored traces.

    Raises
    ------
    InvalidDataError
        If the shapes differ, `traces` has the wrong shape or selects no trace, or an
        input is a scalar.

    Examples
    --------
    >>> mse(np.ones((2, 3)), np.zeros((2, 3)))
    1.0
    """
    ref, est = _pair(reference, estimate, traces)
    return float(np.mean((ref - est) ** 2))


def snr(reference: Any, estimate: Any, traces: Any | None = None) -> float:
    r"""Signal-to-noise ratio of `estimate` against `reference`, in dB.

    Parameters
    ----------
    reference : array_like or xarray.DataArray
        The true data, traces along every dim but the last.
    estimate : array_like or xarray.DataArray
        The data to score, same shape as `reference`.
    traces : array_like of bool, optional
        Which traces to score, shape ``reference.shape[:-1]``. Default: all traces.

    Returns
    -------
    float
        SNR in decibels; ``inf`` when `estimate` equals `reference`.

    Raises
    ------
    InvalidDataError
        If the shapes differ, `traces` has the wrong shape or selects no trace, or an
        input is a scalar.

    Notes
    -----
    .. math:: \mathrm{SNR} = 10 \log_{10} \frac{\sum d^2}{\sum (d - \hat d)^2}

    A perfect estimate gives ``inf``.

    Examples
    --------
    >>> round(snr(np.array([[1.0, 1.0]]), np.array([[1.1, 0.9]])), 3)
    20.0
    """
    ref, est = _pair(reference, estimate, traces)
    error = float(np.sum((ref - est) ** 2))
    signal = float(np.sum(ref**2))
    if error == 0.0:
        return float("inf")
    return float(10.0 * np.log10(max(signal, _EPS) / error))


def snr_improvement(
    reference: Any, degraded: Any, reconstructed: Any, traces: Any | None = None
) -> float:
    """SNR gain in dB of `reconstructed` over `degraded`, both against `reference`.

    With missing traces zero-filled in `degraded`, this is the gain over doing nothing.

    Parameters
    ----------
    reference : array_like or xarray.DataArray
        The true data, traces along every dim but the last.
    degraded : array_like or xarray.DataArray
        The input of the reconstruction (e.g. with missing traces zero-filled).
    reconstructed : array_like or xarray.DataArray
        The output of the reconstruction.
    traces : array_like of bool, optional
        Which traces to score, shape ``reference.shape[:-1]``. Default: all traces.

    Returns
    -------
    float
        ``snr(reference, reconstructed) - snr(reference, degraded)`` in dB.

    Raises
    ------
    InvalidDataError
        If the shapes differ, `traces` has the wrong shape or selects no trace, or an
        input is a scalar.

    Examples
    --------
    >>> ref = np.array([[1.0, -1.0], [1.0, -1.0]])
    >>> degraded = np.array([[1.0, -1.0], [0.0, 0.0]])
    >>> fixed = np.array([[1.0, -1.0], [0.9, -0.9]])
    >>> round(snr_improvement(ref, degraded, fixed), 3)
    20.0
    """
    return snr(reference, reconstructed, traces) - snr(reference, degraded, traces)


def trace_snr(reference: Any, estimate: Any) -> np.ndarray:
    """SNR of each trace of `estimate` against `reference`, in dB.

    Parameters
    ----------
    reference : array_like or xarray.DataArray
        The true data, traces along every dim but the last.
    estimate : array_like or xarray.DataArray
        The data to score, same shape as `reference`.

    Returns
    -------
    numpy.ndarray
        Float64, shape ``reference.shape[:-1]``: :func:`snr` of each trace alone
        (``inf`` where the trace is exact).

    Raises
    ------
    InvalidDataError
        If the shapes differ or an input is a scalar.

    Examples
    --------
    >>> ref = np.array([[1.0, 1.0], [2.0, -2.0]])
    >>> trace_snr(ref, np.array([[1.1, 0.9], [2.0, -2.0]])).round(3).tolist()
    [20.0, inf]
    """
    estimate, _ = _labelled(reference, estimate, None)
    ref = _as_numpy(reference, "reference")
    est = _as_numpy(estimate, "estimate")
    if ref.shape != est.shape:
        raise InvalidDataError(
            f"reference and estimate must have the same shape; got {ref.shape} and {est.shape}."
        )
    error = np.sum((ref - est) ** 2, axis=-1)
    signal = np.maximum(np.sum(ref**2, axis=-1), _EPS)
    with np.errstate(divide="ignore"):
        out = 10.0 * np.log10(signal / np.where(error > 0, error, 1.0))
    return np.where(error > 0, out, np.inf)


def ssim(
    reference: Any,
    estimate: Any,
    *,
    window: int = 7,
    data_range: float | None = None,
    traces: Any | None = None,
) -> float:
    r"""Mean structural similarity of two panels (last two dims), in [-1, 1].

    Uses a uniform `window` x `window` window and the constants of Wang et al.
    (2004), :math:`C_1 = (0.01 L)^2`, :math:`C_2 = (0.03 L)^2`, where `L` is the
    `data_range` (default: the reference's peak-to-peak). Batch dims are averaged.
    With `traces`, the SSIM map (computed over the whole panels, so each window sees
    its neighbours) is averaged over the samples of the selected traces only.

    Parameters
    ----------
    reference : array_like or xarray.DataArray
        The true data, at least 2-D; the last two dims form the panels.
    estimate : array_like or xarray.DataArray
        The data to score, same shape as `reference`.
    window : int, default 7
        Side of the square averaging window, in samples.
    data_range : float, optional
        Dynamic range `L` of the data; defaults to the peak-to-peak of `reference`
        (1.0 if that is zero).
    traces : array_like of bool, optional
        Which traces to average over, shape ``reference.shape[:-1]`` (e.g. the
        missing ones). Default: all traces.

    Returns
    -------
    float
        Mean SSIM over the scored samples and panels; 1.0 for identical inputs.

    Raises
    ------
    InvalidDataError
        If the inputs differ in shape or have fewer than two dims, or `traces` has the
        wrong shape or selects no trace.

    Examples
    --------
    >>> panel = np.sin(np.linspace(0, 6, 160)).reshape(16, 10)
    >>> ssim(panel, panel)
    1.0
    """
    from scipy.ndimage import uniform_filter

    estimate, traces = _labelled(reference, estimate, traces)
    ref = _as_numpy(reference, "reference")
    est = _as_numpy(estimate, "estimate")
    if ref.shape != est.shape or ref.ndim < 2:
        raise InvalidDataError(
            f"ssim needs two panels of the same shape with >= 2 dims; got {ref.shape} "
            f"and {est.shape}."
        )
    span = float(np.ptp(ref)) if data_range is None else float(data_range)
    span = span if span > 0 else 1.0
    c1, c2 = (0.01 * span) ** 2, (0.03 * span) ** 2
    size = (1,) * (ref.ndim - 2) + (window, window)
    mu_r = uniform_filter(ref, size, mode="reflect")
    mu_e = uniform_filter(est, size, mode="reflect")
    var_r = uniform_filter(ref * ref, size, mode="reflect") - mu_r**2
    var_e = uniform_filter(est * est, size, mode="reflect") - mu_e**2
    cov = uniform_filter(ref * est, size, mode="reflect") - mu_r * mu_e
    num = (2 * mu_r * mu_e + c1) * (2 * cov + c2)
    den = (mu_r**2 + mu_e**2 + c1) * (var_r + var_e + c2)
    if traces is None:
        return float(np.mean(num / den))
    return float(np.mean((num / den)[_selection(traces, ref.shape)]))


def coherence(reference: Any, estimate: Any, traces: Any | None = None) -> float:
    r"""Mean zero-lag normalized cross-correlation of traces, clipped to [0, 1].

    Notes
    -----
    .. math:: c_i = \frac{\sum_t d_i \hat d_i}{\sqrt{\sum_t d_i^2 \sum_t \hat d_i^2}}

    averaged over the scored traces; traces where either side is all zero count as 0
    unless both are (then 1).

    Parameters
    ----------
    reference : array_like or xarray.DataArray
        The true data, traces along every dim but the last.
    estimate : array_like or xarray.DataArray
        The data to score, same shape as `reference`.
    traces : array_like of bool, optional
        Which traces to score, shape ``reference.shape[:-1]``. Default: all traces.

    Returns
    -------
    float
        Mean trace coherence in [0, 1]; 1.0 when every trace matches up to a positive
        scale factor.

    Raises
    ------
    InvalidDataError
        If the shapes differ, `traces` has the wrong shape or selects no trace, or an
        input is a scalar.

    Examples
    --------
    >>> ref = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 1.0]])
    >>> coherence(ref, 3.0 * ref)
    1.0
    """
    ref, est = _pair(reference, estimate, traces)
    num = np.sum(ref * est, axis=-1)
    den = np.sqrt(np.sum(ref**2, axis=-1) * np.sum(est**2, axis=-1))
    both_zero = (np.sum(ref**2, axis=-1) == 0) & (np.sum(est**2, axis=-1) == 0)
    c = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    c = np.where(both_zero, 1.0, c)
    return float(np.clip(np.mean(c), 0.0, 1.0))
