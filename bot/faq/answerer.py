"""Free-text understanding: an intent, or a question answered from the pack's FAQ entries
and service guides.

`understand` first looks for an intent (`bot/faq/intents.py`): chit-chat, or a request to
do something the bot does itself (file feedback, show the hotlines…). Otherwise the index
(`bot/faq/index.py`) ranks entries and the confidence model (`bot/faq/model.py`) says how
likely the best one is right. This module decides what the bot does:

- answer: the confidence is at least `confident`, and the best entry covers the action the
  question says ("báo mất hộ chiếu" is never answered with how to issue a passport);
- suggest ("Có phải bạn muốn hỏi…"): it is at least `plausible` — the best entry and up
  to two close ones are offered as buttons;
- reject: below that the question is taken as out of scope, and the bot says so.

The thresholds were chosen on the development queries (`cchc-bot faq eval --sweep` prints
the rates for each choice)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from bot.content.schema import ContentPack, Intent
from bot.faq.index import FaqIndex, Hit
from bot.faq.intents import IntentMatch, IntentMatcher
from bot.faq.model import (
    BIAS,
    TOP_BIAS,
    TOP_WEIGHTS,
    WEIGHTS,
    TopFeatures,
    confidence,
    probability,
)
from bot.kernel.text import Normalised

# How a question is told from an answer to a form's step ("Nguyễn Văn An", "xã An Ninh"):
# a question mark, a question word at the end, or a question phrase anywhere (folded).
QUESTION_ENDINGS = frozenset("khong chua gi nao sao dau nhi ha hong hok ko k".split())
QUESTION_PHRASES = tuple(tuple(p.split()) for p in (
    "la gi", "the nao", "o dau", "bao lau", "bao nhieu", "lam sao", "khi nao", "duoc khong",
    "co phai", "may gio", "may ngay", "tai sao", "vi sao", "cai gi", "cho hoi", "xin hoi",
    "muon hoi", "can gi", "nhung gi", "ra sao", "co duoc", "phai lam", "lam gi", "o dau"))
MAX_QUESTION = 1000  # characters read of a long message: its start and its end,
HEAD = 300  # where a rambling message usually puts the question


@dataclass(frozen=True)
class Candidate:
    kind: str  # "faq" or "guide"
    id: str
    title: str
    score: float
    related: frozenset[str] = frozenset()  # the guide a FAQ entry offers (or the entries offering a guide)


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

    confident: float = 75.0  # at or above: answer
    plausible: float = 15.0  # at or above: "did you mean" the close entries; below: not sure
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


@dataclass(frozen=True)
class Understanding:
    """What a free-text message asks: an intent (`intent` set), or a question (`answer`)."""

    answer: Answer
    intent: IntentMatch | None = None

    @property
    def action(self) -> str | None:
        return self.intent.action if self.intent else None


# An intent the conversation can carry out → a test of whether a message asks for it that
# the intent table cannot express (an old address typed on its own), given the pack.
Detectors = Mapping[str, Callable[[str, ContentPack], bool]]


def _candidate(hit: Hit, score: float | None = None) -> Candidate:
    return Candidate(hit.entry.kind, hit.entry.id, hit.entry.title,
                     hit.score if score is None else score, hit.entry.related)


class QuestionAnswerer:
    def __init__(self, pack: ContentPack, thresholds: Thresholds | None = None) -> None:
        self.pack = pack
        self.index = FaqIndex(pack)
        self.intents = IntentMatcher(pack.intents, self.index.normalise)
        self.thresholds = thresholds or Thresholds()

    def answer(self, question: str, thresholds: Thresholds | None = None) -> Answer:
        normalised, hits = self.search(question)
        return decide(hits, thresholds or self.thresholds, normalised)

    def understand(self, question: str, actions: frozenset[str] | None = None,
                   detectors: Detectors | None = None, thresholds: Thresholds | None = None) -> Understanding:
        """An intent or an answer. `actions`: the intents the conversation can carry out
        (None: all); `detectors`: extra tests for some of them.

        The whole message as an intent ("cảm ơn", "số điện thoại") comes first; a request
        ("tôi muốn phản ánh về…") next — unless it is asked as a question ("gửi phản ánh có
        mất phí không?"), which a confident answer takes first."""
        normalised = self.index.normalise(_clip(question))
        whole = self.intents.whole(normalised, actions)
        if whole is not None:
            return Understanding(Answer(None, [], [], normalised.text), whole)
        request = self.intents.asked(normalised, actions)
        if request is not None and not self._questioning(question, normalised):
            return Understanding(Answer(None, [], [], normalised.text), request)
        answer = self.answer(question, thresholds)
        if answer.best is not None:
            return Understanding(answer)
        if request is not None:
            return Understanding(answer, request)
        for action, detect in (detectors or {}).items():
            if (actions is None or action in actions) and detect(question, self.pack):
                return Understanding(answer, IntentMatch(_detected(action), "detected"))
        return Understanding(answer, self.intents.mentioned(normalised, actions))

    def is_question(self, text: str) -> bool:
        """Does this look like a question or a request rather than a form's answer?"""
        normalised = self.index.normalise(_clip(text))
        return self.intents.match(normalised) is not None or self._questioning(text, normalised)

    @staticmethod
    def _questioning(text: str, normalised: Normalised) -> bool:
        """A question mark, a question word at the end, or a question phrase anywhere."""
        if "?" in text:
            return True
        for words in normalised.readings:
            if words and words[-1] in QUESTION_ENDINGS:
                return True
            for phrase in QUESTION_PHRASES:
                n = len(phrase)
                if any(tuple(words[i:i + n]) == phrase for i in range(len(words) - n + 1)):
                    return True
        return False

    def search(self, question: str) -> tuple[str, list[Hit]]:
        """The normalised question and the ranked entries, before any decision.

        A long message usually tells its story first and asks last ("Con tôi 10 tuổi, hè
        này cả nhà đi chơi. Làm hộ chiếu cho bé cần gì?"): its last question is searched
        on its own too, and the reading whose best entry scores higher is kept."""
        normalised = self.index.normalise(_clip(question))
        hits = self.index.search(normalised)
        tail = _last_question(question)
        if tail:
            # Only where the whole message agrees ("Đăng ký ở đâu?" alone could be anything).
            agree = {h.entry.id for h in hits[:TAIL_AGREES]}
            tail_hits = self.index.search(self.index.normalise(tail))
            if tail_hits and tail_hits[0].entry.id in agree and tail_hits[0].score > hits[0].score:
                hits = tail_hits
        return normalised.text, hits


_SENTENCE_END = re.compile(r"(?<=[.?!;\n])\s+|\n+")
TAIL_AFTER = 14  # words: a message this long may carry its question in its last sentence
TAIL_AGREES = 3  # the last question's best entry must be among the whole message's best three


def _last_question(question: str) -> str | None:
    """The last sentence that asks (or the last two sentences), when the message is long
    enough to have a story before its question."""
    if len(question.split()) < TAIL_AFTER:
        return None
    sentences = [s.strip() for s in _SENTENCE_END.split(question.strip()) if s.strip()]
    if len(sentences) < 2:
        return None
    asking = [s for s in sentences if "?" in s]
    tail = asking[-1] if asking else " ".join(sentences[-2:]) if len(sentences) > 2 else sentences[-1]
    return tail if len(tail.split()) >= 3 else " ".join(sentences[-2:])


def _clip(question: str) -> str:
    if len(question) > MAX_QUESTION:
        return question[:HEAD] + " " + question[HEAD - MAX_QUESTION:]
    return question


def _detected(action: str) -> Intent:
    # Validated as the model validates any intent: `action` must be an IntentAction.
    return Intent.model_validate({"id": action, "action": action, "whole": [action]})


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
    # The question says an action ("mất", "đổi") this entry's questions never say: not its answer.
    other_action = top.features.action_mismatch > 0
    if sure >= t.confident and not ambiguous and not other_action:
        return Answer(ranked[0], [], ranked, normalised)
    if sure < t.plausible:
        return Answer(None, [], ranked, normalised)
    close = [ranked[0]] + [_candidate(h) for h in hits[1:3] if h.score >= t.close * top.score]
    return Answer(None, close, ranked, normalised)
