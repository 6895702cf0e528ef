"""The textual header's encoding: one detector for reading, marking and info."""

from __future__ import annotations

import pytest

from promethium.io.segy.info import decode_text_header
from promethium.io.segy.text import put_card, text_encoding

EBCDIC_CARDS = "".join(
    line.ljust(80) for line in ["CLIENT ACME LINE 7", "SURVEY NORTH", "PROCESSED 2026"]
).ljust(3200)


@pytest.mark.parametrize(
    ("raw", "codec", "name"),
    [
        ("C 1 CLIENT: ACME".ljust(3200).encode("cp037"), "cp037", "EBCDIC"),
        (EBCDIC_CARDS.encode("cp037"), "cp037", "EBCDIC"),  # no "C 1" prefix
        (b"C 1 LINE 7".ljust(3200), "latin-1", "ASCII"),
        (EBCDIC_CARDS.encode("ascii"), "latin-1", "ASCII"),
    ],
)
def test_reading_and_marking_agree_on_the_encoding(raw, codec, name):
    assert text_encoding(raw) == codec
    text, found = decode_text_header(raw)
    assert found == name
    assert text.splitlines()[0] == raw[:80].decode(codec).rstrip()


def test_a_card_put_into_an_ebcdic_header_without_c_prefix_is_ebcdic():
    head = EBCDIC_CARDS.encode("cp037") + bytes(400)
    out = put_card(head, 39, "FILLED TRACES")
    assert len(out) == len(head)
    assert out[38 * 80 : 39 * 80].decode("cp037") == "C39 FILLED TRACES".ljust(80)
    assert out[:80] == head[:80]
