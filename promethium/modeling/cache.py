"""An on-disk cache of modelled gathers, so several training runs share one dataset.

Gathers live in ``<cache_dir>/fd-<key>/gather-<index>.npz``, where ``key`` hashes
every argument that changes a gather (family, sizes, sampling choices, frequency
range, spreads, noise, gain, seed) and :data:`MODELING_VERSION`. A gather depends
only on its set's arguments and its index (:func:`~promethium.modeling.gathers.
draw_gather_parameters`), so a larger set reuses the gathers of a smaller one, and
each file is written atomically (:mod:`promethium.io.atomic`): an interrupted run
leaves complete files only, and the next run models just the missing ones.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.core import strict_json
from promethium.modeling.gathers import (
    GatherSetSettings,
    gather_dataarray,
    gather_set_settings,
    iter_fd_shot_gathers,
)

if TYPE_CHECKING:
    import xarray as xr
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

__all__ = ["MODELING_VERSION", "cache_key", "cached_fd_shot_gathers"]

#: Bumped whenever the modeller's output changes, so old caches are not reused.
MODELING_VERSION = 1


def cache_key(spec: dict[str, Any]) -> str:
    """A short hash of the generation arguments `spec` and :data:`MODELING_VERSION`.

    Examples
    --------
    >>> cache_key({"seed": 0}) == cache_key({"seed": 0})
    True
    >>> cache_key({"seed": 1}) == cache_key({"seed": 0})
    False
    """
    text = json.dumps({"version": MODELING_VERSION, **spec}, sort_keys=True, default=list)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _save(path: Path, da: xr.DataArray) -> None:
    from promethium.io.atomic import staged

    with staged(path) as tmp, open(tmp, "wb") as f:
        np.savez(
            f,
            values=np.asarray(da.values, dtype=np.float32),
            offsets=np.asarray(da.offset.values, dtype=np.float64),
            source_x=np.float64(da.source_x.values),
            dt_ms=np.float64(da.time.values[1] - da.time.values[0]),
            attrs=np.array(strict_json.dumps(da.attrs, nonfinite="tagged")),
        )


def _load(path: Path) -> xr.DataArray:
    with np.load(path) as f:
        return gather_dataarray(
            f["values"],
            f["offsets"],
            float(f["source_x"]),
            float(f["dt_ms"]),
            {"thin_beds": 0, **strict_json.loads(str(f["attrs"]))},
        )


def cached_fd_shot_gathers(
    n: int,
    *,
    cache_dir: str | Path | None,
    first: int = 0,
    workers: int = 1,
    **settings: Unpack[GatherSetSettings],
) -> list[xr.DataArray]:
    """:func:`~promethium.modeling.gathers.fd_shot_gathers`, reusing gathers on disk.

    Parameters
    ----------
    n : int
        Number of gathers (indices ``first .. first + n - 1``).
    cache_dir : str or pathlib.Path or None
        Folder of the cache (created if missing); None models without caching.
    family, seed, n_traces, n_samples, dt_ms, trace_spacing_m, frequency_hz, spread
        As for :func:`~promethium.modeling.gathers.fd_shot_gathers`.
    noise, gain, thin_beds
        As for :func:`~promethium.modeling.gathers.fd_shot_gathers`.
    first : int
        Index of the first gather.
    workers : int
        Processes modelling the missing gathers.

    Returns
    -------
    list of xarray.DataArray
        Identical to what :func:`~promethium.modeling.gathers.fd_shot_gathers` returns
        (float32 samples).

    Raises
    ------
    StoreError
        If the cache folder cannot be written.
    """
    spec = gather_set_settings(settings)
    if not spec["thin_beds"]:  # keyed only when on: the sets made before it keep their key
        del spec["thin_beds"]
    if cache_dir is None:
        return list(iter_fd_shot_gathers(n, first=first, workers=workers, **spec))
    folder = Path(cache_dir).expanduser() / f"fd-{cache_key(spec)}"
    paths = [folder / f"gather-{first + i:07d}.npz" for i in range(n)]
    missing = [i for i, path in enumerate(paths) if not path.exists()]
    made: dict[int, xr.DataArray] = {}
    for start, stop in _runs(missing):
        for offset, da in enumerate(
            iter_fd_shot_gathers(stop - start, first=first + start, workers=workers, **spec)
        ):
            _save(paths[start + offset], da)
            made[start + offset] = da
    if missing and not (folder / "spec.json").exists():
        from promethium.io.atomic import staged

        with staged(folder / "spec.json") as tmp:
            tmp.write_text(strict_json.dumps(spec, indent=1, sort_keys=True))
    return [made[i] if i in made else _load(path) for i, path in enumerate(paths)]


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs ``[start, stop)`` of sorted `indices`.

    Examples
    --------
    >>> _runs([0, 1, 2, 5, 7, 8])
    [(0, 3), (5, 6), (7, 9)]
    """
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs
