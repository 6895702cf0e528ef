"""Where training panels come from: SEG-Y files, Zarr stores, a DataArray, or synthetic data.

A :class:`Source` is one lazily opened DataArray ``(..., trace, vertical)`` with the
live traces it records; nothing of the samples is read until a patch asks for them
(:meth:`Source.read`), so a survey larger than memory streams patch by patch.
:func:`dataarray_source` makes one of a survey already opened (fine-tuning), with
traces set aside for validation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from promethium.errors import ConfigError

if TYPE_CHECKING:
    import xarray as xr

    from promethium.train.config import SyntheticConfig

__all__ = ["SEGY_SUFFIXES", "Source", "dataarray_source", "file_sources", "synthetic_sources"]

#: File suffixes read as SEG-Y; a ``.zarr`` folder is a Zarr store.
SEGY_SUFFIXES: tuple[str, ...] = (".sgy", ".segy")


@dataclass(frozen=True)
class Source:
    """One lazily opened DataArray and its live traces.

    Attributes
    ----------
    name : str
        The file, store or synthetic panel it came from.
    da : xarray.DataArray
        ``(..., trace, vertical)``; lazy for files.
    live : numpy.ndarray
        Boolean over the trace dims: the recorded traces (its ``trace_mask``
        coordinate; all True without one). Dead traces are never scored.
    hidden : numpy.ndarray or None
        Boolean over the trace dims, or None: live traces always removed from the
        input and scored (a validation holdout, the same every epoch) instead of a
        mask drawn per patch.
    """

    name: str
    da: xr.DataArray
    live: np.ndarray
    hidden: np.ndarray | None = None

    @property
    def panels(self) -> tuple[int, ...]:
        """Shape of the batch dims (one panel per index)."""
        return tuple(int(n) for n in self.da.shape[:-2])

    @property
    def panel_shape(self) -> tuple[int, int]:
        """(traces, samples) of one panel."""
        return int(self.da.shape[-2]), int(self.da.shape[-1])

    def read(self, panel: int, start: tuple[int, int], size: tuple[int, int]) -> np.ndarray:
        """Read one patch as float64: only the chunks it touches are read."""
        window: tuple[int | slice, ...] = (
            *self._panel_index(panel),
            slice(start[0], start[0] + size[0]),
            slice(start[1], start[1] + size[1]),
        )
        return np.asarray(self.da.data[window], dtype=np.float64)

    def live_traces(self, panel: int, start: int, size: int) -> np.ndarray:
        """The live flags of `size` traces of `panel` from `start`."""
        window: tuple[int | slice, ...] = (*self._panel_index(panel), slice(start, start + size))
        return self.live[window]

    def hidden_traces(self, panel: int, start: int, size: int) -> np.ndarray | None:
        """The :attr:`hidden` flags of `size` traces of `panel` from `start` (None: none)."""
        if self.hidden is None:
            return None
        window: tuple[int | slice, ...] = (*self._panel_index(panel), slice(start, start + size))
        return self.hidden[window]

    def _panel_index(self, panel: int) -> tuple[int, ...]:
        if not self.panels:
            return ()
        return tuple(int(i) for i in np.unravel_index(panel, self.panels))


def _live_of(da: xr.DataArray) -> np.ndarray:
    from promethium.core.mask import TRACE_MASK, get_trace_mask

    if TRACE_MASK in da.coords:
        return np.asarray(get_trace_mask(da).values, dtype=bool)
    return np.ones(da.shape[:-1], dtype=bool)


def dataarray_source(
    da: xr.DataArray,
    name: str,
    *,
    exclude: np.ndarray | None = None,
    hidden: np.ndarray | None = None,
) -> Source:
    """A source of a survey already opened (lazy or in memory), for fine-tuning.

    Parameters
    ----------
    da : xarray.DataArray
        ``(..., trace, vertical)``, vertical dim last; a lazy array stays lazy: each
        patch reads only the chunks it covers.
    name : str
        What the data are (a file, or a description), for messages.
    exclude : numpy.ndarray, optional
        Boolean over the trace dims: traces never shown, neither as input nor as
        target (e.g. the traces held out for validation).
    hidden : numpy.ndarray, optional
        Boolean over the trace dims: live traces removed from every input and scored
        (a validation holdout), instead of a mask drawn per patch.

    Returns
    -------
    Source
        Live traces: ``trace_mask`` (all True without one) less `exclude`; dead and
        absent traces are never targets.

    Raises
    ------
    ConfigError
        If `exclude` or `hidden` does not have the shape of the trace dims.

    Examples
    --------
    >>> import numpy as np, promethium as pm
    >>> da = pm.synthetic_gather(n_traces=8, n_samples=16)
    >>> held = np.zeros(8, dtype=bool); held[3] = True
    >>> source = dataarray_source(da, "gather", exclude=held)
    >>> source.live.tolist()
    [True, True, True, False, True, True, True, True]
    """
    live = _live_of(da)
    for key, flags in (("exclude", exclude), ("hidden", hidden)):
        if flags is not None and np.shape(flags) != live.shape:
            raise ConfigError(
                f"{key} of source {name!r} has shape {np.shape(flags)}; it must have the "
                f"shape of the trace dims {live.shape}."
            )
    if exclude is not None:
        live = live & ~np.asarray(exclude, dtype=bool)
    held = None if hidden is None else np.asarray(hidden, dtype=bool) & live
    return Source(name, da, live, held)


def _files_of(path: str, key: str) -> list[Path]:
    entry = Path(path)
    if entry.suffix == ".zarr" or entry.suffix.lower() in SEGY_SUFFIXES:
        if not entry.exists():
            raise ConfigError(f"{key}: {path!r} does not exist.")
        return [entry]
    if entry.is_dir():
        found = sorted(
            p
            for p in entry.iterdir()
            if p.suffix.lower() in SEGY_SUFFIXES or (p.suffix == ".zarr" and p.is_dir())
        )
        if not found:
            raise ConfigError(
                f"{key}: folder {path!r} holds no SEG-Y file ({', '.join(SEGY_SUFFIXES)}) "
                "and no Zarr store (.zarr); point it at a folder of training data."
            )
        return found
    if not entry.exists():
        raise ConfigError(f"{key}: {path!r} does not exist.")
    raise ConfigError(
        f"{key}: {path!r} is neither a folder, a SEG-Y file ({', '.join(SEGY_SUFFIXES)}) "
        "nor a Zarr store (.zarr)."
    )


def file_sources(paths: str | Sequence[str], key: str) -> list[Source]:
    """Open the SEG-Y files and Zarr stores that `paths` names, lazily.

    Parameters
    ----------
    paths : str or sequence of str
        A folder (its SEG-Y files and Zarr stores, sorted by name), a file, or a list.
    key : str
        The configuration key (``data.train_path``), for messages.

    Returns
    -------
    list of Source

    Raises
    ------
    ConfigError
        If a path does not exist, or a folder holds no SEG-Y file or Zarr store.
    """
    from promethium.io.segy.read import open_segy
    from promethium.io.zarr import open_zarr

    items = [paths] if isinstance(paths, str) else list(paths)
    if not items:
        raise ConfigError(f"{key} is an empty list; name SEG-Y files or Zarr stores.")
    sources = []
    for item in items:
        for file in _files_of(item, key):
            da = open_zarr(file) if file.suffix == ".zarr" else open_segy(file)
            sources.append(Source(str(file), da, _live_of(da)))
    return sources


def synthetic_sources(config: SyntheticConfig, split: str) -> list[Source]:
    """Synthetic panels for ``split`` ``"train"`` or ``"val"`` (disjoint seeds).

    ``kind: fd`` models finite-difference shot gathers (cached on disk under
    ``cache_dir`` when given, modelled by ``workers`` processes); validation takes the
    indices from 1_000_000 of the same set, so it never repeats a training gather.
    """
    if config.kind == "fd":
        return _fd_sources(config, split)
    from promethium.synthetic import synthetic_gather, synthetic_section

    count = config.n_train if split == "train" else config.n_val
    first = config.seed + (0 if split == "train" else _VAL_OFFSET)
    make = synthetic_section if config.kind == "section" else synthetic_gather
    dt_ms = config.dt_ms if isinstance(config.dt_ms, float) else config.dt_ms[0]  # one: validated
    sources = []
    for i in range(count):
        da = make(
            config.n_traces,
            config.n_samples,
            dt_ms,
            n_events=config.n_events,
            noise=config.noise,
            seed=first + i,
        )
        sources.append(Source(f"synthetic {config.kind} seed {first + i}", da, _live_of(da)))
    return sources


#: Seeds (or, for ``fd``, gather indices) of validation panels start this far on.
_VAL_OFFSET = 1_000_000


def _fd_sources(config: SyntheticConfig, split: str) -> list[Source]:
    from promethium.modeling.cache import cached_fd_shot_gathers

    count = config.n_train if split == "train" else config.n_val
    first = 0 if split == "train" else _VAL_OFFSET
    gathers = cached_fd_shot_gathers(
        count,
        cache_dir=config.cache_dir,
        family=config.family,
        seed=config.seed,
        n_traces=config.n_traces,
        n_samples=config.n_samples,
        dt_ms=config.dt_ms,
        trace_spacing_m=config.trace_spacing_m,
        frequency_hz=config.frequency_hz,
        spread=config.spread,
        noise=config.noise,
        gain=config.gain,
        thin_beds=config.thin_beds,
        first=first,
        workers=config.workers,
    )
    return [
        Source(f"fd {config.family} seed {config.seed} gather {first + i}", da, _live_of(da))
        for i, da in enumerate(gathers)
    ]
