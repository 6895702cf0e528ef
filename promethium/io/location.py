"""Where a Zarr store lives: a local folder, or an fsspec URL (``memory://``, ``s3://``, ...).

A local folder is written atomically (see :mod:`promethium.io.atomic`); an URL names a
prefix of an object store, where nothing can be renamed atomically, and is written in
place with a completion marker (see :func:`promethium.io.zarr.to_zarr`).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promethium.errors import ConfigError

if TYPE_CHECKING:
    from promethium.typing import PathType

__all__ = ["Location"]


@dataclasses.dataclass(frozen=True)
class Location:
    """A store's place: exactly one of `path` (local) and `url` (fsspec) is set."""

    path: Path | None = None
    url: str | None = None

    @classmethod
    def of(cls, store: PathType) -> Location:
        """Parse a path or URL; ``file://`` URLs are local paths.

        Raises
        ------
        ConfigError
            If the URL's protocol is unknown, or its filesystem package is not installed.
        """
        text = os.fspath(store)
        if "://" not in text:
            return cls(path=Path(text))
        protocol = text.split("://", 1)[0]
        if protocol in ("file", "local"):
            return cls(path=Path(text.split("://", 1)[1]))
        location = cls(url=text.rstrip("/"))
        location.filesystem()  # refuse what cannot be reached now, not mid-write
        return location

    @property
    def target(self) -> Path | str:
        """What the user named: the local path, or the URL."""
        return self.path if self.path is not None else str(self.url)

    def __str__(self) -> str:
        return os.fspath(self.target)

    def filesystem(self) -> tuple[Any, str]:
        """The fsspec filesystem of an URL and the store's root path on it."""
        import fsspec

        url = str(self.url)
        protocol = url.split("://", 1)[0]
        try:
            return fsspec.core.url_to_fs(url)
        except ImportError as err:
            raise ConfigError(
                f"the Zarr store {url!r} needs the fsspec filesystem for {protocol!r}, which "
                f"is not installed: {err} (e.g. pip install {_package(protocol)})."
            ) from err
        except ValueError as err:
            raise ConfigError(
                f"the Zarr store {url!r} has an unknown protocol {protocol!r} ({err}); use a "
                "local path or an fsspec URL such as 's3://bucket/line.zarr'."
            ) from err

    def child(self, key: str) -> str:
        """The local path or URL of `key` inside the store."""
        if self.path is not None:
            return os.path.join(self.path, key)
        return f"{self.url}/{key}"

    def exists(self, key: str = "") -> bool:
        """Whether the store (or the object `key` inside it) exists."""
        if self.path is not None:
            return os.path.lexists(self.path / key if key else self.path)
        fs, root = self.filesystem()
        return bool(fs.exists(f"{root}/{key}" if key else root))

    def read(self, key: str) -> bytes | None:
        """The bytes of the object `key` in the store, or None if it is missing."""
        try:
            if self.path is not None:
                return (self.path / key).read_bytes()
            fs, root = self.filesystem()
            return bytes(fs.cat_file(f"{root}/{key}"))
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def describe(self) -> str | None:
        """What is there, in words: None if nothing, else "a Zarr store", "a file", ..."""
        if self.path is not None:
            return _describe_local(self.path)
        fs, root = self.filesystem()
        if fs.exists(f"{root}/zarr.json"):
            return "a Zarr store"
        if fs.exists(root):
            return "objects that are not a Zarr store (no zarr.json)"
        return None

    def remove(self) -> None:
        """Remove everything under an URL (local paths go through :mod:`~.atomic`)."""
        fs, root = self.filesystem()
        if fs.exists(root):
            fs.rm(root, recursive=True)


def _describe_local(path: Path) -> str | None:
    if path.is_symlink():
        return "a symbolic link"
    if not path.exists():
        return None
    if not path.is_dir():
        return "a file" if path.is_file() else "a special file (not a folder)"
    names = set(os.listdir(path))
    if "zarr.json" in names or names & {".zgroup", ".zarray"}:
        return "a Zarr store"
    if not names:
        return "an empty folder"
    return f"a folder of {len(names)} entries that is not a Zarr store (no zarr.json)"


def _package(protocol: str) -> str:
    """The pip package of an fsspec protocol, as fsspec names it."""
    known = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs"}
    known |= {"abfs": "adlfs", "abfss": "adlfs", "http": "aiohttp", "https": "aiohttp"}
    return known.get(protocol, f"the fsspec package for {protocol!r}")
