r"""Windowed 2-D Fourier POCS: projection onto convex sets with a decreasing threshold.

Each window (a patch of the shared patch grid) is reconstructed by iterating

.. math:: x_{k+1} = M d + (1 - M)\, F^{-1} T_k F x_k

where :math:`M` is the live-trace mask, :math:`d` the observed window, :math:`F` the
2-D FFT (of the zero-padded window) and :math:`T_k` keeps the Fourier coefficients above
a threshold decreasing from ``p_max * max|c|`` to ``p_min * max|c|``. Windows overlap
and are blended with Hann weights by :func:`promethium.ml.engine.predict_patches`. The
windows of a batch are iterated together, as one batched FFT per iteration, on the CPU
or a CUDA GPU (:mod:`promethium.models.classical._pocs_kernel`).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field, model_validator
from typing_extensions import Self

from promethium.errors import ConfigError, PromethiumWarning
from promethium.ml.options import DeviceName, PatchOptions, patch_size_type
from promethium.models.classical._pocs_kernel import (
    padded_shape,
    pocs_windows,
    threshold_schedule,
)

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "MAX_SECONDS_PER_WINDOW",
    "POCS",
    "POCSOptions",
    "POCSPredictor",
    "SECONDS_PER_SAMPLE_ITERATION",
    "pocs_windows",
    "threshold_schedule",
]


class POCSPredictor:
    """Picklable patch predictor for the patch engine: POCS on each window of a batch.

    Called with a ``(B, 2, n_traces, n_samples)`` float32 batch (channel 0: normalized
    data with missing traces zero; channel 1: live mask, 1 live / 0 missing) and
    returning the ``(B, n_traces, n_samples)`` reconstruction.

    Parameters
    ----------
    n_iter, p_max, p_min, schedule, thresholding, pad
        As in :func:`pocs_windows`.
    device : str
        The ``device`` option, ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``;
        resolved where the predictor runs (``"auto"``: CUDA if that process has it), as
        the networks' predictors do.
    """

    def __init__(
        self,
        n_iter: int,
        p_max: float,
        p_min: float,
        schedule: str,
        thresholding: str,
        pad: float,
        device: str = "auto",
    ) -> None:
        self.n_iter = n_iter
        self.p_max = p_max
        self.p_min = p_min
        self.schedule = schedule
        self.thresholding = thresholding
        self.pad = pad
        self.device = device

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        """Reconstruct every window of `batch`."""
        from promethium.ml.device import resolve_device

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
            device=resolve_device(self.device),
        )

    def __repr__(self) -> str:
        return (
            f"POCSPredictor(n_iter={self.n_iter}, p_max={self.p_max}, p_min={self.p_min}, "
            f"schedule={self.schedule!r}, thresholding={self.thresholding!r}, pad={self.pad}, "
            f"device={self.device!r})"
        )


if TYPE_CHECKING:
    WindowSize = tuple[int, int]
else:
    WindowSize = patch_size_type(4)  # a window of at least 4 x 4 samples


class POCSOptions(PatchOptions):
    """Options of the ``pocs`` model (see :class:`POCS`)."""

    patch_size: WindowSize = Field(
        (32, 32),
        description="Window length, or (traces, samples); small windows keep events linear.",
        json_schema_extra={"unit": "traces, samples"},
    )
    overlap: float = Field(
        0.75,
        ge=0.0,
        lt=1.0,
        description="Overlap of neighbouring windows; blended with Hann weights.",
        json_schema_extra={"unit": "fraction of the window"},
    )
    batch_size: int = Field(
        256,
        ge=1,
        description="Windows reconstructed together, as one batched FFT per iteration.",
        json_schema_extra={"unit": "windows"},
    )
    n_iter: int = Field(50, ge=1, description="POCS iterations per window.")
    p_max: float = Field(
        0.99,
        gt=0.0,
        le=1.0,
        description="First threshold, a fraction of the window's largest Fourier amplitude.",
    )
    p_min: float = Field(
        0.001,
        gt=0.0,
        le=1.0,
        description="Last threshold, a fraction of the largest amplitude (<= p_max).",
    )
    schedule: Literal["exponential", "linear"] = Field(
        "exponential", description="How the threshold decreases from p_max to p_min."
    )
    thresholding: Literal["hard", "soft"] = Field(
        "hard", description="Hard keeps coefficients above the threshold; soft also shrinks them."
    )
    pad: float = Field(
        0.5,
        ge=0.0,
        le=4.0,
        description="Zero padding before the FFT, against wrap-around.",
        json_schema_extra={"unit": "fraction of the window"},
    )
    device: DeviceName = Field(
        "auto",
        description="Where the FFTs run: auto (CUDA if present), cpu, cuda or cuda:N.",
        json_schema_extra={"allowed": "'auto', 'cpu', 'cuda' or 'cuda:N'"},
    )

    @model_validator(mode="after")
    def _ordered_thresholds(self) -> Self:
        if self.p_min > self.p_max:
            raise ValueError(f"need p_min <= p_max; got p_min={self.p_min!r}, p_max={self.p_max!r}")
        return self


#: Seconds per padded window sample and iteration, measured on one CPU core
#: (``benchmarks/pocs_throughput.py``; the float64 NumPy code it replaced took 2e-8).
SECONDS_PER_SAMPLE_ITERATION = 5e-9
#: The longest a single window may take; beyond it a request is refused as absurd.
MAX_SECONDS_PER_WINDOW = 3600.0


class POCS:
    r"""Reconstructor: windowed 2-D Fourier POCS with an exponentially decreasing threshold.

    Its options are :class:`POCSOptions`: the window (``patch_size``, ``overlap``,
    ``pad``), the iterations (``n_iter``), the threshold range and its decrease
    (``p_max``, ``p_min``, ``schedule``, ``thresholding``), ``batch_size`` and
    ``device``.

    Notes
    -----
    In each window, with observed data :math:`d`, live mask :math:`M` and threshold
    :math:`\tau_k = p_k \max |F d|`,

    .. math:: x_{k+1} = M d + (1 - M) F^{-1} T_{\tau_k}(F x_k),
       \qquad p_k = p_{max} (p_{min} / p_{max})^{k / (n_{iter} - 1)}.

    Defaults were chosen on synthetic sections and gathers with 40 % random missing
    traces (see ``docs/models-classical.md``). Live traces are kept as observed.

    The windows of a batch are iterated together: each iteration is a batched 2-D FFT
    and its inverse over the whole ``(batch, traces, samples)`` stack, in float32, on
    the CPU (on one torch thread; see :mod:`promethium.models.classical._pocs_kernel`)
    or on a CUDA GPU (``device``; ``"auto"`` uses CUDA where the computation runs if it
    has one). The provenance records the resolved device.

    Examples
    --------
    >>> import promethium as pm
    >>> da = pm.synthetic_section(n_traces=32, n_samples=64)
    >>> holed = pm.apply_trace_mask(da, pm.random_mask(da, 0.3))
    >>> POCS().reconstruct(holed, POCSOptions(n_iter=10)).shape
    (32, 64)
    """

    def reconstruct(self, da: xr.DataArray, options: POCSOptions | None = None) -> xr.DataArray:
        """Fill the missing traces of `da` by windowed POCS, lazily on dask input.

        Parameters
        ----------
        da : xarray.DataArray
            Seismic data; missing traces per its ``trace_mask`` (inferred if absent).
        options : POCSOptions, optional
            Validated options; the defaults if not given.

        Returns
        -------
        xarray.DataArray
            Same dims, coords and chunking as `da`; identical whatever the chunking.

        Raises
        ------
        ConfigError
            If one window would take longer than :data:`MAX_SECONDS_PER_WINDOW` (an
            absurd ``n_iter`` or window); the message gives the estimate. If
            ``device`` asks for CUDA where there is none.
        """
        from promethium.ml.device import resolve_device
        from promethium.ml.engine import predict_patches

        opts = POCSOptions() if options is None else options
        _check_cost(opts)
        if opts.device != "auto":  # refused now, not when computed
            resolve_device(opts.device)
        da = _warn_on_regular_patterns(da)
        predictor = POCSPredictor(
            opts.n_iter,
            opts.p_max,
            opts.p_min,
            opts.schedule,
            opts.thresholding,
            opts.pad,
            device=opts.device,
        )
        return predict_patches(
            da,
            predictor,
            patch_size=opts.patch_size,
            overlap=opts.overlap,
            batch_size=opts.batch_size,
            normalize=True,
        )


def _regular_warning(live: np.ndarray) -> np.ndarray:
    """Warn if gathers of the mask block `live` (trace axis last) are unfit for POCS.

    That is, regularly decimated, or with fewer live traces than a Fourier estimate needs.
    """
    from promethium.core.pattern import MIN_FOURIER_LIVE, missing_pattern

    lines = np.asarray(live, dtype=bool).reshape(-1, live.shape[-1]) if live.size else live
    patterns: list[str] = [missing_pattern(line) for line in lines]
    for pattern, why in (
        ("regular", "miss traces at regular intervals (decimation), which aliases"),
        ("sparse", f"hold fewer than {MIN_FOURIER_LIVE} live traces"),
    ):
        count = patterns.count(pattern)
        if count:
            warnings.warn(
                f"pocs: {count} of {len(lines)} gather(s) {why}: POCS fills them with "
                "near-zero traces. Use model='linear', or model='auto' to choose per gather.",
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


def _check_cost(opts: POCSOptions) -> None:
    """Refuse a request whose single window would run for more than an hour."""
    nt, nv = opts.patch_size
    pt, pv = padded_shape(nt, nv, opts.pad)
    padded = pt * pv
    seconds = float(opts.n_iter) * padded * SECONDS_PER_SAMPLE_ITERATION
    if seconds > MAX_SECONDS_PER_WINDOW:
        raise ConfigError(
            f"model 'pocs': n_iter={opts.n_iter} on {nt} x {nv} windows ({padded} padded "
            f"samples) would take about {_duration(seconds)} per window on one core "
            f"(~{SECONDS_PER_SAMPLE_ITERATION:g} s per sample and iteration); refused. "
            "POCS converges within a few hundred iterations: use e.g. n_iter=100."
        )


def _duration(seconds: float) -> str:
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"
