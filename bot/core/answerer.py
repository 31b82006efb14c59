"""Free-text question answering over the pack's FAQ entries and service guides."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.content.schema import ContentPack
from bot.core.text import expand, fold, tokens


@dataclass(frozen=True)
class Candidate:
    kind: str  # "faq" or "guide"
    id: str
    title: str
    score: float


@dataclass(frozen=True)
class Answer:
    best: Candidate | None  # None when the bot is not sure
    candidates: list[Candidate]  # the closest entries, best first


class QuestionAnswerer:
    """Scores a question against every phrasing of every entry (diacritic-insensitive)."""

    confident = 80.0  # at or above: answer directly
    plausible = 60.0  # at or above: offer as "did you mean"

    def __init__(self, pack: ContentPack) -> None:
        self.abbreviations = {fold(k): v for k, v in pack.abbreviations.items()}
        self._choices: list[str] = []
        self._owners: list[Candidate] = []
        for e in pack.faq:
            for phrase in [e.question, *e.phrasings, *e.keywords]:
                self._add(phrase, Candidate("faq", e.id, e.question, 0.0))
        for g in pack.guides:
            for phrase in [g.title, *g.phrasings, *g.keywords]:
                self._add(phrase, Candidate("guide", g.id, g.title, 0.0))

    def _add(self, phrase: str, owner: Candidate) -> None:
        folded = fold(phrase)
        if folded:
            self._choices.append(folded)
            self._owners.append(owner)

    def answer(self, question: str, limit: int = 3) -> Answer:
        words = tokens(question[:1000])
        if not words or not self._choices:
            return Answer(None, [])
        best: dict[str, Candidate] = {}
        for reading in expand(words, self.abbreviations):
            query = " ".join(reading)
            for _, score, idx in process.extract(query, self._choices, scorer=fuzz.token_sort_ratio, limit=20):
                owner = self._owners[idx]
                if owner.id not in best or best[owner.id].score < score:
                    best[owner.id] = Candidate(owner.kind, owner.id, owner.title, round(score, 1))
        ranked = sorted(best.values(), key=lambda c: -c.score)[:limit]
        top = ranked[0] if ranked and ranked[0].score >= self.confident else None
        return Answer(top, [c for c in ranked if c.score >= self.plausible])
