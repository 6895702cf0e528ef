"""How much memory a step may use: refuse work that cannot fit before building it."""

from __future__ import annotations

__all__ = ["available_memory", "format_bytes"]


def available_memory() -> int:
    """Bytes of memory available to new allocations now (without swapping)."""
    import psutil

    return int(psutil.virtual_memory().available)


def format_bytes(n: float) -> str:
    """`n` bytes in the largest binary unit that keeps it at least 1: ``"1.5 GiB"``."""
    value = float(n)
    if value < 1024:
        return f"{int(value)} B"
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024:
            return f"{value:.1f} {unit}"
    return f"{value / 1024:.1f} TiB"
