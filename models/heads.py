"""Classifier heads on the encoder's sentence embeddings: small files the project trains and ships.

Sentiment is a 3-class multinomial logistic regression; each protocol category is a binary logistic regression.
At inference they are plain numpy (no scikit-learn needed); training uses scikit-learn with fixed seeds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

SENTIMENTS = ("negatief", "neutraal", "positief")
CATEGORIES = (
    "ervaring",
    "pesten",
    "kleineren",
    "bedreiging",
    "seksuele_intimidatie",
    "persoonsgegevens",
    "beeldmateriaal",
    "onjuistheid",
    "compliment",
)
HEADS_FILE = Path(__file__).resolve().parent / "heads" / "e5-small-heads.json"

Matrix = NDArray[np.float32]


@dataclass(frozen=True)
class LinearHead:
    classes: tuple[str, ...]
    coef: Matrix  # (n_classes, dim) for softmax; (1, dim) for a binary head
    intercept: Matrix

    def logits(self, embeddings: Matrix) -> Matrix:
        result: Matrix = embeddings @ self.coef.T + self.intercept
        return result

    def softmax(self, embeddings: Matrix) -> Matrix:
        z = self.logits(embeddings)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        result: Matrix = e / e.sum(axis=1, keepdims=True)
        return result

    def sigmoid(self, embeddings: Matrix) -> Matrix:
        z = self.logits(embeddings)[:, 0]
        result: Matrix = (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
        return result

    def to_json(self) -> dict[str, Any]:
        return {
            "classes": list(self.classes),
            "coef": np.round(self.coef, 6).tolist(),
            "intercept": np.round(self.intercept, 6).tolist(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearHead:
        return cls(
            tuple(data["classes"]),
            np.asarray(data["coef"], dtype=np.float32),
            np.asarray(data["intercept"], dtype=np.float32),
        )


@dataclass(frozen=True)
class Heads:
    encoder: str
    sentiment: LinearHead
    categories: dict[str, LinearHead]
    thresholds: dict[str, float] = field(default_factory=dict)  # tuned on the dev split
    meta: dict[str, Any] = field(default_factory=dict)
    digest: str = ""

    @property
    def model_id(self) -> str:
        return f"{self.encoder}+heads-{self.digest[:10]}"

    def save(self, path: Path) -> None:
        data = {
            "encoder": self.encoder,
            "sentiment": self.sentiment.to_json(),
            "categories": {name: head.to_json() for name, head in self.categories.items()},
            "thresholds": self.thresholds,
            "meta": self.meta,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)


def load_heads(path: Path = HEADS_FILE) -> Heads:
    from monitor.errors import MonitorError

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise MonitorError(f"De classificatiekoppen ontbreken ({path}). Maak ze met 'monitor model train'.") from None
    data = json.loads(raw)
    return Heads(
        encoder=data["encoder"],
        sentiment=LinearHead.from_json(data["sentiment"]),
        categories={name: LinearHead.from_json(head) for name, head in data["categories"].items()},
        thresholds={k: float(v) for k, v in data.get("thresholds", {}).items()},
        meta=data.get("meta", {}),
        digest=hashlib.sha256(raw).hexdigest(),
    )


def fit_heads(
    encoder: str,
    train_x: Matrix,
    sentiments: list[str],
    categories: list[list[str]],
    c_sentiment: float = 1.0,
    c_category: float = 1.0,
    seed: int = 13,
) -> Heads:
    """Fit all heads with scikit-learn (deterministic: lbfgs, fixed seed)."""
    from sklearn.linear_model import LogisticRegression

    sentiment_model = LogisticRegression(C=c_sentiment, max_iter=2000, class_weight="balanced", random_state=seed)
    sentiment_model.fit(train_x, sentiments)
    order = [list(sentiment_model.classes_).index(name) for name in SENTIMENTS]
    sentiment = LinearHead(
        SENTIMENTS,
        sentiment_model.coef_[order].astype(np.float32),
        sentiment_model.intercept_[order].astype(np.float32),
    )
    heads: dict[str, LinearHead] = {}
    for name in CATEGORIES:
        target = np.array([name in cats for cats in categories], dtype=int)
        if target.sum() < 5:
            continue
        model = LogisticRegression(C=c_category, max_iter=2000, class_weight="balanced", random_state=seed)
        model.fit(train_x, target)
        heads[name] = LinearHead((name,), model.coef_.astype(np.float32), model.intercept_.astype(np.float32))
    return Heads(encoder=encoder, sentiment=sentiment, categories=heads)
