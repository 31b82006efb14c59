"""Free-text question answering over the pack's FAQ entries and service guides.

The index (`bot/faq/index.py`) ranks entries and gives each a confidence from 0 to 100;
this module decides what the bot does with the ranking:

- answer: the best entry is confident and clearly ahead of the next unrelated one;
- suggest ("Có phải bạn muốn hỏi…"): up to three entries are plausible and close;
- reject: nothing is plausible — the question is out of scope, and the bot says so.

The thresholds were calibrated on `tests/data/faq_eval.yaml` (`cchc-bot faq eval
--sweep` prints the rates for each)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.content.schema import ContentPack
from bot.faq.index import FaqIndex, Hit

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
    # Scores are the match model's probability (in %) that the entry is the answer.
    confident: float = 50.0  # at or above, and ahead of the rival by `margin`: answer
    sure: float = 80.0  # at or above: answer whatever the rival scores
    margin: float = 15.0
    plausible: float = 20.0  # at or above: may be offered as "did you mean"
    gap: float = 40.0  # offered only within this distance of the best


def _candidate(hit: Hit) -> Candidate:
    return Candidate(hit.entry.kind, hit.entry.id, hit.entry.title, hit.score)


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


def decide(hits: list[Hit], t: Thresholds, normalised: str = "") -> Answer:
    ranked = [_candidate(h) for h in hits[:5]]
    if not hits:
        return Answer(None, [], ranked, normalised)
    top = hits[0]
    rival = next((h for h in hits[1:] if h.entry.id not in top.entry.related), None)
    ahead = rival is None or top.score - rival.score >= t.margin
    if top.score >= t.sure or (top.score >= t.confident and ahead):
        return Answer(ranked[0], [], ranked, normalised)
    close = [c for c in ranked[:3] if c.score >= max(t.plausible, top.score - t.gap)]
    return Answer(None, close, ranked, normalised)
