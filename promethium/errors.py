"""Every error and warning Promethium raises, in one place.

Each exception mixes in the builtin it refines, so ``except ValueError`` keeps
working for callers that do not know Promethium. Messages name the input, what was
expected, and what to do about it.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "BatchError",
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
    "closest_match",
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


class BatchError(PromethiumError, RuntimeError):
    """Some inputs of a batch run failed; the others completed.

    Attributes
    ----------
    result : promethium.distributed.BatchResult
        What happened to every input.
    """

    def __init__(self, message: str, result: object = None) -> None:
        super().__init__(message)
        self.result = result


class PromethiumWarning(UserWarning):
    """Something the user should know about, that does not stop the work."""


def closest_match(name: str, choices: Iterable[str]) -> str:
    """Return a sentence suggesting the choice closest to `name`, or ``""``.

    Parameters
    ----------
    name : str
        The name a user gave.
    choices : iterable of str
        The valid names.

    Returns
    -------
    str
        ``" Did you mean '<choice>'?"`` (with a leading space, to append to an error
        message), or ``""`` when no choice is close enough.

    Notes
    -----
    The comparison ignores case (``"POCS"`` suggests ``'pocs'``); lookups themselves
    stay exact-case, so the message names the exact spelling to use.

    Examples
    --------
    >>> closest_match("posc", ["pocs", "linear"])
    " Did you mean 'pocs'?"
    >>> closest_match("POCS", ["pocs", "linear"])
    " Did you mean 'pocs'?"
    """
    import difflib

    by_lower: dict[str, str] = {}
    for choice in choices:
        by_lower.setdefault(choice.lower(), choice)
    match = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.5)
    return f" Did you mean {by_lower[match[0]]!r}?" if match else ""
