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
from dataclasses import dataclass, field
from functools import lru_cache

from bot.kernel.personal import EMAIL, LONG_NUMBER

_D = str.maketrans({"đ": "d", "Đ": "d"})
_NON_WORD = re.compile(r"[^0-9a-z]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_REPEATED = re.compile(r"(\w)\1{2,}")
# Phone and ID-card numbers (7+ digits, maybe grouped) and e-mail addresses: masked
# before anything else, so they never weigh in matching (`personal.redact` masks more,
# for what staff read).
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


# Vietnamese syllables, folded: an onset and a rhyme from these lists. A word that is not
# one is a typo or a foreign word — only those are corrected towards the content's words;
# a real syllable the content never uses ("phở", "xăng") is left alone, as evidence that
# the question is about something else.
_ONSETS = ("", "b", "c", "ch", "d", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
           "nh", "p", "ph", "q", "r", "s", "t", "th", "tr", "v", "x")
_RHYMES = frozenset(
    """
    a ac ach ai am an ang anh ao ap at au ay e ec ech em en eng enh eo ep et eu
    i ia ich iec iem ien ieng iep iet ieu im in inh ip it iu
    o oa oac oach oai oam oan oang oanh oao oap oat oay oc oe oem oen oeo oet oi om on ong
    ooc oong op ot u ua uan uang uanh uat uay uc ue uech uen uenh uet ui um un ung uoc uoi
    uom uon uong uop uot uou up ut uu uy uya uych uyen uyet uynh uyt uyu y yen yet yeu
    """.split()
)
# Tone marks (the other marks — â, ă, ơ, ư, ê, ô — are part of the vowel, and stay).
_TONES = {"\u0300": "1", "\u0301": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}


def is_syllable(word: str) -> bool:
    """Could this folded word be a Vietnamese syllable?"""
    return any(word.startswith(o) and word[len(o):] in _RHYMES for o in _ONSETS)


@lru_cache(maxsize=65536)
def _fold_word(raw: str) -> tuple[str, ...]:
    """A word's folded parts; cached: a pack or a chat uses a few thousand words."""
    return tuple(fold(raw).split())


@lru_cache(maxsize=65536)
def accent_key(word: str) -> str:
    """The word with its vowel marks and its tone at the end, whatever the tone's placement:
    "hoà" and "hòa" → "hoa1"; "lợi" → "lơi5" but "lỗi" → "lôi4" (both fold to "loi")."""
    word = _REPEATED.sub(r"\1", unicodedata.normalize("NFC", word).lower())
    decomposed = unicodedata.normalize("NFD", word)
    tone = next((_TONES[c] for c in decomposed if c in _TONES), "0")
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES)) + tone


def is_marked(word: str) -> bool:
    return word != strip_marks(word)


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
    # For the words typed with diacritics: folded word → the accented forms typed
    # (`accent_key`), so "lợi" need not match content that only says "lỗi".
    accents: dict[str, frozenset[str]] = field(default_factory=dict)


_WORD = re.compile(r"[^\W_]+")


class Normaliser:
    """Folds chat text and applies the pack's abbreviation table."""

    def __init__(self, abbreviations: dict[str, list[str]]) -> None:
        self.table = fold_table(abbreviations)

    def _split(self, text: str) -> list[tuple[str, str]]:
        """(folded word, the word as typed) pairs."""
        out = []
        for raw in _WORD.findall(unicodedata.normalize("NFC", mask(text))):
            parts = [p if p in self.table else _REPEATS.sub(r"\1", p) for p in _fold_word(raw)]
            out += [(p, raw if len(parts) == 1 else p) for p in parts]
        return out

    def words(self, text: str, limit: int = 250) -> list[str]:
        return [w for w, _ in self._split(text)[:limit]]

    def __call__(self, text: str, limit: int = 250) -> Normalised:
        pairs = self._split(text)[:limit]
        readings = expand([w for w, _ in pairs], self.table)
        accents: dict[str, set[str]] = {}
        for folded, raw in pairs:
            if is_marked(raw) and folded not in self.table:
                accents.setdefault(folded, set()).add(accent_key(raw))
        return Normalised(" ".join(readings[0]), readings,
                          {k: frozenset(v) for k, v in accents.items()})

    def document(self, text: str) -> list[str]:
        """Content side: every reading of an ambiguous short form, one after another."""
        out: list[str] = []
        for word in self.words(text, limit=10_000):
            options = self.table.get(word)
            out += [w for o in options for w in tokens(o)] if options else [word]
        return out

    def document_accents(self, text: str) -> dict[str, set[str]]:
        """Content side: the accented forms of its words, abbreviations' readings included."""
        accents: dict[str, set[str]] = {}
        for folded, raw in self._split(text):
            forms = [raw]
            if folded in self.table:
                forms = [w for o in self.table[folded] for w in _WORD.findall(o)]
            for form in forms:
                accents.setdefault(" ".join(_fold_word(form)), set()).add(accent_key(form))
        return accents


def mask(text: str) -> str:
    """Phone and ID-card numbers and e-mail addresses replaced by MASK."""
    return LONG_NUMBER.sub(f" {MASK} ", EMAIL.sub(f" {MASK} ", text))


def squash(text: str) -> str:
    """Fold, and squash a letter typed three times or more ("khongggg")."""
    return _REPEATS.sub(r"\1", fold(text))
