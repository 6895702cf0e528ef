"""Which file was opened: pin lazy reads to it, so a replaced file is never mixed in.

A lazy array reads its source long after it was opened, often from many dask tasks that
each reopen the path. If the file is replaced meanwhile (an atomic ``os.replace`` of a
new version, a copy over it, an in-place rewrite), those tasks would read the new file
and the array would mix two files. :class:`FileIdentity` records what was opened (device,
inode, size and modification time); a reader checks it after each read and raises
:class:`~promethium.errors.SourceChangedError` if the file is no longer the one that was
opened.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from promethium.errors import SourceChangedError

__all__ = ["FileIdentity"]


@dataclass(frozen=True)
class FileIdentity:
    """The identity of one version of a file: device, inode, size and mtime.

    Two stats of a path give equal identities only when they name the same file (same
    device and inode) with the same size and modification time (nanoseconds), so an
    atomic replace, a truncation and an in-place rewrite all change it.

    Attributes
    ----------
    device : int
        ``st_dev`` of the file.
    inode : int
        ``st_ino`` of the file.
    size : int
        Size in bytes.
    mtime_ns : int
        Last modification time in nanoseconds.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as f:
    ...     identity = FileIdentity.of(f.name)
    ...     identity.check(f.name)  # unchanged: nothing happens
    ...     identity.size
    0
    """

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def from_stat(cls, st: os.stat_result) -> FileIdentity:
        """Return the identity recorded in a stat result (``os.stat`` or ``os.fstat``)."""
        return cls(int(st.st_dev), int(st.st_ino), int(st.st_size), int(st.st_mtime_ns))

    @classmethod
    def of(cls, path: str | os.PathLike[str]) -> FileIdentity:
        """Return the identity of the file at `path` now (symlinks followed).

        Raises
        ------
        OSError
            If `path` cannot be stat'ed (the caller turns it into its own error).
        """
        return cls.from_stat(os.stat(path))

    def check(self, path: str | os.PathLike[str], opened: int | None = None) -> None:
        """Raise if `path` is no longer the file this identity was taken from.

        Call it after reading, so that any change before the read finished is caught.

        Parameters
        ----------
        path : str or os.PathLike
            The path that was read; named in the error.
        opened : int, optional
            A file descriptor that the read went through. It is checked with
            ``os.fstat`` (the file actually read) instead of stat'ing `path`.

        Raises
        ------
        SourceChangedError
            If the file is missing, is another file (replaced), or its size or
            modification time changed since the identity was taken.
        """
        try:
            st = os.stat(path) if opened is None else os.fstat(opened)
        except OSError as err:
            raise SourceChangedError(
                f"{os.fspath(path)}: the file was removed or became unreadable while it was "
                f"being read ({err.strerror or err}); reopen it and read again."
            ) from err
        now = FileIdentity.from_stat(st)
        if now != self:
            raise SourceChangedError(
                f"{os.fspath(path)}: the file changed while it was being read "
                f"({self._difference(now)}); nothing from the new version was returned. "
                "Reopen it (e.g. open_segy again) and read again."
            )

    def _difference(self, now: FileIdentity) -> str:
        if (now.device, now.inode) != (self.device, self.inode):
            return "it was replaced by another file"
        if now.size != self.size:
            return f"its size went from {self.size} to {now.size} bytes"
        return "it was modified in place"
