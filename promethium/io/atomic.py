"""Crash-safe commits: a write's temporary file or directory replaces its target in one step.

Every writer (``to_segy``, ``to_zarr``) writes into a temporary sibling of its target
named by :func:`prepare` and moves it into place with :func:`commit`. At every instant
the target holds the old complete output or the new one:

- a file is moved with one ``rename`` (atomic on POSIX);
- a directory (a Zarr store) replaces another by an atomic exchange of the two names
  (Linux ``renameat2(RENAME_EXCHANGE)``); where that is not available, the old store is
  first renamed to a backup named from the target (``.NAME.pm-old``) and the next write
  or open of the target puts it back if the process died between the two renames;
- ``mode="w-"`` is checked at commit, under a lock on the target, with a
  rename that refuses an existing target (``RENAME_NOREPLACE``) where available, so two
  writers of the same new output cannot silently replace each other.

:func:`staged` does the three steps for a writer that writes in one block: it yields
the temporary path, commits it when the block ends normally and removes it otherwise.

Temporary paths are named ``.NAME.pm-tmp.HOST.PID.START.RANDOM``: the host, process id
and process start time of their writer. :func:`prepare` removes those whose writer, on
this host, is gone (killed by SIGKILL, say), so a crashed write costs disk space only
until the next write to the same target. A long write can also be made to clean up
when it is terminated: within :func:`sigterm_unwinds`, SIGTERM unwinds the stack (every
``finally`` and ``__exit__`` runs) before the process dies of it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import socket
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

from promethium.errors import ConfigError, StoreError

__all__ = [
    "backup_path",
    "commit",
    "os_error_reason",
    "prepare",
    "recover",
    "remove_path",
    "sigterm_unwinds",
    "staged",
    "sweep",
    "temp_prefix",
]

_TMP = ".pm-tmp."
_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def temp_prefix(final: Path) -> str:
    """The name prefix shared by every temporary path of writes to `final`."""
    return f".{final.name}{_TMP}"


def backup_path(final: Path) -> Path:
    """Where the old directory waits while a replace without an atomic exchange runs."""
    return final.parent / f".{final.name}.pm-old"


def _lock_path(final: Path) -> Path:
    return final.parent / f".{final.name}.pm-lock"


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname()) or "host"


def _start_time(pid: int) -> int:
    """Start time of process `pid` in clock ticks since boot (0 where unknown)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return 0


def _writer_tag() -> str:
    pid = os.getpid()
    return f"{_host()}.{pid}.{_start_time(pid)}"


def _alive(host: str, pid: int, start: int) -> bool:
    """Whether the writer that named a temporary path may still be running."""
    if host != _host():
        return True  # another machine's writer: nothing tells it is gone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    return start == 0 or _start_time(pid) in (0, start)


_TAG = re.compile(r"(?P<host>[A-Za-z0-9_-]+)\.(?P<pid>\d+)\.(?P<start>\d+)\.[0-9a-f]+")


