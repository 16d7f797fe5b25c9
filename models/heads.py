"""The shipped model's small files: the heads on the encoder's sentence embeddings and the fine-tuned adapters.

Sentiment is a 3-class softmax head (its temperature calibrated on dev and folded into the weights); each protocol
category is a binary logistic head. Both are trained with the LoRA adapters (``models/finetune.py``) that are merged
into the encoder at load; at inference the heads are plain numpy.
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
    adapter: str | None = None  # file name (next to the heads file) of the fine-tuned LoRA adapters

    @property
    def model_id(self) -> str:
        kind = "lora" if self.adapter else "heads"
        return f"{self.encoder}+{kind}-{self.digest[:10]}"

    def load_adapter(self, folder: Path = HEADS_FILE.parent) -> dict[str, NDArray[np.float32]] | None:
        if not self.adapter:
            return None
        from safetensors.numpy import load_file

        from monitor.errors import MonitorError

        path = folder / self.adapter
        try:
            return dict(load_file(str(path)))
        except FileNotFoundError:
            raise MonitorError(
                f"De adapters van het model ontbreken ({path}). Maak ze met 'monitor model train'."
            ) from None

    def save(self, path: Path) -> None:
        data = {
            "encoder": self.encoder,
            "sentiment": self.sentiment.to_json(),
            "categories": {name: head.to_json() for name, head in self.categories.items()},
            "thresholds": self.thresholds,
            "adapter": self.adapter,
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
    adapter = data.get("adapter")
    if adapter:  # the model id must change when the adapters change
        raw += (path.parent / adapter).read_bytes() if (path.parent / adapter).is_file() else b""
    return Heads(
        encoder=data["encoder"],
        sentiment=LinearHead.from_json(data["sentiment"]),
        categories={name: LinearHead.from_json(head) for name, head in data["categories"].items()},
        thresholds={k: float(v) for k, v in data.get("thresholds", {}).items()},
        meta=data.get("meta", {}),
        digest=hashlib.sha256(raw).hexdigest(),
        adapter=adapter,
    )


def save_lora(lora: dict[str, NDArray[np.float32]], path: Path) -> None:
    """The adapters as safetensors, fp16 (half the size; the merge adds them to fp32 weights)."""
    from safetensors.numpy import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    save_file({k: np.ascontiguousarray(v.astype(np.float16)) for k, v in lora.items()}, str(tmp))
    tmp.replace(path)

