"""A pending atomic write: a dask ``Delayed`` that cleans up after itself on failure.

Writers build a graph that writes into a temporary path beside the target (named by
:func:`promethium.io.atomic.prepare`) and moves it into place with
:func:`promethium.io.atomic.commit` as its last step; :class:`PendingWrite` is that graph
plus the clean-up of the temporary path when the write fails.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from dask.delayed import Delayed

from promethium.errors import ConfigError, PromethiumError, StoreError
from promethium.io.atomic import os_error_reason, remove_path

__all__ = ["PendingWrite", "compute_writes"]

_P = TypeVar("_P", bound="PendingWrite")


class PendingWrite(Delayed):
    """A write that has not run yet; computing it writes and renames into place.

    Its :meth:`compute` removes the temporary file or store when a block fails; when
    it is computed another way (``dask.compute``, a distributed client) and fails, call
    :meth:`abort`.
    """

    __slots__ = ("_abort", "_final", "_tmp")

    @classmethod
    def wrap(
        cls: type[_P],
        done: Delayed,
        tmp: str | os.PathLike[str] | None,
        final: str | os.PathLike[str],
        *,
        abort: Callable[[], None] | None = None,
    ) -> _P:
        """Make a pending write of the graph `done`, which writes `tmp` then renames it.

        Parameters
        ----------
        done : dask.delayed.Delayed
            The last step of the write graph (the rename).
        tmp : str or path-like, optional
            The temporary file or directory the graph writes (None: nothing temporary).
        final : str or path-like
            Where the result ends up: a local path (kept as a :class:`pathlib.Path`) or
            an URL (kept as a str).
        abort : callable, optional
            What :meth:`abort` does instead of removing `tmp` (e.g. remove an incomplete
            store at an URL).

        Returns
        -------
        PendingWrite
            The pending write (an instance of the class it is called on).
        """
        pending = cls(done.key, done.dask)
        text = os.fspath(final)
        object.__setattr__(pending, "_tmp", None if tmp is None else Path(tmp))
        object.__setattr__(pending, "_final", text if "://" in text else Path(text))
        object.__setattr__(pending, "_abort", abort)
        return pending

    def compute(self, **kwargs: Any) -> Any:
        """Write; on failure remove the temporary path and re-raise.

        Parameters
        ----------
        **kwargs
            Passed to :meth:`dask.delayed.Delayed.compute` (e.g. ``scheduler``).

        Returns
        -------
        pathlib.Path or str
            The final path (an URL as a str), moved into place once fully written.

        Raises
        ------
        StoreError
            If the destination cannot be written (read-only, full); it names the target.
        """
        self._run(super().compute, **kwargs)
        return self._final

    def compute_with(self, *others: Any, **kwargs: Any) -> tuple[Any, ...]:
        """Write, computing `others` in the same pass; on failure clean up and re-raise.

        Tasks the write shares with `others` (reading the input, say) run once.

        Parameters
        ----------
        *others : dask collections
            Computed together with the write, e.g. a count over the written data.
        **kwargs
            Passed to :func:`dask.compute`.

        Returns
        -------
        tuple
            The final path, then the computed `others`.

        Examples
        --------
        >>> import promethium as pm, tempfile, pathlib
        >>> da = pm.synthetic_gather(n_traces=4, n_samples=8).chunk({"offset": 2})
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "g.zarr"
        >>> written, total = pm.to_zarr(da, path, compute=False).compute_with(da.sum())
        >>> written == path
        True
        """
        import dask

        # One Delayed holding everything, in order: given Delayed objects and arrays
        # together, dask.compute returns the Delayed results first.
        in_order = dask.delayed(_in_order, pure=True)(self, *others)
        ((_, *results),) = self._run(functools.partial(dask.compute, in_order), **kwargs)
        return (self._final, *results)

    def _run(self, run: Callable[..., Any], **kwargs: Any) -> Any:
        """``run(**kwargs)`` (see :func:`compute_writes`); on failure clean up and re-raise."""
        try:
            return compute_writes(run, self, **kwargs)
        except BaseException as err:
            self.abort()
            named = self._named(err)
            if named is err:
                raise
            raise named from err

    def abort(self) -> None:
        """Remove the temporary path of a write that failed or will not be run."""
        if self._abort is not None:
            self._abort()
        elif self._tmp is not None:
            remove_path(self._tmp)

    def _named(self, err: BaseException) -> BaseException:
        """`err`, or for an OS error (naming the hidden temporary path) one naming the target."""
        if not isinstance(err, OSError) or isinstance(err, PromethiumError):
            return err
        reason = os_error_reason(err, self._tmp)
        return StoreError(f"cannot write {os.fspath(self._final)!r}: {reason}.")

    @property
    def path(self) -> Path | str:
        """The final path (an URL as a str)."""
        return self._final


def _in_order(*results: Any) -> tuple[Any, ...]:
    """The computed results, in the order given."""
    return results


def compute_writes(run: Any, obj: Any, **kwargs: Any) -> Any:
    """Run ``run(**kwargs)`` computing `obj`; on dask's threaded scheduler, with a private pool.

    The pool has ``num_workers`` threads when given (as dask's own pool would), else
    dask's ``num_workers`` setting, else one per CPU.

    When a block fails, dask raises at once while other threads may still be writing
    blocks; with a private pool we wait for them before the temporary path is removed.

    Parameters
    ----------
    run : callable
        The compute function, e.g. ``delayed.compute``.
    obj : dask collection
        What `run` computes, to find its default scheduler.
    **kwargs
        Passed to `run`.

    Returns
    -------
    Any
        What `run` returns.
    """
    import dask.base
    import dask.threaded

    scheduler = dask.base.get_scheduler(scheduler=kwargs.get("scheduler"), collections=[obj])
    if scheduler is not dask.threaded.get or "pool" in kwargs:
        return run(**kwargs)
    from concurrent.futures import ThreadPoolExecutor

    import dask.config

    given = {k: v for k, v in kwargs.items() if k != "num_workers"}
    workers = kwargs.get("num_workers")
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise ConfigError(f"num_workers={workers!r} is no thread count; give a positive integer.")
    workers = workers or dask.config.get("num_workers", None)
    pool = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1)
    try:
        return run(**{**given, "scheduler": "threads", "pool": pool})
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
