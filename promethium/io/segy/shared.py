"""One buffer for the chunks of one compute: reading a whole array without dask's copy.

dask computes an array chunk by chunk and then joins the chunks into a new array
(``concatenate3``, single-threaded, after the last chunk): for ``.values`` of an opened
SEG-Y file that is a second pass over every sample and a second allocation of the whole
result. Here the chunks of one compute are regions of one buffer instead
(:class:`SharedResult`, made by a task of the graph, so once per compute): each chunk
task reads its traces straight into its region, and dask's join of the chunks
(:func:`join_blocks`, registered as its ``concatenate`` for :class:`SegyBlock`) finds
them side by side in the buffer and returns a view of them: no copy, nothing allocated
beyond the result.

Rules that keep this safe:

- A region is given out once: a join is a view only while no other live view given out
  by a join overlaps its parts (``dask.compute(x, x)`` gets one view and one copy);
  anything else (slices of chunks, chunks of different computes, other arrays) is
  joined by copying, as dask does.
- Memory follows the views: when the last view of a region dies (a chunk written to
  Zarr and dropped), its pages are returned to the system unless a live view still
  covers them, so streaming a file larger than memory through its chunks holds only
  the chunks in flight, as with separate chunk arrays.
- The buffer is anonymous memory reserved per compute, touched only where chunks are
  read; absent grid positions are never written and read as zeros.
- :mod:`tracemalloc` sees each chunk region while it is alive, as it sees NumPy's
  arrays (NumPy's domain), so a task's measured peak memory counts its chunks.

A result joined from chunks that are also kept elsewhere (an array ``persist()``-ed
before ``.values``) shares memory with them, as ``.values`` of an in-memory xarray
object does; a fresh compute keeps no chunk, so its result shares nothing.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import mmap
import threading
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["SegyBlock", "SharedResult", "join_blocks", "register_join"]

_PAGE = mmap.PAGESIZE


class SegyBlock(np.ndarray):
    """A chunk of an opened SEG-Y array: an ndarray, possibly a region of a shared buffer.

    Arithmetic on it gives plain ndarrays (the type does not spread past the read);
    slicing gives SegyBlock views.
    """

    _owner: SharedResult | None = None

    def __array_finalize__(self, obj: Any) -> None:
        # Views share the buffer; a copy owns its memory (and should not keep the buffer).
        self._owner = getattr(obj, "_owner", None) if self.base is not None else None

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        args = [x.view(np.ndarray) if isinstance(x, SegyBlock) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(
                o.view(np.ndarray) if isinstance(o, SegyBlock) else o for o in kwargs["out"]
            )
        return getattr(ufunc, method)(*args, **kwargs)

    def __reduce__(self) -> Any:
        # Pickled (to another process): a plain array; the shared buffer stays here.
        return np.asarray(self).copy().__reduce__()


class SharedResult:
    """The buffer that the chunk tasks of one compute read into (see the module doc).

    Parameters
    ----------
    shape : tuple of int
        Shape of the whole array.
    dtype : str
        Its dtype.

    Pickling gives a new, empty buffer of the same shape (each process its own).
    """

    def __init__(self, shape: tuple[int, ...], dtype: str) -> None:
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(dtype)
        self._lock = threading.RLock()  # a region may die (and release) under it
        self._memory: Any = None
        self._whole: np.ndarray | None = None
        self._tokens = itertools.count()
        #: token -> (start byte, end byte, joined) of every region given out and alive.
        self._live: dict[int, tuple[int, int, bool]] = {}
        self._traced = _TraceMalloc()

    def __reduce__(self) -> Any:
        return (SharedResult, (self.shape, self.dtype.str))

    def _buffer(self) -> np.ndarray:
        with self._lock:
            if self._whole is None:
                size = math.prod(self.shape)
                nbytes = max(size * self.dtype.itemsize, 1)
                self._memory = _anonymous(nbytes)
                self._whole = np.frombuffer(self._memory, dtype=self.dtype, count=size)
            return self._whole

    def region(self, index: tuple[slice, ...]) -> SegyBlock:
        """Return the C-contiguous region `index` of the whole array as a writable view.

        Where the whole buffer cannot be reserved (an address-space limit), the region
        is an array of its own, joined by copying.

        Raises
        ------
        ValueError
            If the region is not contiguous in the buffer.
        """
        try:
            whole = self._buffer()
        except (OSError, MemoryError):
            sizes = [len(range(*part.indices(n))) for part, n in zip(index, self.shape)]
            shape = (*sizes, *self.shape[len(index) :])
            return np.zeros(shape, dtype=self.dtype).view(SegyBlock)
        view = whole.reshape(self.shape)[index]
        if not view.flags.c_contiguous:
            raise ValueError(f"region {index} of an array of shape {self.shape} is not contiguous")
        start = view.__array_interface__["data"][0] - whole.__array_interface__["data"][0]
        token = self._claim(start, start + view.nbytes, joined=False)
        return self._view(token, view.shape) if token is not None else view.view(SegyBlock)

    def _claim(
        self, start: int, end: int, *, joined: bool, parts: Sequence[tuple[int, int]] = ()
    ) -> int | None:
        """Register bytes ``[start, end)`` as given out; return its token.

        A join gives the byte spans of its `parts`: None is returned unless each is free
        to join, checked and registered at once so that two joins never share a region.
        """
        with self._lock:
            if not all(self._free_to_join(span) for span in parts):
                return None
            token = next(self._tokens)
            self._live[token] = (start, end, joined)
        if not joined:  # a join's memory is its parts'
            self._traced.track(self._address(start), end - start)
        return token

    def _address(self, start: int) -> int:
        whole = self._whole
        return (whole.__array_interface__["data"][0] if whole is not None else 0) + start

    def _view(self, token: int, shape: tuple[int, ...]) -> SegyBlock:
        """The view of a claimed region; its death returns the region's pages."""
        start = self._live[token][0]
        anchor = np.frombuffer(self._memory, dtype=self.dtype, count=math.prod(shape), offset=start)
        weakref.finalize(anchor, self._release, token).atexit = False
        block = anchor.reshape(shape).view(SegyBlock)
        block._owner = self
        return block

    def _release(self, token: int) -> None:
        """Return the pages of a dead region that no live region covers."""
        with self._lock:
            start, end, joined = self._live.pop(token)
            if not joined:
                self._traced.untrack(self._address(start))
            if not hasattr(self._memory, "madvise"):
                return
            lo, hi = -(-start // _PAGE) * _PAGE, end // _PAGE * _PAGE  # its own pages
            kept = sorted(
                (s // _PAGE * _PAGE, -(-e // _PAGE) * _PAGE)
                for s, e, _ in self._live.values()
                if s < hi and e > lo
            )
            for keep_lo, keep_hi in [*kept, (hi, hi)]:
                if keep_lo > lo:
                    self._memory.madvise(mmap.MADV_DONTNEED, lo, min(keep_lo, hi) - lo)
                lo = max(lo, keep_hi)
                if lo >= hi:
                    break

    def join(self, parts: list[np.ndarray], axis: int) -> SegyBlock | None:
        """A view of `parts` joined along `axis`, if they tile a region; None otherwise."""
        whole = self._whole
        if whole is None:
            return None
        first = parts[0]
        if any(s != 1 for s in first.shape[:axis]):
            return None  # side by side along `axis` is contiguous only after unit axes
        base = whole.__array_interface__["data"][0]
        ranges = []
        position = first.__array_interface__["data"][0] - base
        for part in parts:
            if (
                part.dtype != self.dtype
                or not part.flags.c_contiguous
                or part.shape[:axis] != first.shape[:axis]
                or part.shape[axis + 1 :] != first.shape[axis + 1 :]
                or part.__array_interface__["data"][0] - base != position
            ):
                return None
            ranges.append((position, position + part.nbytes))
            position += part.nbytes
        shape = list(first.shape)
        shape[axis] = sum(p.shape[axis] for p in parts)
        token = self._claim(ranges[0][0], ranges[-1][1], joined=True, parts=ranges)
        return self._view(token, tuple(shape)) if token is not None else None

    def _free_to_join(self, span: tuple[int, int]) -> bool:
        """Whether a part is a live region that no other joined view overlaps."""
        start, end = span
        regions = list(self._live.values())
        if not any((s, e) == span for s, e, _ in regions):
            return False
        return not any(
            joined and s < end and e > start and (s, e) != span for s, e, joined in regions
        )


class _TraceMalloc:
    """Report memory NumPy does not allocate to :mod:`tracemalloc`, in NumPy's domain.

    Through CPython's ``PyTraceMalloc_Track``; a no-op where it is missing (PyPy) and
    while tracemalloc is not tracing.
    """

    def __init__(self) -> None:
        self._track: Any = None
        self._untrack: Any = None
        api = getattr(ctypes, "pythonapi", None)
        if api is not None and hasattr(api, "PyTraceMalloc_Track"):
            self._track, self._untrack = api.PyTraceMalloc_Track, api.PyTraceMalloc_Untrack
            self._track.argtypes = [ctypes.c_uint, ctypes.c_size_t, ctypes.c_size_t]
            self._untrack.argtypes = [ctypes.c_uint, ctypes.c_size_t]
        self._domain = int(np.lib.tracemalloc_domain)

    def track(self, address: int, nbytes: int) -> None:
        if self._track is not None:
            self._track(self._domain, address, nbytes)

    def untrack(self, address: int) -> None:
        if self._untrack is not None:
            self._untrack(self._domain, address)


def _anonymous(nbytes: int) -> Any:
    """Private anonymous memory, zero until written, in huge pages where the system has them."""
    flags = getattr(mmap, "MAP_PRIVATE", 0) | getattr(mmap, "MAP_ANONYMOUS", 0)
    if not flags:
        return bytearray(nbytes)  # no anonymous mmap (Windows): zeroed memory
    memory = mmap.mmap(-1, nbytes, flags=flags)
    if hasattr(mmap, "MADV_HUGEPAGE"):
        try:
            memory.madvise(mmap.MADV_HUGEPAGE)  # faulting 4 KB pages costs twice the read
        except OSError:  # a kernel without transparent huge pages
            pass
    return memory


def join_blocks(parts: Any, axis: int = 0, **kwargs: Any) -> np.ndarray:
    """Join arrays as dask's ``concatenate``: a view when the parts tile a shared region.

    Registered for :class:`SegyBlock` (:func:`register_join`).

    Parameters
    ----------
    parts : sequence of numpy.ndarray
        The arrays to join, in order.
    axis : int, optional
        The axis to join them along.

    Returns
    -------
    numpy.ndarray
        A view of the shared buffer (see :meth:`SharedResult.join`), else
        ``np.concatenate`` of the parts.
    """
    parts = list(parts)
    owner = getattr(parts[0], "_owner", None) if parts else None
    if owner is not None and not kwargs and all(isinstance(p, SegyBlock) for p in parts):
        if len(parts) == 1:
            return parts[0]
        axis = axis % parts[0].ndim
        joined = owner.join(parts, axis)
        if joined is not None:
            return joined
    plain = [p.view(np.ndarray) if isinstance(p, SegyBlock) else p for p in parts]
    return np.concatenate(plain, axis=axis, **kwargs)


def register_join() -> None:
    """Register :func:`join_blocks` as dask's ``concatenate`` for :class:`SegyBlock`."""
    from dask.array.dispatch import concatenate_lookup

    concatenate_lookup.register(SegyBlock, join_blocks)
