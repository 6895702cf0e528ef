"""The choices of the options that have them, for ``--help`` and shell completion.

Each list comes from where the library defines it (the option schema, the SEG-Y
reader and writer), so the command line cannot drift from what the library accepts.
Installed models are discovered only when a shell asks to complete ``--model``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from promethium.io.segy.geometry import GEOMETRIES
from promethium.io.segy.write import ABSENT
from promethium.ml.device import DEVICES, PRECISIONS

__all__ = [
    "ABSENT",
    "DEVICES",
    "GEOMETRIES",
    "PRECISIONS",
    "complete_from",
    "complete_models",
    "one_of",
]


def one_of(choices: Sequence[str]) -> str:
    """``"a, b or c"``: choices for a help text.

    Examples
    --------
    >>> one_of(("auto", "cpu", "cuda"))
    'auto, cpu or cuda'
    """
    *head, last = choices
    return f"{', '.join(head)} or {last}" if head else last


def complete_from(choices: Sequence[str]) -> Callable[[str], list[str]]:
    """A shell-completion callback offering the `choices` that start as typed.

    Examples
    --------
    >>> complete_from(("float32", "float16", "auto"))("float")
    ['float32', 'float16']
    """

    def complete(incomplete: str) -> list[str]:
        return [c for c in choices if c.startswith(incomplete)]

    return complete


def complete_models(incomplete: str) -> list[str]:
    """Complete ``--model`` with the installed models (discovered now, warnings muted)."""
    import warnings

    from promethium.plugins import default_registry

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a broken plugin must not garble the shell
        names = default_registry().list()
    return [name for name in names if name.startswith(incomplete)]
