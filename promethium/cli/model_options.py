"""Model options given on the command line as ``KEY=VALUE``."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["key_values"]


def key_values(pairs: list[str], what: str) -> dict[str, Any]:
    """Parse ``KEY=VALUE`` pairs; values are JSON (numbers, lists, true) or strings."""
    from promethium.errors import ConfigError

    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"{what} {pair!r} is not KEY=VALUE, e.g. {what} n_iter=30.")
        try:
            out[key] = json.loads(text)
        except json.JSONDecodeError:
            out[key] = text
    return out
