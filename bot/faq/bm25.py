"""A small Okapi BM25 over term lists, scored through per-term postings in numpy.

Own code rather than a library: the terms are our syllable unigrams and bigrams, a query
comes in several readings, and at 2,000 entries a query touches a few dozen postings —
an inverted index of numpy arrays answers in tens of microseconds. The IDF is the
always-positive form log(1 + (N − df + 0.5) / (df + 0.5)): in a small FAQ a term found in
half the entries must still count (the classic form scores it zero or below)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np


class BM25:
    def __init__(self, documents: Sequence[Iterable[tuple[str, float]]], k1: float = 1.2,
                 b: float = 0.5) -> None:
        """`documents`: per document, (term, weight) pairs; a weight below 1 lets a field
        such as the answer text count for less than the questions."""
        self.n = len(documents)
        tf: list[dict[str, float]] = []
        for doc in documents:
            counts: dict[str, float] = defaultdict(float)
            for term, weight in doc:
                counts[term] += weight
            tf.append(counts)
        lengths = np.array([sum(c.values()) for c in tf], dtype=np.float64)
        avg = float(lengths.mean()) if self.n and lengths.mean() > 0 else 1.0
        norm = k1 * (1 - b + b * lengths / avg)
        postings: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for i, counts in enumerate(tf):
            for term, f in counts.items():
                docs, weights = postings[term]
                docs.append(i)
                weights.append(f * (k1 + 1) / (f + norm[i]))
        self.idf: dict[str, float] = {}
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, (docs, weights) in postings.items():
            idf = math.log(1 + (self.n - len(docs) + 0.5) / (len(docs) + 0.5))
            self.idf[term] = idf
            self._postings[term] = (np.array(docs, dtype=np.int32),
                                    np.array(weights, dtype=np.float32) * idf)
        # A term no document has is as rare as can be: used to weigh what a query says
        # that the content does not cover.
        self.unknown_idf = math.log(1 + (self.n + 0.5) / 0.5)

    def __contains__(self, term: str) -> bool:
        return term in self._postings

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.unknown_idf)

    def scores(self, terms: Iterable[tuple[str, float]]) -> np.ndarray:
        """BM25 of every document for the query terms, each with a query-side weight."""
        out = np.zeros(self.n, dtype=np.float32)
        for term, weight in terms:
            posting = self._postings.get(term)
            if posting is not None:
                docs, values = posting
                out[docs] += values * weight
        return out
