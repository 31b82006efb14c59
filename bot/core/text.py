"""Vietnamese text normalisation for matching.

`fold` gives the comparison form: NFC, lower case, tone marks and diacritics removed
(đ → d by hand: NFD leaves it), punctuation and emoji dropped, spaces collapsed. Old and
new tone placement (hoà/hòa, uỷ/ủy) fold to the same string.

`Normaliser` adds what chat needs on top: letters typed three times or more squashed
("khongggg"), the pack's abbreviation table applied token by token (an ambiguous short
form yields every reading), and the chat particles that carry no topic ("ạ", "ơi", "nhé")
told apart so matching can ignore them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_D = str.maketrans({"đ": "d", "Đ": "d"})
_NON_WORD = re.compile(r"[^0-9a-z]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")
# Phone and ID-card numbers (7+ digits, maybe grouped) and e-mail addresses: masked
# before anything else, so what is logged for editors carries no personal identifier.
_LONG_NUMBER = re.compile(r"\d(?:[\s.\-]?\d){6,}")
_EMAIL = re.compile(r"\S+@\S+")
MASK = "xx"

MAX_READINGS = 4

# Folded chat words that say nothing about what is asked and that content rarely uses:
# particles, pronouns, greetings. Coverage ignores them, so "ạ" or "ad ơi" do not make a
# question look out of scope. Words whose folded form is also a content word stay out
# ("ban": bạn / bản sao, "mot cua", "chi so", "ma ho so", "cuoc thi"); words content uses
# often ("là", "gì", "của") need no listing: their IDF is low anyway.
FILLERS = frozenset(
    """
    a ah ak oi nhe nha nhen ne nhi ha hen vay
    toi minh em anh ad admin bac chao vui dum giup
    """.split()
)


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
            readings = [r + tokens(o) for r in readings for o in options][:MAX_READINGS]
    return readings


def bigrams(words: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def fold_table(table: dict[str, list[str]]) -> dict[str, list[str]]:
    """The abbreviation table keyed by folded short forms (`đk` and `dk` are one key)."""
    folded: dict[str, list[str]] = {}
    for short, readings in table.items():
        key = fold(short)
        if key and " " not in key:
            merged = folded.setdefault(key, [])
            merged += [r for r in readings if fold(r) and r not in merged]
    return folded


@dataclass(frozen=True)
class Normalised:
    text: str  # the first reading, personal numbers masked: what is logged and grouped
    readings: list[list[str]]  # every reading of the abbreviations, as folded words


class Normaliser:
    """Folds chat text and applies the pack's abbreviation table."""

    def __init__(self, abbreviations: dict[str, list[str]]) -> None:
        self.table = fold_table(abbreviations)

    def words(self, text: str, limit: int = 250) -> list[str]:
        return squash(mask(text)).split()[:limit]

    def __call__(self, text: str, limit: int = 250) -> Normalised:
        readings = expand(self.words(text, limit), self.table)
        return Normalised(" ".join(readings[0]), readings)

    def document(self, text: str) -> list[str]:
        """Content side: every reading of an ambiguous short form, one after another."""
        out: list[str] = []
        for word in self.words(text, limit=10_000):
            options = self.table.get(word)
            out += [w for o in options for w in tokens(o)] if options else [word]
        return out


def mask(text: str) -> str:
    return _LONG_NUMBER.sub(f" {MASK} ", _EMAIL.sub(f" {MASK} ", text))


def squash(text: str) -> str:
    """Fold, and squash a letter typed three times or more ("khongggg")."""
    return _REPEATS.sub(r"\1", fold(text))
