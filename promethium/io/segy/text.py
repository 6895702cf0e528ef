"""SEG-Y textual header cards: building, checking and replacing them.

A textual header is 40 cards of 80 characters, ``"C 1 "`` to ``"C40 "`` followed by
76 characters of text, in EBCDIC (``cp037``) or ASCII.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from promethium.errors import ConfigError

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["CARD_TEXT", "check_text", "put_card", "text_encoding", "text_header", "text_lines"]

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
    return f"C{number:2d} {text}"[:80].ljust(80)


def text_encoding(head: bytes) -> str:
    """The encoding of a textual header: EBCDIC (``cp037``) if it starts so, else ASCII."""
    return "cp037" if head[:1] == "C".encode("cp037") else "latin-1"


def put_card(head: bytes, number: int, text: str) -> bytes:
    """Return `head` (file headers) with card `number` (1-40) of its textual header replaced.

    The card is written in the textual header's own encoding; `text` is checked with
    :func:`check_text` first.
    """
    check_text(text, f"textual header card C{number}")
    start = (number - 1) * 80
    return head[:start] + _card(number, text).encode(text_encoding(head)) + head[start + 80 :]


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
