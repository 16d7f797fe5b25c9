"""`monitor model train`: reproduce the shipped heads from the corpus (CPU, fixed seeds, a few minutes).

Regularisation strength is chosen on the dev split; category thresholds are tuned on dev for the *combined* score
(head + patterns, as used in production); the test split is only used to report scores.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from models.classifier import combine
from models.corpus import CORPUS_DIR, Example, read_split
from models.evaluate import metrics
from models.heads import CATEGORIES, HEADS_FILE, SENTIMENTS, Heads, Matrix, fit_heads

log = logging.getLogger(__name__)

C_GRID = (0.25, 0.5, 1.0, 2.0, 4.0)  # no weaker regularisation: the heads must carry over to real posts
THRESHOLD_GRID = tuple(round(t, 2) for t in np.arange(0.2, 0.91, 0.05))
Step = Callable[[str], None]


def _predict_sentiment(heads: Heads, x: Matrix) -> list[str]:
    return [SENTIMENTS[i] for i in heads.sentiment.softmax(x).argmax(axis=1)]


def _category_scores(heads: Heads, x: Matrix, examples: Sequence[Example]) -> dict[str, np.ndarray[Any, Any]]:
    from models.patterns import find_evidence

    evidence = [find_evidence(e.text, has_media=bool(e.extra.get("has_media", False))) for e in examples]
    out = {}
    for name in CATEGORIES:
        head = heads.categories.get(name)
        p = head.sigmoid(x) if head is not None else np.zeros(len(examples))
        w = [max((ev.weight for ev in found.get(name, [])), default=0.0) for found in evidence]
        media = [bool(e.extra.get("has_media", False)) for e in examples]
        out[name] = np.array([combine(name, float(pi), wi, mi) for pi, wi, mi in zip(p, w, media, strict=True)])
    return out


def _f1(truth: np.ndarray[Any, Any], flagged: np.ndarray[Any, Any]) -> tuple[float, float, float]:
    tp = float((truth & flagged).sum())
    precision = tp / flagged.sum() if flagged.sum() else 0.0
    recall = tp / truth.sum() if truth.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return round(precision, 4), round(recall, 4), round(f1, 4)


def category_report(
    heads: Heads, x: Matrix, examples: Sequence[Example], thresholds: dict[str, float]
) -> dict[str, dict[str, float]]:
    scores = _category_scores(heads, x, examples)
    report = {}
    for name in CATEGORIES:
        truth = np.array([name in e.categories for e in examples])
        p, r, f1 = _f1(truth, scores[name] >= thresholds.get(name, 0.5))
        report[name] = {"precision": p, "recall": r, "f1": f1, "support": int(truth.sum())}
    return report


def tune_thresholds(heads: Heads, x: Matrix, examples: Sequence[Example]) -> dict[str, float]:
    scores = _category_scores(heads, x, examples)
    chosen = {}
    for name in CATEGORIES:
        truth = np.array([name in e.categories for e in examples])
        best = max(THRESHOLD_GRID, key=lambda t: (_f1(truth, scores[name] >= t)[2], t))
        chosen[name] = float(best)
    return chosen


def train(
    cache_dir: Path,
    corpus_dir: Path = CORPUS_DIR,
    out: Path = HEADS_FILE,
    step: Step | None = None,
    precision: str = "int8",
) -> Heads:
    from models.encoder import ENCODER_ID, Encoder, ensure_encoder

    say = step or (lambda message: log.info("%s", message))
    splits = {name: read_split(name, corpus_dir) for name in ("train", "dev", "test")}
    say(f"corpus: {', '.join(f'{k} {len(v)}' for k, v in splits.items())}")
    encoder = Encoder(ensure_encoder(cache_dir), precision=precision)  # the heads learn what production sees
    x = {}
    for name, examples in splits.items():
        say(f"embeddings berekenen voor {name} ({len(examples)} teksten)")
        x[name] = encoder.embed([e.text for e in examples])

    def fit(c_sentiment: float, c_category: float) -> Heads:
        train_set = splits["train"]
        return fit_heads(ENCODER_ID, x["train"], [e.sentiment for e in train_set],
                         [list(e.categories) for e in train_set], c_sentiment, c_category)

    dev = splits["dev"]
    say("regularisatie kiezen op de dev-set")
    c_sent = max(C_GRID, key=lambda c: metrics([e.sentiment for e in dev], _predict_sentiment(fit(c, 1.0), x["dev"]))[
        "macro_f1"])
    c_cat = max(C_GRID, key=lambda c: np.mean([v["f1"] for v in category_report(fit(c_sent, c), x["dev"], dev,
                                                                                 {}).values()]))
    heads = fit(c_sent, c_cat)
    thresholds = tune_thresholds(heads, x["dev"], dev)
    test = splits["test"]
    scores = {
        "sentiment": metrics([e.sentiment for e in test], _predict_sentiment(heads, x["test"])),
        "categories": category_report(heads, x["test"], test, thresholds),
    }
    final = Heads(
        encoder=heads.encoder,
        sentiment=heads.sentiment,
        categories=heads.categories,
        thresholds=thresholds,
        meta={
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "corpus": {k: len(v) for k, v in splits.items()},
            "c_sentiment": c_sent,
            "c_category": c_cat,
            "seed": 13,
            "precision": precision,
            "test_scores": scores,
        },
    )
    final.save(out)
    say(f"koppen opgeslagen in {out}")
    return final
