"""Fitting the match model's weights on labelled questions (`cchc-bot faq calibrate`).

Pointwise logistic regression: every candidate the index finds for a question is one
example, labelled 1 when it is the expected entry and 0 otherwise (all 0 for an
out-of-scope question). L2 regularisation keeps the weights small and stable on a few
hundred questions; Newton's method converges in a few steps."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np

from bot.core.answerer import QuestionAnswerer, Thresholds, decide
from bot.faq.evaluation import EvalQuery, Outcome, Report
from bot.faq.index import Hit
from bot.faq.model import probability


def examples(answerer: QuestionAnswerer, queries: list[EvalQuery]) -> tuple[np.ndarray, np.ndarray]:
    return _stack([(q, answerer.search(q.q)[1]) for q in queries])


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


def rescored(hits: list[Hit], weights: tuple[float, ...], bias: float) -> list[Hit]:
    out = [replace(h, score=round(100 * probability(h.features, weights, bias), 1)) for h in hits]
    return sorted(out, key=lambda h: -h.score)


def figures_with(searched: list[tuple[EvalQuery, list[Hit]]], weights: tuple[float, ...],
                 bias: float, thresholds: Thresholds) -> dict[str, float]:
    return Report([Outcome(q, decide(rescored(hits, weights, bias), thresholds))
                   for q, hits in searched]).figures


def cross_validated(answerer: QuestionAnswerer, queries: list[EvalQuery], folds: int = 5,
                    seed: int = 1) -> dict[str, float]:
    """The figures on each fold with weights fitted on the others, averaged."""
    searched = [(q, answerer.search(q.q)[1]) for q in queries]
    order = list(range(len(searched)))
    random.Random(seed).shuffle(order)
    totals: dict[str, float] = {}
    for k in range(folds):
        held = set(order[k::folds])
        train = [searched[i] for i in order if i not in held]
        x, y = _stack(train)
        weights, bias = fit(x, y)
        f = figures_with([searched[i] for i in sorted(held)], weights, bias, answerer.thresholds)
        for name, value in f.items():
            totals[name] = totals.get(name, 0.0) + value / folds
    return totals


def _stack(searched: list[tuple[EvalQuery, list[Hit]]]) -> tuple[np.ndarray, np.ndarray]:
    rows = [h.features.vector() for _, hits in searched for h in hits]
    labels = [1.0 if h.entry.id == q.expect else 0.0 for q, hits in searched for h in hits]
    return np.array(rows, dtype=np.float64), np.array(labels, dtype=np.float64)