def remove_path(path: Path) -> None:
    """Remove a file, link or directory tree at `path`, if any."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _sweep(final: Path) -> None:
    """Remove temporary paths of writes to `final` whose writer is gone."""
    sweep(final.parent, temp_prefix(final))


def sweep(folder: Path, prefix: str = ".") -> None:
    """Remove the temporary paths in `folder` whose writer is gone, of any target.

    :func:`prepare` sweeps those of its own target only; a writer that names a new
    target each time (a new folder per run) sweeps the folder of its targets with this.

    Parameters
    ----------
    folder : pathlib.Path
        Where the targets are.
    prefix : str, optional
        Only names that start with it (those of one target: :func:`temp_prefix`).
    """
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        _, sep, tag = name.rpartition(_TMP)
        match = _TAG.fullmatch(tag) if sep and name.startswith(prefix) else None
        if match and not _alive(match["host"], int(match["pid"]), int(match["start"])):
            remove_path(folder / name)


def _where(final: Path) -> str:
    return f"{os.fspath(final)!r}"


def os_error_reason(err: OSError, tmp: Path | None = None) -> str:
    """The reason of `err` in words, with the file it names unless that is under `tmp`.

    The hidden temporary path means nothing to a user; any other file (an input that
    vanished, say) is named.
    """
    reason = err.strerror or str(err)
    name = err.filename
    if name is not None and not (tmp is not None and os.fspath(name).startswith(os.fspath(tmp))):
        reason += f": {os.fspath(name)!r}"
    return reason


def _store_error(final: Path, action: str, err: OSError) -> StoreError:
    reason = err.strerror or str(err)
    hint = (
        "; choose a writable location, or fix the permissions"
        if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
        else ""
    )
    return StoreError(f"cannot {action} {_where(final)}: {reason}{hint}.")


def prepare(final: Path) -> Path:
    """Get ready to write `final`: return a new temporary path beside it.

    Creates the missing parent directories, refuses a destination that cannot be
    written, puts back a store left hidden by a crashed commit and removes temporary
    paths of crashed writes to the same target.

    Parameters
    ----------
    final : pathlib.Path
        The target file or directory.

    Returns
    -------
    pathlib.Path
        A path beside `final` that nothing uses, named after this process.

    Raises
    ------
    StoreError
        If the parent directory cannot be created or written.
    """
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise _store_error(final, "create the folder of", err) from err
    if not os.access(final.parent, os.W_OK | os.X_OK):
        raise StoreError(
            f"cannot write {_where(final)}: its folder {os.fspath(final.parent)!r} is not "
            "writable; choose a writable location, or fix the permissions."
        )
    with _locked(final):
        recover(final, locked=True)
        _sweep(final)
    return final.parent / f"{temp_prefix(final)}{_writer_tag()}.{uuid.uuid4().hex[:12]}"


@contextlib.contextmanager
def _locked(final: Path) -> Iterator[None]:
    """Hold the commit lock of `final` (``fcntl.flock``, released if the holder dies)."""
    try:
        import fcntl
    except ImportError:  # not POSIX (Windows): commits are not serialized
        yield
        return

    lock = _lock_path(final)
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise _store_error(final, "lock", err) from err
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_ino == os.stat(lock).st_ino:
                break  # the lock file is still the one in place: we hold it
        except FileNotFoundError:
            pass  # the previous holder removed it; lock the new one
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)
        os.close(fd)


def recover(final: Path, *, locked: bool = False) -> None:
    """Put back a directory hidden by a replace that died between its two renames.

    If the backup of `final` exists and `final` does not, the backup is renamed to
    `final`; if both exist, the replace had finished and the backup is removed.

    Parameters
    ----------
    final : pathlib.Path
        The target.
    locked : bool, optional
        Whether the caller already holds the target's commit lock.
    """
    backup = backup_path(final)
    if not os.path.lexists(backup):
        return
    if not locked:
        try:
            with _locked(final):
                recover(final, locked=True)
        except StoreError:
            return  # a read-only folder: nothing can be put back from here
        return
    if os.path.lexists(final):
        remove_path(backup)
    else:
        os.rename(backup, final)


def _renameat2(src: Path, dst: Path, flags: int) -> bool:
    """``renameat2(src, dst, flags)``; False where the system or filesystem lacks it."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.renameat2
    except (OSError, AttributeError):
        return False
    call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if call(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), os.fspath(src), None, os.fspath(dst))


def _appeared(final: Path) -> ConfigError:
    return ConfigError(
        f"{_where(final)} already exists: it appeared while this write ran (another "
        "writer?), and mode 'w-' never replaces; pass mode='w' (--overwrite) to replace "
        "it, or choose another path."
    )


