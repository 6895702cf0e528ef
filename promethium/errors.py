"""Every error and warning Promethium raises, in one place.

Each exception mixes in the builtin it refines, so ``except ValueError`` keeps
working for callers that do not know Promethium. Messages name the input, what was
expected, and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "InvalidDataError",
    "ModelNotFoundError",
    "PluginError",
    "PromethiumError",
    "PromethiumWarning",
    "SegyFormatError",
    "SourceChangedError",
    "StoreError",
    "UnitError",
]


class PromethiumError(Exception):
    """Base class of every error that Promethium raises on purpose."""


class InvalidDataError(PromethiumError, ValueError):
    """A DataArray does not follow Promethium's data conventions."""


class UnitError(InvalidDataError):
    """A unit is missing, unknown, or of the wrong dimensionality."""


class SegyFormatError(PromethiumError, ValueError):
    """A file is not SEG-Y, is truncated, or its headers contradict its size."""


class SourceChangedError(PromethiumError, RuntimeError):
    """A file changed (was replaced, truncated or rewritten) while it was being read."""


class StoreError(PromethiumError, OSError):
    """An output cannot be written, or a store cannot be read intact.

    A read-only destination, a corrupt or missing chunk, or an incomplete store.
    """


class PluginError(PromethiumError, RuntimeError):
    """A plugin is broken, or two plugins register the same model name."""


class ModelNotFoundError(PromethiumError, KeyError):
    """No registered model has the requested name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ConfigError(PromethiumError, ValueError):
    """An option or configuration value is unknown or out of range."""


class PromethiumWarning(UserWarning):
    """Something the user should know about, that does not stop the work."""
