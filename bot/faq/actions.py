"""The action a question asks about, told apart from its object.

"Báo mất hộ chiếu" and "cấp hộ chiếu" share their object; what differs is the action
("mất"). The pack's `actions.yaml` lists action groups and the words that say them; an
entry's actions are the groups its question, phrasings and keywords say. A question that
says an action its best entry does not cover must not be answered with that entry: the
bot offers the close entries instead, or says it is not sure.

Phrases are found longest first, so "thay đổi" (change) is not read as "đổi" (exchange),
and the `_except` group lists phrases that contain an action word without saying that
action ("mất bao lâu" asks how long, "mật khẩu" is a password): they are read and
dropped. A word typed with diacritics must agree with the phrase's ("mặt" is not "mất").
Typed without diacritics a phrase is ambiguous ("bi mat" is "bị mất" or "bí mật"): an
entry whose own questions use the same letters covers it too."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.kernel.text import Normaliser, accent_key, fold

EXCEPT = "_except"
MAX_PHRASE = 4  # words


@dataclass(frozen=True)
class Said:
    """An action said in a question."""

    group: str
    words: str  # the folded phrase found ("bi mat")
    plain: bool  # typed without diacritics: it may be another word spelt the same


class ActionLexicon:
    def __init__(self, table: dict[str, list[str]]) -> None:
        # folded phrase (a tuple of words) → (group or None for an exception, the accent
        # keys each word may carry)
        self._phrases: dict[tuple[str, ...], tuple[str | None, tuple[frozenset[str], ...]]] = {}
        for group, phrases in table.items():
            for phrase in phrases:
                words = tuple(fold(phrase).split())
                if not words:
                    continue
                keys = tuple(frozenset({accent_key(w)}) for w in phrase.split())
                if len(keys) != len(words):  # a word folded into two: no accent check
                    keys = tuple(frozenset() for _ in words)
                known = self._phrases.get(words)
                if known is not None:  # the same folded phrase in two spellings ("mất", "mắt")
                    keys = tuple(a | b for a, b in zip(known[1], keys, strict=True))
                self._phrases[words] = (None if group == EXCEPT else group, keys)
        self.groups = frozenset(g for g in table if g != EXCEPT)

    def __bool__(self) -> bool:
        return bool(self._phrases)

    def said(self, words: list[str], accents: dict[str, frozenset[str]] | None = None) -> tuple[Said, ...]:
        """The actions said in these folded words (`accents`: the accent keys of the words
        the person typed with diacritics). Exceptions are found first and win where they
        overlap an action ("làm mất bao lâu" asks how long)."""
        accents = accents or {}
        spans = self._spans(words, accents)
        taken = {i for start, size, group in spans if group is None for i in range(start, start + size)}
        found: list[Said] = []
        for start, size, group in spans:
            if group is None or taken & set(range(start, start + size)):
                continue
            taken |= set(range(start, start + size))
            span = words[start:start + size]
            found.append(Said(group, " ".join(span), not any(w in accents for w in span)))
        return tuple(found)

    def _spans(self, words: list[str], accents: dict[str, frozenset[str]]) -> list[tuple[int, int, str | None]]:
        """Every phrase found, (start, size, group or None), exceptions and longer ones first."""
        out = []
        for i in range(len(words)):
            for size in range(min(MAX_PHRASE, len(words) - i), 0, -1):
                span = tuple(words[i:i + size])
                known = self._phrases.get(span)
                if known is not None and _agrees(span, known[1], accents):
                    out.append((i, size, known[0]))
        return sorted(out, key=lambda s: (s[2] is not None, -s[1], s[0]))

    def of_texts(self, normalise: Normaliser, texts: Iterable[str]) -> frozenset[str]:
        """The groups a content entry's own texts say (with their diacritics)."""
        found: set[str] = set()
        for text in texts:
            found |= {s.group for s in self.said(normalise.document(text), _accents(normalise, text))}
        return frozenset(found)


def uncovered(said: tuple[Said, ...], actions: frozenset[str], grams: frozenset[str]) -> float:
    """The share of the actions said that an entry does not cover: its questions say
    neither that action nor, for a phrase typed without diacritics, the same letters."""
    if not said:
        return 0.0
    groups = {s.group for s in said}
    covered = {s.group for s in said if s.group in actions or (s.plain and s.words in grams)}
    return len(groups - covered) / len(groups)


def _agrees(span: tuple[str, ...], keys: tuple[frozenset[str], ...],
            accents: dict[str, frozenset[str]]) -> bool:
    for word, allowed in zip(span, keys, strict=True):
        typed = accents.get(word)
        if typed and allowed and not typed & allowed:
            return False
    return True


def _accents(normalise: Normaliser, text: str) -> dict[str, frozenset[str]]:
    return {k: frozenset(v) for k, v in normalise.document_accents(text).items()}
