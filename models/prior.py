"""Sentiment prior: shift the sentiment head's class offsets to what real Dutch posts look like.

The head learned its class balance from the training mix (reviews without a neutral class, other languages, the
project's corpus), so on real Dutch tweets and comments it calls too much conversational text negative. Three
offsets added to the logits (neutraal fixed at 0) are the cheapest correction that keeps the learned ranking: they
are fitted on the ``dev`` rows of the hand-labelled held-out set (``models/sources/heldout.py``) for macro-F1, with
a small penalty toward 0 so that a flat optimum does not drift, and the ``test`` rows only report. Negative posts are
the digest's agenda, so no shift may bring the recall of ``negatief`` on those rows below ``MIN_NEGATIVE_RECALL``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.heads import SENTIMENTS, Heads, LinearHead, Matrix

GRID = np.round(np.arange(-2.0, 2.01, 0.1), 2)
SHRINK = 0.005  # macro-F1 given up per unit of |offset|: prefer the smallest shift among near-equal ones
MIN_NEGATIVE_RECALL = 0.75  # the floor: fewer missed complaints matter more than a tidier neutral class


@dataclass(frozen=True)
class PriorFit:
    offsets: tuple[float, float, float]  # added to the logits of negatief, neutraal, positief
    macro_f1_before: float
    macro_f1_after: float
    rows: int
    negative_recall_after: float = 0.0


def macro_f1(gold: Sequence[int], predicted: Sequence[int], classes: int = 3) -> float:
    g = np.asarray(gold)
    p = np.asarray(predicted)
    scores = []
    for c in range(classes):
        tp = float(np.sum((g == c) & (p == c)))
        fp = float(np.sum((g != c) & (p == c)))
        fn = float(np.sum((g == c) & (p != c)))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def negative_recall(gold: Sequence[int], predicted: Sequence[int]) -> float:
    g = np.asarray(gold)
    negatives = int(np.sum(g == 0))
    return float(np.sum((g == 0) & (np.asarray(predicted) == 0)) / negatives) if negatives else 1.0


def fit_offsets(logits: Matrix, gold: Sequence[int], min_negative_recall: float = MIN_NEGATIVE_RECALL) -> PriorFit:
    """The offsets (neutraal fixed at 0) on a grid of 0.1 that maximise macro-F1 minus a small shrinkage, among
    those that keep the recall of negatief at ``min_negative_recall`` or above (no shift if none does)."""
    z = np.asarray(logits, dtype=np.float64)
    before = macro_f1(gold, z.argmax(axis=1))
    best = (before, (0.0, 0.0, 0.0), negative_recall(gold, z.argmax(axis=1)))
    best_objective = -1.0
    for neg, pos in itertools.product(GRID, GRID):
        predicted = (z + np.array([neg, 0.0, pos])).argmax(axis=1)
        recall = negative_recall(gold, predicted)
        if recall < min_negative_recall:
            continue
        score = macro_f1(gold, predicted)
        objective = score - SHRINK * (abs(neg) + abs(pos))
        if objective > best_objective + 1e-12:
            best_objective, best = objective, (score, (float(neg), 0.0, float(pos)), recall)
    return PriorFit(best[1], round(before, 4), round(best[0], 4), len(gold), round(best[2], 4))


def with_offsets(heads: Heads, fit: PriorFit, source: str) -> Heads:
    """The heads with the offsets folded into the sentiment intercept; the fit is recorded in ``meta``."""
    previous = heads.meta.get("sentiment_prior", {}).get("offsets", [0.0, 0.0, 0.0])
    delta = np.asarray(fit.offsets, dtype=np.float32) - np.asarray(previous, dtype=np.float32)
    sentiment = LinearHead(heads.sentiment.classes, heads.sentiment.coef, heads.sentiment.intercept + delta)
    meta = dict(heads.meta)
    meta["sentiment_prior"] = {
        "offsets": list(fit.offsets),
        "classes": list(SENTIMENTS),
        "fitted_on": source,
        "rows": fit.rows,
        "dev_macro_f1_before": fit.macro_f1_before,
        "dev_macro_f1_after": fit.macro_f1_after,
        "dev_negative_recall_after": fit.negative_recall_after,
        "min_negative_recall": MIN_NEGATIVE_RECALL,
    }
    return Heads(heads.encoder, sentiment, heads.categories, heads.thresholds, meta, heads.digest, heads.adapter)
