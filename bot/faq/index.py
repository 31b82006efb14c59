"""The search index over a pack's FAQ entries and service guides.

Two stages, so a question stays within a few milliseconds at thousands of entries:

1. BM25 over syllable unigrams and bigrams of each entry's question, phrasings and
   keywords (the answer text counts for a fifth) picks a few dozen candidates.
2. Each candidate gets match features (`bot/faq/model.py`): how much of the question it
   covers and how much of its closest phrasing the question says (IDF-weighted, so "là gì"
   counts for little and "lý lịch tư pháp" for a lot), word order, rapidfuzz's
   `token_set_ratio` on the folded strings (which alone ties at 100 on short questions),
   and whether words typed with diacritics agree with the entry's ("lợi" is not "lỗi").
   A logistic model turns them into the probability that the entry is the answer.

A question word that cannot be a Vietnamese syllable ("congg", "dangky") is corrected to
a content word one edit away, or split in two; a real syllable the content never uses is
kept, as a sign that the question is about something else."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar, cast

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.content.schema import ContentPack, Guide
from bot.faq.actions import ActionLexicon, uncovered
from bot.faq.bm25 import BM25
from bot.faq.model import Features, probability
from bot.kernel.text import FILLERS, Normalised, Normaliser, bigrams, is_syllable

T = TypeVar("T")

ANSWER_WEIGHT = 0.2  # answer text vs questions in BM25
FILLER_WEIGHT = 0.5  # a particle or pronoun in the query, vs a content word
CANDIDATES = 15
EVIDENCE = 12.0  # IDF mass of a phrasing said in full that counts as full evidence
LONG = 20  # content words of a long question


@dataclass(frozen=True)
class Phrasing:
    text: str  # folded words joined by spaces, for rapidfuzz
    words: tuple[tuple[str, float], ...]  # non-filler unigrams with their IDF
    mass: float  # their summed IDF
    pairs: tuple[tuple[str, float], ...]  # bigrams with their IDF
    pair_mass: float


@dataclass
class Entry:
    kind: str  # "faq" or "guide"
    id: str
    title: str
    phrasings: list[Phrasing] = field(default_factory=list)
    vocabulary: frozenset[str] = frozenset()  # every word of its questions and keywords
    accents: dict[str, frozenset[str]] = field(default_factory=dict)  # how they are spelt
    related: frozenset[str] = frozenset()  # a FAQ entry and the guide it offers
    actions: frozenset[str] = frozenset()  # the action groups its questions say ("mat", "doi")
    grams: frozenset[str] = frozenset()  # its questions' folded words and word pairs


@dataclass(frozen=True)
class Hit:
    entry: Entry
    features: Features
    score: float  # probability that this entry answers the question, 0–100


def _harmonic(a: float, b: float) -> float:
    return 2 * a * b / (a + b) if a + b else 0.0


class FaqIndex:
    def __init__(self, pack: ContentPack) -> None:
        self.normalise = Normaliser(pack.abbreviations)
        self.actions = ActionLexicon(pack.actions)
        self.entries: list[Entry] = []
        sources: list[tuple[list[str], str]] = []
        guide_of = {e.id: e.guide for e in pack.faq if e.guide}
        for e in pack.faq:
            sources.append(([e.question, *e.phrasings, *e.keywords], e.answer))
            self.entries.append(Entry("faq", e.id, e.question))
        for g in pack.guides:
            sources.append(([g.title, *g.phrasings, *g.keywords], _guide_text(g)))
            self.entries.append(Entry("guide", g.id, g.title))
        for entry in self.entries:
            if entry.kind == "faq" and entry.id in guide_of:
                entry.related = frozenset({guide_of[entry.id]})
            elif entry.kind == "guide":
                entry.related = frozenset(k for k, v in guide_of.items() if v == entry.id)

        documents, questions = [], []
        for questions_of, answer in sources:
            words = [w for w in (self.normalise.document(q) for q in questions_of) if w]
            questions.append(words)
            answer_words = self.normalise.document(answer)
            documents.append(
                [(t, 1.0) for w in words for t in (*w, *bigrams(w))]
                + [(t, ANSWER_WEIGHT) for t in (*answer_words, *bigrams(answer_words))]
            )
        self.bm25 = BM25(documents)
        for entry, words, (questions_of, _) in zip(self.entries, questions, sources, strict=True):
            entry.phrasings = [self._phrasing(w) for w in words]
            entry.vocabulary = frozenset(t for w in words for t in w)
            accents: dict[str, set[str]] = {}
            for q in questions_of:
                for word, forms in self.normalise.document_accents(q).items():
                    accents.setdefault(word, set()).update(forms)
            entry.accents = {k: frozenset(v) for k, v in accents.items()}
            entry.actions = self.actions.of_texts(self.normalise, questions_of)
            entry.grams = frozenset(t for w in words for t in (*w, *bigrams(w)))
        # Typo correction targets: content words, the most used first (ties go to them).
        counts: dict[str, int] = {}
        for entry in self.entries:
            for word in entry.vocabulary:
                counts[word] = counts.get(word, 0) + 1
        vocabulary = sorted((w for w in self.bm25.idf if " " not in w),
                            key=lambda w: (-counts.get(w, 0), w))
        self._rank = {w: i for i, w in enumerate(vocabulary)}
        # Every content word under each of its one-letter deletions (as in SymSpell): the
        # words one edit from a typo are found by a few dictionary lookups, not a scan.
        self._deletions: dict[str, list[str]] = {}
        for word in vocabulary:
            for key in {word, *_deletions(word)}:
                self._deletions.setdefault(key, []).append(word)
        self._corrections: OrderedDict[tuple[str, str], object] = OrderedDict()

    def __len__(self) -> int:
        return len(self.entries)

    def _phrasing(self, words: list[str]) -> Phrasing:
        content = {w for w in words if w not in FILLERS} or set(words)
        unigrams = tuple((w, self.bm25.weight(w)) for w in sorted(content))
        pairs = tuple((p, self.bm25.weight(p)) for p in sorted(set(bigrams(words))))
        return Phrasing(" ".join(words), unigrams, sum(v for _, v in unigrams),
                        pairs, sum(v for _, v in pairs))

    # -- query side ---------------------------------------------------------------------

    def correct(self, words: list[str]) -> list[str]:
        """Correct typos towards the content's words:
        - a word that cannot be a Vietnamese syllable ("congg", "dangky", "khaon") becomes
          the content word one edit away (a swap of two letters counts as one), or two
          content words when it is two run together;
        - a real syllable the content never uses becomes a content word one edit away only
          when that forms a phrase the content uses with a neighbour ("thủ tụt" → "thủ
          tục"); otherwise it stays, as a sign the question is about something else."""
        out: list[str] = []
        for i, word in enumerate(words):
            if word in self.bm25 or len(word) < 2 or word.isdigit() or word in FILLERS:
                out.append(word)
            elif not is_syllable(word):
                fixed = self._cached(word, self._correction)
                out += fixed.split() if fixed else [word]
            else:
                before = out[-1] if out else None
                after = words[i + 1] if i + 1 < len(words) else None
                # A letter left out is the commonest slip ("tiu" for "tiêu"); then the
                # most used phrase.
                phrases = [(not _within(word, c), min(self.bm25.weight(f"{before} {c}"),
                                                      self.bm25.weight(f"{c} {after}")), c)
                           for c in self._cached(word, self._neighbours)]
                best = min((p for p in phrases if p[1] < self.bm25.unknown_idf), default=None)
                out.append(best[2] if best else word)
        return out

    def _cached(self, word: str, find: Callable[[str], T]) -> T:
        key = (find.__name__, word)
        if key not in self._corrections:
            self._corrections[key] = find(word)
            if len(self._corrections) > 5000:
                self._corrections.popitem(last=False)
        # One cache for both look-ups: what is kept under find's name is what find returned.
        return cast(T, self._corrections[key])

    def _correction(self, word: str) -> str | None:
        for cut in range(1, len(word)):
            head, tail = word[:cut], word[cut:]
            if f"{head} {tail}" in self.bm25:  # "dangky", "ketHon" typed without a space
                return f"{head} {tail}"
        if len(word) < 3:
            return None
        near = self._neighbours(word)
        return near[0] if near else None

    def _neighbours(self, word: str) -> list[str]:
        """Content words one edit away (insert, delete, replace, swap), most used first."""
        found: set[str] = set()
        for key in {word, *_deletions(word)}:
            found.update(self._deletions.get(key, ()))
        for i in range(len(word) - 1):
            swapped = word[:i] + word[i + 1] + word[i] + word[i + 2:]
            if swapped in self._rank:
                found.add(swapped)
        found.discard(word)
        return sorted((w for w in found if OSA.distance(word, w) <= 1), key=self._rank.__getitem__)

    def search(self, question: Normalised, limit: int = CANDIDATES) -> list[Hit]:
        """Candidates for every reading of the question, best first, each entry once."""
        best: dict[int, Hit] = {}
        for reading in question.readings:
            words = self.correct(reading)
            if not words:
                continue
            for i, hit in self._search_reading(words, question.accents, limit):
                if i not in best or best[i].score < hit.score:
                    best[i] = hit
        return sorted(best.values(), key=lambda h: -h.score)

    def _search_reading(self, words: list[str], accents: dict[str, frozenset[str]],
                        limit: int) -> Iterable[tuple[int, Hit]]:
        bm25 = self.bm25
        pairs = set(bigrams(words))
        terms = [(w, FILLER_WEIGHT if w in FILLERS else 1.0) for w in set(words)]
        terms += [(p, 1.0) for p in pairs if p in bm25]
        scores = bm25.scores(terms)
        candidates = np.argpartition(-scores, limit)[:limit] if len(scores) > limit else range(len(scores))
        top = [int(i) for i in candidates if scores[i] > 0]
        if not top:
            return []
        ceiling = float(max(scores[i] for i in top))
        self_mass = sum(bm25.weight(t) * w for t, w in terms) or 1.0
        content = {w for w in words if w not in FILLERS} or set(words)
        weight = {w: bm25.weight(w) for w in content}
        query_mass = sum(weight.values()) or 1.0
        known = sum(v for w, v in weight.items() if w in bm25) / query_mass
        foreign = float(any(w not in bm25 and len(w) > 2 and not w.isdigit()
                            and not is_syllable(w) for w in content))
        marked = [(w, forms, weight[w]) for w, forms in accents.items() if w in weight]
        asked = self.actions.said(words, accents)
        text, present = " ".join(words), set(words)
        out = []
        for i in top:
            entry = self.entries[i]
            covered = sum(v for w, v in weight.items() if w in entry.vocabulary) / query_mass
            closest = max((self._phrasing_match(p, present, pairs, text) for p in entry.phrasings),
                          key=lambda m: 3 * m[0] + m[1] + m[2], default=(0.0, 0.0, 0.0, 0.0, 0.0))
            # A rare word of the question the entry never uses, where the entry's own
            # question has a rare word the question lacks: the object was swapped
            # ("quên mật khẩu facebook" for "quên mật khẩu VNeID").
            unexplained = max((v for w, v in weight.items() if w not in entry.vocabulary), default=0.0)
            swap = min(unexplained, closest[4]) / bm25.unknown_idf
            mismatch = sum(v for w, forms, v in marked
                           if w in entry.accents and not forms & entry.accents[w]) / query_mass
            features = Features(
                bm25=float(scores[i]) / ceiling,
                bm25_share=float(scores[i]) / self_mass,
                query_coverage=covered,
                phrasing_coverage=closest[0],
                fit=_harmonic(covered, closest[0]),
                order=closest[1],
                fuzzy=closest[2],
                evidence=min(1.0, closest[3] / EVIDENCE),
                length=min(1.0, len(content) / LONG),
                known=known,
                foreign=foreign,
                accent_mismatch=mismatch,
                action_mismatch=uncovered(asked, entry.actions, entry.grams),
                swap=swap,
            )
            out.append((i, Hit(entry, features, round(100 * probability(features), 1))))
        return out

    @staticmethod
    def _phrasing_match(p: Phrasing, present: set[str], pairs: set[str],
                        text: str) -> tuple[float, float, float, float, float]:
        """Coverage, word order, fuzzy ratio, IDF found, and the rarest word it lacks."""
        found = sum(v for w, v in p.words if w in present)
        if not found:  # nothing in common: not the closest phrasing (saves the rest)
            return 0.0, 0.0, 0.0, 0.0, 0.0
        cov = found / p.mass if p.mass else 0.0
        order = sum(v for b, v in p.pairs if b in pairs) / p.pair_mass if p.pair_mass else cov
        missing = max((v for w, v in p.words if w not in present), default=0.0)
        return cov, order, fuzz.token_set_ratio(text, p.text) / 100, found, missing


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _within(typed: str, word: str) -> bool:
    """Is `typed` `word` with letters left out?"""
    letters = iter(word)
    return all(c in letters for c in typed)


def _guide_text(g: Guide) -> str:
    return " ".join([g.summary, *g.documents, *g.steps])
