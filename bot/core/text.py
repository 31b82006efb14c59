"""Vietnamese text normalisation for matching.

`fold` gives the comparison form: NFC, lower case, tone marks and diacritics removed
(đ → d by hand: NFD leaves it), punctuation and emoji dropped, spaces collapsed. Old and
new tone placement (hoà/hòa, uỷ/ủy) fold to the same string."""

from __future__ import annotations

import re
import unicodedata

_D = str.maketrans({"đ": "d", "Đ": "d"})
_NON_WORD = re.compile(r"[^0-9a-z]+")


def strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def fold(text: str) -> str:
    text = strip_marks(unicodedata.normalize("NFC", text).lower())
    return _NON_WORD.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    return fold(text).split()


def expand(words: list[str], table: dict[str, list[str]]) -> list[list[str]]:
    """Expand abbreviations token by token; an ambiguous token yields every reading."""
    readings: list[list[str]] = [[]]
    for word in words:
        options = table.get(word)
        if not options:
            readings = [r + [word] for r in readings]
        else:
            readings = [r + tokens(o) for r in readings for o in options][:8]
    return readings
