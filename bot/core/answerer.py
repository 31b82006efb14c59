"""Free-text question answering over the pack's FAQ entries and service guides.

The index (`bot/faq/index.py`) ranks entries; the confidence model (`bot/faq/model.py`)
says how likely the best one is right. This module decides what the bot does:

- answer: the confidence is at least `confident`;
- suggest ("Có phải bạn muốn hỏi…"): it is at least `plausible` — the best entry and up
  to two close ones are offered as buttons;
- reject: below that the question is taken as out of scope, and the bot says so.

The thresholds were chosen on the development queries (`cchc-bot faq eval --sweep` prints
the rates for each choice)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.content.schema import ContentPack
from bot.faq.index import FaqIndex, Hit
from bot.faq.model import (
    BIAS,
    TOP_BIAS,
    TOP_WEIGHTS,
    WEIGHTS,
    TopFeatures,
    confidence,
    probability,
)

MAX_QUESTION = 1000  # characters read of a long message: its start and its end,
HEAD = 300  # where a rambling message usually puts the question


@dataclass(frozen=True)
class Candidate:
    kind: str  # "faq" or "guide"
    id: str
    title: str
    score: float


@dataclass(frozen=True)
class Answer:
    best: Candidate | None  # None when the bot is not sure
    candidates: list[Candidate]  # when not sure: the close entries to offer, best first
    ranked: list[Candidate] = field(default_factory=list)  # the closest entries, always
    normalised: str = ""  # the question as logged for editors (folded, numbers masked)

    @property
    def outcome(self) -> str:
        if self.best is not None:
            return "answered"
        return "suggested" if self.candidates else "rejected"


@dataclass(frozen=True)
class Thresholds:
    """On the confidence model's probability (%) that the best entry is the right one."""

    confident: float = 60.0  # at or above: answer
    plausible: float = 40.0  # at or above: "did you mean" the close entries; below: not sure
    # Offered alongside the best: entries whose ranker score is at least this share of its.
    close: float = 0.25
    # An unrelated entry ranked at least this share of the best: the question is ambiguous,
    # so the bot asks back rather than answer, however sure it is of the question's subject.
    rival: float = 0.5
    sure: float = 95.0  # at or above, a rival does not matter (the exact question was asked)


@dataclass(frozen=True)
class Model:
    """The weights `decide` uses (the fitted ones unless calibrating)."""

    weights: tuple[float, ...] = WEIGHTS
    bias: float = BIAS
    top_weights: tuple[float, ...] = TOP_WEIGHTS
    top_bias: float = TOP_BIAS


def _candidate(hit: Hit, score: float | None = None) -> Candidate:
    return Candidate(hit.entry.kind, hit.entry.id, hit.entry.title,
                     hit.score if score is None else score)


class QuestionAnswerer:
    def __init__(self, pack: ContentPack, thresholds: Thresholds | None = None) -> None:
        self.index = FaqIndex(pack)
        self.thresholds = thresholds or Thresholds()

    def answer(self, question: str) -> Answer:
        normalised, hits = self.search(question)
        return decide(hits, self.thresholds, normalised)

    def search(self, question: str) -> tuple[str, list[Hit]]:
        """The normalised question and the ranked entries, before any decision."""
        if len(question) > MAX_QUESTION:
            question = question[:HEAD] + " " + question[HEAD - MAX_QUESTION:]
        normalised = self.index.normalise(question)
        return normalised.text, self.index.search(normalised)


def rank(hits: list[Hit], model: Model) -> list[Hit]:
    if model.weights == WEIGHTS and model.bias == BIAS:
        return hits  # the index scored them with these
    rescored = [replace(h, score=round(100 * probability(h.features, model.weights, model.bias), 1))
                for h in hits]
    return sorted(rescored, key=lambda h: -h.score)


def top_features(hits: list[Hit]) -> TopFeatures:
    top = hits[0]
    rival = next((h for h in hits[1:] if h.entry.id not in top.entry.related), None)
    return TopFeatures.of(top.features, top.score / 100, rival.score / 100 if rival else 0.0)


def decide(hits: list[Hit], t: Thresholds, normalised: str = "", model: Model = Model()) -> Answer:
    hits = rank(hits, model)
    if not hits:
        return Answer(None, [], [], normalised)
    sure = round(100 * confidence(top_features(hits), model.top_weights, model.top_bias), 1)
    top = hits[0]
    ranked = [_candidate(top, sure)] + [_candidate(h) for h in hits[1:5]]
    rival = next((h for h in hits[1:] if h.entry.id not in top.entry.related), None)
    ambiguous = rival is not None and rival.score >= t.rival * top.score and sure < t.sure
    if sure >= t.confident and not ambiguous:
        return Answer(ranked[0], [], ranked, normalised)
    if sure < t.plausible:
        return Answer(None, [], ranked, normalised)
    close = [ranked[0]] + [_candidate(h) for h in hits[1:3] if h.score >= t.close * top.score]
    return Answer(None, close, ranked, normalised)
