"""Fitting the match models' weights on labelled questions (`cchc-bot faq calibrate`).

Both are L2-regularised logistic regressions (Newton's method converges in a few steps):

- the ranker, pointwise: every candidate the index finds for a question is one example,
  labelled 1 when it is the expected entry (all 0 for an out-of-scope question);
- the confidence: one example per question — the best-ranked entry under the ranker just
  fitted — labelled 1 when it is the expected entry."""

from __future__ import annotations

import random

import numpy as np

from bot.faq.answerer import Model, QuestionAnswerer, Thresholds, Understanding, decide, rank, top_features
from bot.faq.evaluation import INTENT, EvalQuery, Outcome, Report
from bot.faq.index import Hit

Searched = list[tuple[EvalQuery, list[Hit]]]


def search_all(answerer: QuestionAnswerer, queries: list[EvalQuery]) -> Searched:
    """The queries the FAQ models decide (not those an intent takes), with their candidates."""
    return [(q, answerer.search(q.q)[1]) for q in queries
            if not (q.expect or "").startswith(INTENT)
            and answerer.intents.match(answerer.index.normalise(q.q)) is None]


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0,
        steps: int = 50) -> tuple[tuple[float, ...], float]:
    """Weights and bias of the L2-regularised logistic regression of y on x."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(x1.shape[1])
    penalty = np.r_[np.full(x.shape[1], l2), 0.0]  # the bias is not shrunk
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(x1 @ w, -30, 30)))
        gradient = x1.T @ (p - y) + penalty * w
        hessian = (x1 * (p * (1 - p))[:, None]).T @ x1 + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return tuple(round(float(v), 3) for v in w[:-1]), round(float(w[-1]), 3)


def fit_models(searched: Searched) -> Model:
    rows = [h.features.vector() for _, hits in searched for h in hits]
    labels = [float(h.entry.id in q.labels) for q, hits in searched for h in hits]
    weights, bias = fit(np.array(rows), np.array(labels))
    ranker = Model(weights, bias)
    tops, right = [], []
    for q, hits in searched:
        ranked = rank(hits, ranker)
        if ranked:
            tops.append(top_features(ranked).vector())
            right.append(float(ranked[0].entry.id in q.labels))
    top_weights, top_bias = fit(np.array(tops), np.array(right))
    return Model(weights, bias, top_weights, top_bias)


def figures(searched: Searched, model: Model, thresholds: Thresholds) -> dict[str, float]:
    return Report([Outcome(q, Understanding(decide(hits, thresholds, model=model)))
                   for q, hits in searched]).figures


def cross_validated(searched: Searched, thresholds: Thresholds, folds: int = 5,
                    seed: int = 1) -> dict[str, float]:
    """The figures on each fold with models fitted on the others, averaged."""
    order = list(range(len(searched)))
    random.Random(seed).shuffle(order)
    totals: dict[str, float] = {}
    for k in range(folds):
        held = set(order[k::folds])
        model = fit_models([searched[i] for i in order if i not in held])
        f = figures([searched[i] for i in sorted(held)], model, thresholds)
        for name, value in f.items():
            totals[name] = totals.get(name, 0.0) + value / folds
    return totals
