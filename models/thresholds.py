"""Category thresholds, tuned as production scores (head + patterns), and the scores the model card reports.

- Ordinary categories (ervaring, onjuistheid, compliment, beeldmateriaal): the threshold with the best F1 on the
  corpus's dev split.
- The safety lane (bedreiging, pesten, kleineren, seksuele_intimidatie, persoonsgegevens) is tuned for recall under
  a false-alarm budget: the *lowest* threshold at which at most ``FALSE_ALARM_BUDGET`` of the benign dev posts (the
  corpus's dev split and the dev half of the hand-written hard cases, ``models/corpus/hardcases.csv``) is flagged.
  Anything from ``POSSIBLE_FACTOR`` x that threshold is *mogelijk* (see models/classifier.py).
Nothing here looks at the test halves except to report them.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from models.classifier import NEEDS_PATTERN, RULE_FLAGS, SAFETY, combine
from models.corpus import CORPUS_DIR, Example, read_split
from models.evaluate import metrics
from models.heads import CATEGORIES, SENTIMENTS, Heads, Matrix

THRESHOLD_GRID = tuple(round(t, 2) for t in np.arange(0.5, 0.96, 0.05))  # below 0.5 flagged ordinary real posts
SAFETY_TUNED = ("bedreiging", "pesten", "kleineren", "seksuele_intimidatie", "persoonsgegevens")
FALSE_ALARM_BUDGET = {"bedreiging": 0.05}  # a missed threat costs most; others share the rest of ~5%
DEFAULT_BUDGET = 0.01
HARDCASES = CORPUS_DIR / "hardcases.csv"


def read_hardcases(split: str, path: Path = HARDCASES) -> list[Example]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["split"] == split]
    return [Example(f"hard-{i}", r["text"], r["sentiment"], tuple(c for c in r["categories"].split(";") if c),
                    {"kind": r["kind"]}) for i, r in enumerate(rows)]


def predict_sentiment(heads: Heads, x: Matrix) -> list[str]:
    return [SENTIMENTS[i] for i in heads.sentiment.softmax(x).argmax(axis=1)]


def category_scores(heads: Heads, x: Matrix, examples: Sequence[Example]) -> dict[str, np.ndarray[Any, Any]]:
    """Each category's production score per example (persoonsgegevens is zero without pattern evidence; strong
    safety evidence, which flags on its own, counts as 1.0)."""
    from models.patterns import find_evidence

    evidence = [find_evidence(e.text, has_media=bool(e.extra.get("has_media", False))) for e in examples]
    media = [bool(e.extra.get("has_media", False)) for e in examples]
    out = {}
    for name in CATEGORIES:
        head = heads.categories.get(name)
        p = head.sigmoid(x) if head is not None else np.zeros(len(examples))
        w = [max((ev.weight for ev in found.get(name, [])), default=0.0) for found in evidence]
        scores = [0.0 if name in NEEDS_PATTERN and wi == 0 else 1.0 if name in SAFETY and wi >= RULE_FLAGS
                  else combine(name, float(pi), wi, mi) for pi, wi, mi in zip(p, w, media, strict=True)]
        out[name] = np.array(scores)
    return out


def _f1(truth: np.ndarray[Any, Any], flagged: np.ndarray[Any, Any]) -> tuple[float, float, float]:
    tp = float((truth & flagged).sum())
    precision = tp / flagged.sum() if flagged.sum() else 0.0
    recall = tp / truth.sum() if truth.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return round(precision, 4), round(recall, 4), round(f1, 4)


def category_report(heads: Heads, x: Matrix, examples: Sequence[Example],
                    thresholds: dict[str, float]) -> dict[str, dict[str, float]]:
    scores = category_scores(heads, x, examples)
    report = {}
    for name in CATEGORIES:
        truth = np.array([name in e.categories for e in examples])
        p, r, f1 = _f1(truth, scores[name] >= thresholds.get(name, 0.5))
        report[name] = {"precision": p, "recall": r, "f1": f1, "support": int(truth.sum())}
    return report


def tune_thresholds(heads: Heads, x: Matrix, examples: Sequence[Example]) -> dict[str, float]:
    """Best-F1 thresholds per category (used for the ordinary categories)."""
    scores = category_scores(heads, x, examples)
    chosen = {}
    for name in CATEGORIES:
        truth = np.array([name in e.categories for e in examples])
        chosen[name] = float(max(THRESHOLD_GRID, key=lambda t: (_f1(truth, scores[name] >= t)[2], t)))
    return chosen


def tune_safety(heads: Heads, x: Matrix, examples: Sequence[Example]) -> dict[str, float]:
    """The lowest threshold per safety category that keeps benign dev posts within the false-alarm budget."""
    scores = category_scores(heads, x, examples)
    benign = np.array([not set(e.categories) & set(SAFETY_TUNED) for e in examples])
    chosen = {}
    for name in SAFETY_TUNED:
        budget = FALSE_ALARM_BUDGET.get(name, DEFAULT_BUDGET)
        within = [t for t in THRESHOLD_GRID if float((scores[name][benign] >= t).mean()) <= budget]
        chosen[name] = float(within[0] if within else THRESHOLD_GRID[-1])
    return chosen


def safety_report(heads: Heads, x: Matrix, examples: Sequence[Example],
                  thresholds: dict[str, float], possible_factor: float) -> dict[str, Any]:
    """Per hard-case kind: the share in the safety lane (flagged, and flagged or mogelijk); threats: the share
    flagged bedreiging; benign: the share with any safety flag."""
    scores = category_scores(heads, x, examples)
    flagged = np.zeros(len(examples), dtype=bool)
    listed = np.zeros(len(examples), dtype=bool)
    for name in SAFETY_TUNED:
        flagged |= scores[name] >= thresholds[name]
        listed |= scores[name] >= possible_factor * thresholds[name]
    kinds = np.array([str(e.extra.get("kind", "")) for e in examples])
    out: dict[str, Any] = {}
    for kind in sorted(set(kinds)):
        mask = kinds == kind
        out[kind] = {"n": int(mask.sum()), "flagged": round(float(flagged[mask].mean()), 4),
                     "flagged_or_possible": round(float(listed[mask].mean()), 4)}
    threats = kinds == "threat"
    if threats.any():
        out["threat"]["flagged_bedreiging"] = round(float((scores["bedreiging"][threats]
                                                           >= thresholds["bedreiging"]).mean()), 4)
    return out


def calibrate(encoder: Any, heads: Heads, corpus_dir: Path = CORPUS_DIR, hardcases: Path = HARDCASES) -> Heads:
    """Thresholds for ``heads`` (with ``encoder`` as production runs it) and the scores the model card reports."""
    from models.classifier import POSSIBLE_FACTOR

    sets = {"dev": read_split("dev", corpus_dir), "test": read_split("test", corpus_dir)}
    if hardcases.is_file():
        sets["hard_dev"] = read_hardcases("dev", hardcases)
        sets["hard_test"] = read_hardcases("test", hardcases)
    x = {name: encoder.embed([e.text for e in examples]) for name, examples in sets.items()}
    thresholds = tune_thresholds(heads, x["dev"], sets["dev"])
    safety_dev = sets["dev"] + sets.get("hard_dev", [])
    thresholds.update(tune_safety(heads, np.vstack([x["dev"], x.get("hard_dev", x["dev"][:0])]), safety_dev))
    meta = dict(heads.meta)
    meta["corpus_test_scores"] = {
        "sentiment": metrics([e.sentiment for e in sets["test"]], predict_sentiment(heads, x["test"])),
        "categories": category_report(heads, x["test"], sets["test"], thresholds),
    }
    if "hard_test" in sets:
        meta["hardcases_scores"] = {
            part: safety_report(heads, x[part], sets[part], thresholds, POSSIBLE_FACTOR) for part in ("hard_dev",
                                                                                                    "hard_test")}
    return replace(heads, thresholds=thresholds, meta=meta)
