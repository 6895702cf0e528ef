"""SEG-Y textual header cards: building, checking and replacing them.

A textual header is 40 cards of 80 characters, ``"C 1 "`` to ``"C40 "`` followed by
76 characters of text, in EBCDIC (``cp037``) or ASCII.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from promethium.errors import ConfigError
from promethium.io.segy.layout import TEXT_SIZE

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "CARD_SIZE",
    "CARD_TEXT",
    "check_text",
    "put_card",
    "text_encoding",
    "text_header",
    "text_lines",
]

#: Characters of a textual header card.
CARD_SIZE = 80
#: Characters of a textual header card after its ``"Cnn "`` prefix.
CARD_TEXT = 76


def check_text(text: str, what: str) -> None:
    """Raise unless `text` is printable ASCII, which both ASCII and EBCDIC cards can hold.

    Raises
    ------
    ConfigError
        Naming the first character that is not, its position and the fix.
    """
    for position, char in enumerate(text):
        if not " " <= char <= "~":
            raise ConfigError(
                f"{what} has {char!r} (U+{ord(char):04X}) at position {position}; a SEG-Y "
                "textual header card holds printable ASCII only (letters, digits, "
                "punctuation, spaces): replace that character."
            )
    if len(text) > CARD_TEXT:
        raise ConfigError(
            f"{what} is {len(text)} characters long; a textual header card holds "
            f"{CARD_TEXT} after its 'Cnn ' prefix: shorten it."
        )


def _card(number: int, text: str) -> str:
    return f"C{number:2d} {text}"[:CARD_SIZE].ljust(CARD_SIZE)


def text_encoding(head: bytes) -> str:
    """The codec of a textual header (the first 3200 bytes of `head`): EBCDIC or ASCII.

    EBCDIC (``"cp037"``) is recognized by its bytes: its letters and digits all lie
    above 0x80, where ASCII text has none, so it is EBCDIC when most bytes that are not
    blanks (NUL, ASCII or EBCDIC space) lie there, or when the first card starts with
    an EBCDIC ``"C"``. Otherwise ``"latin-1"`` (ASCII).

    Examples
    --------
    >>> text_encoding("C 1 CLIENT: ACME".ljust(3200).encode("cp037"))
    'cp037'
    >>> text_encoding("LINE 7 ACME".ljust(3200).encode("cp037"))
    'cp037'
    >>> text_encoding(b"C 1 LINE 7".ljust(3200))
    'latin-1'
    """
    text = head[:TEXT_SIZE]
    inked = text.translate(None, b"\x00\x20\x40")
    high = sum(b >= 0x80 for b in inked)
    ebcdic = high > 0.5 * len(inked) or text[:1] == "C".encode("cp037")
    return "cp037" if ebcdic else "latin-1"


def put_card(head: bytes, number: int, text: str) -> bytes:
    """Return `head` (file headers) with card `number` (1-40) of its textual header replaced.

    The card is written in the textual header's own encoding; `text` is checked with
    :func:`check_text` first.
    """
    check_text(text, f"textual header card C{number}")
    start = (number - 1) * CARD_SIZE
    card = _card(number, text).encode(text_encoding(head))
    return head[:start] + card + head[start + CARD_SIZE :]


def text_header(lines: list[str]) -> bytes:
    """Encode up to 40 card lines as a 3200-byte EBCDIC textual header.

    Characters that are not printable ASCII are written as backslash escapes.
    """
    cards = [_card(i + 1, _printable(text)) for i, text in enumerate(lines[:40])]
    cards += [_card(i + 1, "") for i in range(len(cards), 40)]
    return "".join(cards).encode("cp037")


def _printable(text: str) -> str:
    escaped = text.encode("ascii", "backslashreplace").decode("ascii")
    return "".join(c if " " <= c <= "~" else "?" for c in escaped)


def text_lines(da: xr.DataArray) -> list[str]:
    """Card lines describing `da` for the textual header of a new file."""
    dims = ", ".join(f"{d}={n}" for d, n in da.sizes.items())
    return (
        [
            "SEG-Y written by Promethium (seismic data reconstruction)",
            f"dims: {dims}"[:76],
            f"name: {da.name}"[:76],
        ]
        + [""] * 36
        + ["END TEXTUAL HEADER"]
    )
