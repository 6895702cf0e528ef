"""Where a fine-tuned weight set goes: a folder that appears whole or not at all.

The weights and their sidecar are written into a hidden staging folder beside the
output, with the trainer's scratch files, and the finished weight set is moved into
place as the Zarr writes are (:mod:`promethium.io.atomic`): an interrupted fine-tuning
leaves no half-written weight set, and an existing output is replaced only when asked.
The staging folder is removed on leaving, on an error, an interrupt or SIGTERM; one
left by a process killed otherwise (SIGKILL, a crash) is named after its writer
(``.<name>.pm-tmp.HOST.PID.START.RANDOM``) and removed by the next fine-tuning to the
same output (any next one, for the default outputs under ``runs/finetune``) once that
writer is gone.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from types import TracebackType

from promethium.errors import ConfigError
from promethium.io.atomic import commit, prepare, remove_path, sigterm_unwinds

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
    """A hidden folder beside `output`; :meth:`commit` moves its ``set`` into place.

    Used as a context manager: entering creates the folder (and removes those of
    earlier writers of `output` that are gone); leaving, committed or not, on an
    exception, an interrupt or SIGTERM (:func:`~promethium.io.atomic.sigterm_unwinds`),
    removes it and everything left in it.

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
        self._exits = contextlib.ExitStack()

    def __enter__(self) -> Staging:
        with contextlib.ExitStack() as exits:
            exits.enter_context(sigterm_unwinds())
            self.root = prepare(self.output)
            self.root.mkdir()
            exits.callback(remove_path, self.root)
            self.set = self.root / "set"
            self.set.mkdir()
            self.scratch = self.root / "run"
            self._exits = exits.pop_all()
        return self

    def commit(self) -> Path:
        """Move the finished weight set to the output (replacing it if allowed)."""
        if self.output.exists() and not self.overwrite:  # created meanwhile by someone else
            raise ConfigError(
                f"output {str(self.output)!r} appeared while fine-tuning; nothing was "
                "replaced. Choose another folder, or pass overwrite=True."
            )
        return commit(self.set, self.output, "w" if self.overwrite else "w-")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._exits.__exit__(kind, exc, tb)
