"""Messages that ask the bot to do something, or are chit-chat, rather than questions.

The pack's `intents.yaml` lists, per intent, phrases said as the whole message (`whole`:
"cảm ơn", "số điện thoại"), requests that win wherever they appear (`asks`: "tôi muốn
phản ánh"), and mentions that count only when no FAQ answer is confident (`mentions`).
Phrases and messages are compared as folded words, with the abbreviation table applied
and chat particles ("ạ", "nhé", "ad ơi") left out."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.schema import Intent
from bot.kernel.text import FILLERS, Normalised, Normaliser

MAX_WHOLE = 16  # words: a longer message is not "just a greeting"
# words: a longer message that only mentions "liên hệ ai" is a question about something the
# FAQ does not cover; the fallback (which offers the hotlines too) answers it honestly
MAX_MENTION = 10
# Words that may surround a whole-message phrase without changing it ("ok cảm ơn bạn nhé").
_PADDING = FILLERS | {"ban", "oi", "nhieu", "lam", "qua", "nua", "roi", "a", "ha", "nhe", "tro", "ly", "bot",
                      "thoi", "tui", "di", "nha", "vay", "day", "u", "nghe", "hen", "nhen", "luon", "lai", "do",
                      "la", "co"}
# A request said with a negation before it ("không muốn nhận tin") is not that request.
_NEGATIONS = frozenset({"khong", "ko", "k", "chang", "cha", "hong", "hok", "dung", "khoi"})


@dataclass(frozen=True)
class IntentMatch:
    intent: Intent
    how: str  # "whole", "asks" or "mentions"

    @property
    def action(self) -> str:
        return self.intent.action


class IntentMatcher:
    def __init__(self, intents: list[Intent], normalise: Normaliser) -> None:
        self.normalise = normalise
        self._whole: dict[tuple[str, ...], Intent] = {}
        # intent id → the folded words one of which must follow its phrase (see Intent.about)
        self._about: dict[str, list[tuple[str, ...]]] = {}
        self._asks: list[tuple[tuple[str, ...], Intent]] = []
        self._mentions: list[tuple[tuple[str, ...], Intent]] = []
        for intent in intents:
            for phrase in intent.whole:
                for words in self._phrase(phrase):
                    self._whole.setdefault(words, intent)
            if intent.about:
                self._about[intent.id] = [w for p in intent.about for w in self._phrase(p)]
            self._asks += [(w, intent) for p in intent.asks for w in self._phrase(p)]
            self._mentions += [(w, intent) for p in intent.mentions for w in self._phrase(p)]
        # Longest phrase first: "số điện thoại liên hệ" before "số điện thoại".
        self._asks.sort(key=lambda pair: -len(pair[0]))
        self._mentions.sort(key=lambda pair: -len(pair[0]))
        self._longest_whole = max((len(w) for w in self._whole), default=0)

    def _phrase(self, phrase: str) -> list[tuple[str, ...]]:
        return [tuple(r) for r in self.normalise(phrase).readings if r]

    def match(self, question: Normalised, allowed: frozenset[str] | None = None) -> IntentMatch | None:
        """A `whole` or `asks` intent this message expresses, if any."""
        return self.whole(question, allowed) or self.asked(question, allowed)

    def whole(self, question: Normalised, allowed: frozenset[str] | None = None) -> IntentMatch | None:
        for reading in question.readings:
            found = self._whole_match(reading, allowed)
            if found:
                return IntentMatch(found, "whole")
        return None

    def asked(self, question: Normalised, allowed: frozenset[str] | None = None) -> IntentMatch | None:
        for reading in question.readings:
            found = _contains(reading, self._asks, allowed, self._about)
            if found:
                return IntentMatch(found, "asks")
        return None

    def mentioned(self, question: Normalised, allowed: frozenset[str] | None = None) -> IntentMatch | None:
        for reading in question.readings:
            if len([w for w in reading if w not in _PADDING]) > MAX_MENTION:
                continue
            found = _contains(reading, self._mentions, allowed, self._about)
            if found:
                return IntentMatch(found, "mentions")
        return None

    def _whole_match(self, words: list[str], allowed: frozenset[str] | None) -> Intent | None:
        """The message read as a sequence of whole-message phrases (and padding words).
        Several phrases ("ok cảm ơn, tạm biệt"): an action beats chit-chat; otherwise the
        last one is the one to answer."""
        if not words or len(words) > MAX_WHOLE:
            return None
        # best[i]: the intents of a reading of words[:i], or None when there is none
        best: list[list[Intent] | None] = [None] * (len(words) + 1)
        best[0] = []
        for i in range(len(words)):
            reading = best[i]
            if reading is None:
                continue
            if words[i] in _PADDING:
                _keep(best, i + 1, reading)
            for size in range(1, min(self._longest_whole, len(words) - i) + 1):
                intent = self._whole.get(tuple(words[i:i + size]))
                if intent is not None and (allowed is None or intent.action in allowed):
                    _keep(best, i + size, reading + [intent])
        found = best[len(words)]
        if not found:
            return None
        actions = [i for i in found if i.action != "chitchat"]
        return actions[-1] if actions else found[-1]


def _keep(best: list, at: int, intents: list[Intent]) -> None:
    if best[at] is None or len(intents) > len(best[at]):
        best[at] = intents


def _contains(words: list[str], phrases: list[tuple[tuple[str, ...], Intent]], allowed: frozenset[str] | None,
              about: dict[str, list[tuple[str, ...]]]) -> Intent | None:
    for phrase, intent in phrases:
        if allowed is not None and intent.action not in allowed:
            continue
        n = len(phrase)
        for i in range(len(words) - n + 1):
            if tuple(words[i:i + n]) != phrase or (i > 0 and words[i - 1] in _NEGATIONS):
                continue
            if _about_fits(words[i + n:], about.get(intent.id)):
                return intent
    return None


def _about_fits(rest: list[str], about: list[tuple[str, ...]] | None) -> bool:
    """Nothing (but padding) follows the phrase, or what follows names one of `about`."""
    if about is None or all(w in _PADDING for w in rest):
        return True
    return any(tuple(rest[j:j + len(a)]) == a for a in about for j in range(len(rest) - len(a) + 1))
