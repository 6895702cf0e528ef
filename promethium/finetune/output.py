"""Where a fine-tuned weight set goes: a folder that appears whole or not at all.

The weights and their sidecar are written into a hidden staging folder beside the
output (``.<name>.partial-XXXX``), with the trainer's scratch files, and the finished
weight set is renamed into place: an interrupted fine-tuning leaves no half-written
weight set, and an existing output is replaced only when asked.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

from promethium.errors import ConfigError

__all__ = ["Staging", "check_output"]


def check_output(output: Path, overwrite: bool) -> Path:
    """Refuse an output folder that exists (unless `overwrite`) or cannot be made.

    Returns
    -------
    pathlib.Path
        The output, absolute.

    Raises
    ------
    ConfigError
        If `output` exists and `overwrite` is False, is a file, or its parent folder
        does not exist.
    """
    output = Path(os.path.abspath(output))
    if output.exists() and not output.is_dir():
        raise ConfigError(
            f"output {str(output)!r} is a file; fine-tuning writes a folder (the weight "
            "set and its sidecar). Choose another output."
        )
    if output.exists() and not overwrite:
        raise ConfigError(
            f"output {str(output)!r} already exists; choose another folder, or pass "
            "overwrite=True (--overwrite) to replace it."
        )
    if not output.parent.is_dir():
        raise ConfigError(
            f"the folder {str(output.parent)!r} of output {str(output)!r} does not exist; "
            "create it first."
        )
    return output


class Staging:
    """A hidden folder beside `output`; :meth:`commit` renames its ``set`` into place.

    Used as a context manager: on leaving (committed or not, on an exception or an
    interrupt) the staging folder and everything left in it are removed.

    Parameters
    ----------
    output : pathlib.Path
        The final folder (checked by :func:`check_output`).
    overwrite : bool
        Replace an existing `output` on commit.
    """

    def __init__(self, output: Path, overwrite: bool) -> None:
        self.output = output
        self.overwrite = overwrite
        self.root = Path(tempfile.mkdtemp(prefix=f".{output.name}.partial-", dir=output.parent))
        self.set = self.root / "set"
        self.set.mkdir()
        self.scratch = self.root / "run"

    def commit(self) -> Path:
        """Move the finished weight set to the output (replacing it if allowed)."""
        if self.output.exists():
            if not self.overwrite:  # created meanwhile by someone else
                raise ConfigError(
                    f"output {str(self.output)!r} appeared while fine-tuning; nothing was "
                    "replaced. Choose another folder, or pass overwrite=True."
                )
            os.replace(self.output, self.root / "replaced")
        os.replace(self.set, self.output)
        return self.output

    def __enter__(self) -> Staging:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
