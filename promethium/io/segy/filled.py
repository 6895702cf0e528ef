"""Which traces of a SEG-Y file a model filled: marked on writing, recovered on reading.

By default :func:`to_segy` keeps every header byte of the original. With
``mark_filled=True`` it records the filled set in the file itself:

- each filled trace gets trace identification code :data:`FILLED_TRACE_ID` (bytes
  29-30, a value of the "optional use" range of the SEG-Y standard);
- card C39 of the textual header says so, with the count, e.g.
  ``C39 PROMETHIUM FILLED 12 TRACES: TRACE ID (BYTES 29-30) = 32767``.

:func:`open_segy` reads the card and, when it is there, recovers the ``trace_filled``
coordinate from the trace identification codes; a file without the card has no
``trace_filled`` coordinate (unknown, rather than "nothing filled").
"""

from __future__ import annotations

import re

import numpy as np

from promethium.io.segy.layout import TEXT_SIZE, SegyLayout
from promethium.io.segy.text import CARD_SIZE, text_encoding

__all__ = [
    "FILLED_CARD",
    "FILLED_TRACE_ID",
    "TRACE_ID_WORD",
    "filled_card",
    "filled_marker",
    "recorded_filled",
]

#: Trace identification code of filled traces (SEG-Y: values above those it defines
#: are for optional use, up to 32767).
FILLED_TRACE_ID = 32767
#: The trace identification code word, ``(byte, size)``.
TRACE_ID_WORD = (29, 2)
#: Textual header card that records the marking.
FILLED_CARD = 39
_PATTERN = re.compile(r"PROMETHIUM FILLED (\d+) TRACES?: TRACE ID \(BYTES 29-30\) = (-?\d+)")


def filled_card(count: int) -> str:
    """The text of card :data:`FILLED_CARD` for `count` filled traces.

    Examples
    --------
    >>> filled_card(3)
    'PROMETHIUM FILLED 3 TRACES: TRACE ID (BYTES 29-30) = 32767'
    """
    return f"PROMETHIUM FILLED {count} TRACES: TRACE ID (BYTES 29-30) = {FILLED_TRACE_ID}"


def _marker(text: bytes) -> int | None:
    """The trace identification code of filled traces recorded in a textual header."""
    start = (FILLED_CARD - 1) * CARD_SIZE
    card = text[start : start + CARD_SIZE].decode(text_encoding(text), errors="replace")
    found = _PATTERN.search(card)
    return int(found.group(2)) if found else None


def filled_marker(layout: SegyLayout) -> int | None:
    """Return the trace identification code of filled traces that card C39 records.

    Reads the textual header only; None when the file records no marking (then its
    filled set is unknown).
    """
    with open(layout.path, "rb") as f:
        return _marker(f.read(TEXT_SIZE))


def recorded_filled(layout: SegyLayout) -> np.ndarray | None:
    """Return which file traces were marked filled, or None if the file records nothing.

    :func:`~promethium.io.segy.read.index_segy` reads the marker word in its own header
    pass instead (:func:`filled_marker`); this reads it by itself.

    Parameters
    ----------
    layout : SegyLayout
        The file.

    Returns
    -------
    numpy.ndarray or None
        bool per file trace (True = filled by a model), when card C39 of the textual
        header records a marking; None otherwise.
    """
    from promethium.io.segy.headers import read_words

    marker = filled_marker(layout)
    if marker is None:
        return None
    return read_words(layout, [TRACE_ID_WORD])[TRACE_ID_WORD] == marker
