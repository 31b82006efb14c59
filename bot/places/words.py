"""Typed addresses as words: folded ("Phường" → "phuong"), the usual short forms read out
("P." → phường, "TP" → thành phố, "p2" → phường 2), and every run of consecutive words
joined without spaces — the form the library's keywords take ("phuong2", "soctrang").

Checking a keyword against whole runs of words, not against the text with its spaces
removed, is what keeps "là gì" from reading as "La Gi" inside "…trực tuyến là gì"
(only a whole-word match counts, and a district needs its type word or its province)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.kernel.text import fold

_SHORT = {"p": ["phuong"], "f": ["phuong"], "x": ["xa"], "tt": ["thi", "tran"], "tx": ["thi", "xa"],
          "tp": ["thanh", "pho"], "q": ["quan"], "h": ["huyen"]}
_NUMBERED = re.compile(r"^(p|f|q|phuong|quan)0*(\d{1,2})$")
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8"}
MAX_RUN = 8

# Words that start the name of a commune-level unit, and of a district-level one.
WARD_TYPES = (("xa",), ("phuong",), ("thi", "tran"), ("dac", "khu"))
DISTRICT_TYPES = (("huyen",), ("quan",), ("thi", "xa"), ("thanh", "pho"))
PROVINCE_TYPES = (("tinh",), ("thanh", "pho"))
TYPES = WARD_TYPES + DISTRICT_TYPES + PROVINCE_TYPES

# How people ask (folded): dropped before a message is compared with a name as a whole.
_QUESTION = re.compile(
    r"\b(dia chi moi|dia chi cu|dia chi|cua (toi|minh|em|nha toi)|nha (toi|minh|em)|que (toi|minh|em)"
    r"|(toi|minh|em) o|bay gio|hien nay|nay la|nay thuoc|sau sap nhap|sap nhap (vao|ve) dau|sap nhap"
    r"|thuoc (xa|phuong) nao|(xa|phuong) nao|la gi|o dau|vao dau|ve dau|gom nhung|gom cac|gom|nhung"
    r"|(don vi|xa|phuong|thi tran) cu nao|cu nao|truoc (day|kia)|hinh thanh tu|hop thanh tu|tu nhung"
    r"|la|a|nhe|oi|vay|the nao|ra sao|moi|cu|tra cuu|cho (toi|minh|em) hoi|hoi|toi|minh|em|ban|nha|que|o|cua"
    r"|khong|chua|duoc|biet|muon)\b")


_TYPE_WORDS = re.compile(r"\b(xa|phuong|thi tran|dac khu|huyen|quan|thi xa|thanh pho|tinh|tp)\b")


def type_of(name: str) -> tuple[str, ...]:
    """The type words a unit's name starts with: "Thị trấn Châu Thành" → ("thi", "tran")."""
    folded = tuple(fold(name).split())
    return next((t for t in TYPES if folded[:len(t)] == t), ())


_TOKEN = re.compile(r"[^\W_]+(\.?)")
_LETTERS = frozenset("pfqxh")  # "P." is phường, but "h" in "Ea H'leo" is not huyện


def words(text: str) -> list[str]:
    out: list[str] = []
    tokens = [(m.group(0).rstrip("."), bool(m.group(1))) for m in _TOKEN.finditer(text)]
    for i, (raw, dotted) in enumerate(tokens):
        for word in fold(raw).split():
            numbered = _NUMBERED.match(word)
            next_is_number = i + 1 < len(tokens) and tokens[i + 1][0].isdigit()
            if numbered:
                out += [*_SHORT.get(numbered.group(1), [numbered.group(1)]), numbered.group(2)]
            elif word.isdigit():
                out.append(str(int(word)))
            elif word in _LETTERS and not (dotted or next_is_number):
                out.append(word)
            else:
                out += _SHORT.get(word, [word])
    return out


@dataclass
class Typed:
    """One typed text, ready for keyword look-ups."""

    text: str
    words: list[str] = field(init=False)
    runs: dict[str, list[tuple[int, int]]] = field(init=False)

    def __post_init__(self) -> None:
        self.words = words(self.text)
        self.runs = {}
        for variant in (self.words, self._roman(self.words)):
            for start in range(len(variant)):
                joined = ""
                for end in range(start + 1, min(len(variant), start + MAX_RUN) + 1):
                    joined += variant[end - 1]
                    spans = self.runs.setdefault(joined, [])
                    if (start, end) not in spans:
                        spans.append((start, end))

    @staticmethod
    def _roman(words: list[str]) -> list[str]:
        """"Phường IV" is Phường 4 in the data."""
        return [_ROMAN.get(w, w) if i and words[i - 1] == "phuong" else w for i, w in enumerate(words)]

    def spans(self, keywords: Iterable[str]) -> list[tuple[int, int]]:
        return [span for k in keywords for span in self.runs.get(k, ())]

    def typed_before(self, span: tuple[int, int], types: Iterable[tuple[str, ...]]) -> bool:
        """A type word right before the span, or as its start ("huyện Long Phú"). Give
        the unit's own type: "phường Phú Lợi" does not name "Xã Phương Phú"."""
        start, end = span
        for t in types:
            n = len(t)
            if start >= n and tuple(self.words[start - n:start]) == t:
                return True
            if end - start > n and tuple(self.words[start:start + n]) == t:
                return True
        return False

    def is_whole(self, span: tuple[int, int]) -> bool:
        """The span is everything that was typed, how one asks aside."""
        rest = self.words[:span[0]] + ["|"] + self.words[span[1]:]
        return _QUESTION.sub(" ", " ".join(rest)).split() == ["|"]

    def other_words(self, covered: set[int]) -> list[str]:
        """The words outside `covered`, how one asks and the units' type words aside."""
        rest = " ".join(w if i not in covered else "|" for i, w in enumerate(self.words))
        rest = _TYPE_WORDS.sub(" ", _QUESTION.sub(" ", rest))
        return [w for w in rest.split() if w != "|"]

    def is_bare_question(self) -> bool:
        """Only how one asks ("địa chỉ mới của tôi là gì?", "xã tôi sáp nhập vào đâu"):
        no name in it."""
        return not self.other_words(set())

    def has_type_word(self) -> bool:
        return any(tuple(self.words[i:i + len(t)]) == t for t in TYPES for i in range(len(self.words)))
