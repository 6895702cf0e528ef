"""``promethium plugins``: the registered models and the plugins that failed to load."""

from __future__ import annotations

__all__ = ["plugins"]


def plugins() -> None:
    """List every registered model, and the plugins that failed to load."""
    from rich.console import Console

    from promethium.plugins import render_plugins

    Console().print(render_plugins())
