"""Two small logistic models over match features.

- The ranker: how likely each candidate entry is the answer (`probability`), from that
  candidate's features; candidates are ranked by it.
- The confidence: how likely the best-ranked entry is the right answer at all
  (`confidence`), from its ranker score, its lead over the runner-up and what the question
  looks like (words the content never uses, length). This is the calibrated figure the
  answer / "did you mean" / "not sure" decision is taken on.

Both were fitted by `cchc-bot faq calibrate` on the development queries
(`tests/data/faq_dev.yaml`), never on the evaluation set, whose figures therefore measure
questions the models have not seen."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Features:
    bm25: float  # BM25 relative to the best candidate for this question, 0–1
    bm25_share: float  # BM25 over the question's own term weight: how much of it is matched
    query_coverage: float  # IDF share of the question's words the entry's phrasings use
    phrasing_coverage: float  # IDF share of the closest phrasing's words the question has
    fit: float  # harmonic mean of the two coverages: both sides must agree
    order: float  # share of that phrasing's bigrams (IDF-weighted) found in the question
    fuzzy: float  # rapidfuzz token_set_ratio with that phrasing, 0–1
    evidence: float  # IDF of the closest phrasing's words found, saturating at 1: a long,
    # specific phrasing said in full (inside a rambling message) is strong evidence
    length: float  # content words in the question, saturating at 1 (20 words)
    known: float  # IDF share of the question's words the content uses at all
    foreign: float  # 1 when the question has a word that is no Vietnamese syllable, no
    # typo of a content word and not in the content ("facebook", "tiktok"), else 0
    accent_mismatch: float  # IDF share of words typed with marks that the entry spells otherwise
    action_mismatch: float  # share of the actions the question says ("mất", "đổi") that the
    # entry's questions do not say
    swap: float  # a rare word of the question the entry lacks, against a rare word of its closest
    # phrasing the question lacks (the lesser IDF of the two, over the largest IDF): another object

    def vector(self) -> tuple[float, ...]:
        return tuple(self.__dict__.values())  # in field order (astuple deep-copies: slow)


NAMES = tuple(Features.__dataclass_fields__)

# Both pairs below are what `cchc-bot faq calibrate` printed (see bot/faq/calibrate.py).
WEIGHTS = (7.699, 2.269, 1.565, 1.816, 1.7, 1.279, 1.783, 0.37, 3.211, 0.225, -1.057, -0.458, -1.23, -0.467)
BIAS = -16.915


def probability(f: Features, weights: tuple[float, ...] = WEIGHTS, bias: float = BIAS) -> float:
    z = bias + sum(w * x for w, x in zip(weights, f.vector(), strict=True))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class TopFeatures:
    ranker: float  # the best candidate's ranker log-odds
    lead: float  # its ranker probability minus the runner-up's (an unrelated entry)
    known: float
    foreign: float
    length: float
    query_coverage: float
    bm25_share: float
    accent_mismatch: float
    phrasing_coverage: float
    evidence: float
    swap: float

    @classmethod
    def of(cls, best: Features, p_best: float, p_rival: float) -> TopFeatures:
        p = min(max(p_best, 1e-6), 1 - 1e-6)
        return cls(math.log(p / (1 - p)), p_best - p_rival, best.known, best.foreign,
                   best.length, best.query_coverage, best.bm25_share, best.accent_mismatch,
                   best.phrasing_coverage, best.evidence, best.swap)

    def vector(self) -> tuple[float, ...]:
        return tuple(self.__dict__.values())  # in field order (astuple deep-copies: slow)


TOP_NAMES = tuple(TopFeatures.__dataclass_fields__)
TOP_WEIGHTS = (1.072, 1.971, 0.099, -0.336, 1.092, 0.707, 0.565, -0.273, -1.103, -0.767, 0.477)
TOP_BIAS = -0.657


def confidence(f: TopFeatures, weights: tuple[float, ...] = TOP_WEIGHTS,
               bias: float = TOP_BIAS) -> float:
    z = bias + sum(w * x for w, x in zip(weights, f.vector(), strict=True))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
