"""How likely a candidate entry is the right answer: a logistic model over match features.

One model ranks the candidates and says how sure it is, so the confidence is a
probability (0–100 %) rather than an arbitrary score. Its weights were fitted by
`cchc-bot faq calibrate` on the development queries (`tests/data/faq_dev.yaml`), never on
the evaluation set, whose figures therefore measure queries the model has not seen."""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass


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
    accent_mismatch: float  # IDF share of words typed with marks that the entry spells otherwise

    def vector(self) -> tuple[float, ...]:
        return astuple(self)


NAMES = tuple(Features.__dataclass_fields__)

# Fitted by `cchc-bot faq calibrate` (L2-regularised logistic regression, pointwise: each
# candidate of each development query, labelled right or wrong).
WEIGHTS = (5.279, 2.122, 1.175, 1.656, 1.676, 1.455, 0.954, 1.137, 1.79, 0.066, -0.202)
BIAS = -12.917


def probability(f: Features, weights: tuple[float, ...] = WEIGHTS, bias: float = BIAS) -> float:
    z = bias + sum(w * x for w, x in zip(weights, f.vector(), strict=True))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
