"""The search index over a pack's FAQ entries and service guides.

Two stages, so a query stays well under a few milliseconds at thousands of entries:

1. BM25 over syllable unigrams and bigrams of each entry's question, phrasings and
   keywords (the answer text counts for a fifth) picks a few dozen candidates.
2. Each candidate is scored on how much of the question it covers and how much of its
   closest phrasing the question covers (both weighted by IDF, so "là gì" counts for
   little and "lý lịch tư pháp" for a lot), word order (bigrams), and rapidfuzz's
   `token_set_ratio` on the folded strings — which alone ties at 100 on short queries,
   hence the term weights around it.

A query word the content never uses is corrected to a content word one edit away
("chung thuc" survives "chungg thuc"), or split in two ("dangky" → "dang ky")."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.content.schema import ContentPack, Guide
from bot.core.text import FILLERS, Normaliser, bigrams
from bot.faq.bm25 import BM25

ANSWER_WEIGHT = 0.2  # answer text vs questions in BM25
FILLER_WEIGHT = 0.5  # a particle or pronoun in the query, vs a content word
CANDIDATES = 20


@dataclass(frozen=True)
class Phrasing:
    text: str  # folded words joined by spaces, for rapidfuzz
    words: frozenset[str]  # non-filler unigrams
    mass: float  # their summed IDF
    pairs: frozenset[str]  # bigrams
    pair_mass: float


@dataclass
class Entry:
    kind: str  # "faq" or "guide"
    id: str
    title: str
    phrasings: list[Phrasing] = field(default_factory=list)
    vocabulary: frozenset[str] = frozenset()  # every word of its questions and keywords
    related: frozenset[str] = frozenset()  # a FAQ entry and the guide it offers


@dataclass(frozen=True)
class Features:
    query_coverage: float  # IDF share of the question's content words the entry has
    phrasing_coverage: float  # IDF share of the closest phrasing's words the question has
    order: float  # share of that phrasing's bigrams found in the question
    fuzzy: float  # token_set_ratio with that phrasing, 0–1
    bm25: float  # relative to the best candidate for this query, 0–1


@dataclass(frozen=True)
class Hit:
    entry: Entry
    features: Features
    score: float  # 0–100


class FaqIndex:
    def __init__(self, pack: ContentPack) -> None:
        self.normalise = Normaliser(pack.abbreviations)
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
            words = [self.normalise.document(q) for q in questions_of]
            words = [w for w in words if w]
            questions.append(words)
            answer_words = self.normalise.document(answer)
            documents.append(
                [(t, 1.0) for w in words for t in (*w, *bigrams(w))]
                + [(t, ANSWER_WEIGHT) for t in (*answer_words, *bigrams(answer_words))]
            )
        self.bm25 = BM25(documents)
        for entry, words in zip(self.entries, questions, strict=True):
            entry.phrasings = [self._phrasing(w) for w in words]
            entry.vocabulary = frozenset(t for w in words for t in w)
        # Typo correction targets: content words, the most used first (ties go to them).
        counts: dict[str, int] = {}
        for entry in self.entries:
            for word in entry.vocabulary:
                counts[word] = counts.get(word, 0) + 1
        self._vocabulary = sorted((w for w in self.bm25.idf if " " not in w),
                                  key=lambda w: (-counts.get(w, 0), w))
        self._corrections: OrderedDict[str, str | None] = OrderedDict()

    def __len__(self) -> int:
        return len(self.entries)

    def _phrasing(self, words: list[str]) -> Phrasing:
        content = frozenset(w for w in words if w not in FILLERS) or frozenset(words)
        pairs = frozenset(bigrams(words))
        return Phrasing(" ".join(words), content, sum(self.bm25.weight(w) for w in content),
                        pairs, sum(self.bm25.weight(p) for p in pairs))

    # -- query side ---------------------------------------------------------------------

    def correct(self, words: list[str]) -> list[str]:
        """Replace words the content never uses by a close content word, if one exists."""
        out: list[str] = []
        for word in words:
            if word in self.bm25 or word in FILLERS or len(word) < 4 or word.isdigit():
                out.append(word)
                continue
            if word not in self._corrections:
                self._corrections[word] = self._correction(word)
                if len(self._corrections) > 5000:
                    self._corrections.popitem(last=False)
            fixed = self._corrections[word]
            out += fixed.split() if fixed else [word]
        return out

    def _correction(self, word: str) -> str | None:
        for cut in range(2, len(word) - 1):
            head, tail = word[:cut], word[cut:]
            if head in self.bm25 and tail in self.bm25 and f"{head} {tail}" in self.bm25:
                return f"{head} {tail}"
        found = process.extractOne(word, self._vocabulary, scorer=Levenshtein.distance,
                                   score_cutoff=1)
        return found[0] if found else None

    def search(self, readings: Iterable[list[str]], limit: int = CANDIDATES) -> list[Hit]:
        """Candidates for every reading of the question, best first, each entry once."""
        best: dict[int, Hit] = {}
        for reading in readings:
            words = self.correct(reading)
            if not words:
                continue
            for i, hit in self._search_reading(words, limit):
                if i not in best or best[i].score < hit.score:
                    best[i] = hit
        return sorted(best.values(), key=lambda h: -h.score)

    def _search_reading(self, words: list[str], limit: int) -> list[tuple[int, Hit]]:
        pairs = set(bigrams(words))
        terms = [(w, FILLER_WEIGHT if w in FILLERS else 1.0) for w in set(words)]
        terms += [(p, 1.0) for p in pairs if p in self.bm25]
        scores = self.bm25.scores(terms)
        if len(scores) > limit:
            top = np.argpartition(-scores, limit)[:limit]
        else:
            top = np.arange(len(scores))
        top = [int(i) for i in top if scores[i] > 0]
        if not top:
            return []
        ceiling = float(max(scores[i] for i in top))
        content = {w for w in words if w not in FILLERS} or set(words)
        query_mass = sum(self.bm25.weight(w) for w in content)
        text = " ".join(words)
        present = set(words)
        out = []
        for i in top:
            entry = self.entries[i]
            covered = sum(self.bm25.weight(w) for w in content if w in entry.vocabulary)
            # The phrasing that fits best, judged on the three measures at once.
            closest = max(
                (self._phrasing_match(p, present, pairs, text) for p in entry.phrasings),
                key=lambda m: 3 * m[0] + m[1] + m[2], default=(0.0, 0.0, 0.0),
            )
            features = Features(
                query_coverage=covered / query_mass if query_mass else 0.0,
                phrasing_coverage=closest[0],
                order=closest[1],
                fuzzy=closest[2],
                bm25=float(scores[i]) / ceiling,
            )
            out.append((i, Hit(entry, features, confidence(features))))
        return out

    def _phrasing_match(self, p: Phrasing, present: set[str], pairs: set[str],
                        text: str) -> tuple[float, float, float]:
        cov = sum(self.bm25.weight(w) for w in p.words if w in present) / p.mass if p.mass else 0.0
        order = (sum(self.bm25.weight(b) for b in p.pairs if b in pairs) / p.pair_mass
                 if p.pair_mass else cov)
        return cov, order, fuzz.token_set_ratio(text, p.text) / 100


def confidence(f: Features) -> float:
    """How sure the match is, 0–100: how much of the closest phrasing the question
    says, how much of the question the entry covers, in order, and fuzzily."""
    fit = 0.45 * f.phrasing_coverage + 0.15 * f.order + 0.15 * f.fuzzy
    return round(100 * (fit + 0.25 * f.query_coverage) * (0.7 + 0.3 * f.bm25), 1)


def _guide_text(g: Guide) -> str:
    return " ".join([g.summary, *g.documents, *g.steps])

