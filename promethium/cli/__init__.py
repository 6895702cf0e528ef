"""The ``promethium`` command: inspect, convert and reconstruct seismic files.

Every command has ``--help``. User mistakes print one line, ``error: ...``, and exit
with status 1 (usage mistakes: the usage and status 2); warnings print as
``warning: ...``. ``--debug`` shows Python tracebacks instead.

The package holds one module per command (``info``, ``convert``, ``reconstruct``,
``plugins``), the shared options (``options``: ``-v``/``-q``, the SEG-Y reading
options and the options several commands take; ``segy_options``, ``model_options``),
reading and writing (``files``), the typer application that lists the commands (``app``) and the
entry point ``main`` (``promethium = "promethium.cli:main"``).
"""

from __future__ import annotations

from promethium.cli.app import app
from promethium.cli.main import main

__all__ = ["app", "main"]