def _place(tmp: Path, final: Path, mode: str, *, exchange: bool) -> Path | None:
    """Move `tmp` to `final` (lock held); return where the old output now is, if any."""
    if mode == "w-" or not os.path.lexists(final):
        if os.path.lexists(final):
            raise _appeared(final)
        try:
            if not _renameat2(tmp, final, _RENAME_NOREPLACE):
                os.rename(tmp, final)  # no other Promethium writer can commit meanwhile
        except FileExistsError as err:
            raise _appeared(final) from err
        return None
    if not tmp.is_dir() or final.is_symlink() or not final.is_dir():
        os.replace(tmp, final)  # one atomic step for a file
        return None
    if exchange and _renameat2(tmp, final, _RENAME_EXCHANGE):
        return tmp  # the old directory now has the temporary name
    backup = backup_path(final)
    os.rename(final, backup)  # a crash here is repaired by recover()
    try:
        os.rename(tmp, final)
    except BaseException:
        os.rename(backup, final)
        raise
    os.rename(backup, tmp)
    return tmp


def commit(tmp: Path, final: Path, mode: str, *, exchange: bool = True) -> Path:
    """Move the complete temporary `tmp` into place at `final`; remove `tmp` on failure.

    Parameters
    ----------
    tmp : pathlib.Path
        The complete output, named by :func:`prepare`.
    final : pathlib.Path
        The target.
    mode : {"w-", "w"}
        ``"w-"`` refuses an existing target, even one that appeared while the write ran;
        ``"w"`` replaces it.
    exchange : bool, optional
        Use the atomic exchange of two directories where the system has it (default);
        False always uses the two renames with a backup (for tests).

    Returns
    -------
    pathlib.Path
        `final`.

    Raises
    ------
    ConfigError
        If `mode` is ``"w-"`` and `final` exists.
    StoreError
        If the folder cannot be written (read-only, say).
    """
    try:
        with _locked(final):
            recover(final, locked=True)
            old = _place(tmp, final, mode, exchange=exchange)
    except OSError as err:
        remove_path(tmp)
        raise _store_error(final, "write", err) from err
    except BaseException:
        remove_path(tmp)
        raise
    if old is not None:
        remove_path(old)
    return final


@contextlib.contextmanager
def staged(final: Path, mode: str = "w") -> Iterator[Path]:
    """Write `final` through a temporary sibling: commit it if the block ends normally.

    Yields the path the block writes (a file, or a folder the block creates); when the
    block returns, :func:`commit` moves it into place; on an exception, an interrupt or
    SIGTERM (:func:`sigterm_unwinds`), it is removed and `final` is left as it was. A
    temporary path left by a killed process is removed by the next write to `final`.

    Parameters
    ----------
    final : pathlib.Path
        The target file or directory.
    mode : {"w", "w-"}, optional
        ``"w"`` replaces an existing target (default); ``"w-"`` refuses it.

    Yields
    ------
    pathlib.Path
        The temporary path to write (nothing exists there yet).

    Raises
    ------
    ConfigError
        If `mode` is ``"w-"`` and `final` exists at commit.
    StoreError
        If the folder of `final` cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "note.txt"
    >>> with staged(target) as tmp:
    ...     _ = tmp.write_text("complete")
    >>> target.read_text()
    'complete'
    """
    final = Path(final)
    with sigterm_unwinds():
        tmp = prepare(final)
        try:
            yield tmp
        except BaseException:
            remove_path(tmp)
            raise
        if not os.path.lexists(tmp):
            raise StoreError(f"nothing was written for {_where(final)}.")
        commit(tmp, final, mode)


class _Terminated(BaseException):
    """SIGTERM arrived within :func:`sigterm_unwinds` (a BaseException, like SystemExit)."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated


@contextlib.contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """Within the block, SIGTERM unwinds the stack, then terminates the process as before.

    A process killed by SIGTERM runs no ``finally`` block: a long write would leave its
    temporary path until the next write swept it. Here, SIGTERM raises an exception
    in the main thread, so every ``finally`` and ``__exit__`` on the way runs (the
    temporary paths are removed), and on leaving the block the signal is delivered
    again with the handler that was in place: the process still dies of SIGTERM, with
    its usual exit status.

    Nothing changes outside the main thread (Python runs signal handlers there only), or
    where a handler other than the default one is installed (the application's own, or
    SIGTERM ignored).
    """
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        raise  # only if SIGTERM did not end the process
    finally:
        if signal.getsignal(signal.SIGTERM) is _raise_terminated:  # not one set meanwhile
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
