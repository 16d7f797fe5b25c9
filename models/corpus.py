"""The project's own Dutch school-domain corpus (CC0): reading it and splitting it without leaks.

Raw parts live in ``models/corpus/raw/*.jsonl`` (see models/corpus/README.md). ``split_corpus`` groups near-duplicates
(word-shingle Jaccard similarity) so that a group never crosses train/dev/test, then assigns groups to splits
deterministically (80/10/10 by a hash of the group), and writes ``train.jsonl``, ``dev.jsonl`` and ``test.jsonl``.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.heads import CATEGORIES, SENTIMENTS

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
SPLITS = ("train", "dev", "test")
NEAR_DUPLICATE = 0.5  # Jaccard similarity of 3-word shingles from which two posts count as near-duplicates


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    sentiment: str
    categories: tuple[str, ...]
    extra: dict[str, Any]


def parse_line(line: str, where: str) -> Example:
    data = json.loads(line)
    sentiment = data.get("sentiment")
    categories = tuple(data.get("categories") or ())
    if sentiment not in SENTIMENTS:
        raise ValueError(f"{where}: onbekend sentiment {sentiment!r}")
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        raise ValueError(f"{where}: onbekende categorie {unknown}")
    if not str(data.get("text", "")).strip():
        raise ValueError(f"{where}: lege tekst")
    extra = {k: v for k, v in data.items() if k not in ("id", "text", "sentiment", "categories")}
    return Example(str(data["id"]), str(data["text"]), sentiment, categories, extra)


def read_examples(paths: Iterable[Path]) -> list[Example]:
    out = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                out.append(parse_line(line, f"{path.name}:{n}"))
    return out


def read_split(name: str, corpus_dir: Path = CORPUS_DIR) -> list[Example]:
    return read_examples([corpus_dir / f"{name}.jsonl"])


def _shingles(text: str) -> frozenset[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    words = re.findall(r"\w+", "".join(ch for ch in folded if not unicodedata.combining(ch)))
    if len(words) < 3:
        return frozenset(words)
    return frozenset(" ".join(words[i : i + 3]) for i in range(len(words) - 2))


def near_duplicate_groups(examples: list[Example], threshold: float = NEAR_DUPLICATE) -> list[int]:
    """A group number per example; near-duplicates (and chains of them) share a group."""
    parent = list(range(len(examples)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    shingles = [_shingles(e.text) for e in examples]
    index: dict[str, list[int]] = {}
    for i, grams in enumerate(shingles):
        candidates: set[int] = set()
        for gram in grams:
            candidates.update(index.get(gram, ()))
            index.setdefault(gram, []).append(i)
        for j in candidates:
            union = len(grams | shingles[j])
            if union and len(grams & shingles[j]) / union >= threshold:
                parent[find(i)] = find(j)
    return [find(i) for i in range(len(examples))]


def split_of(group_key: str) -> str:
    bucket = int(hashlib.sha256(group_key.encode()).hexdigest(), 16) % 10
    return "test" if bucket == 0 else "dev" if bucket == 1 else "train"


def split_corpus(corpus_dir: Path = CORPUS_DIR) -> dict[str, int]:
    examples = read_examples(sorted((corpus_dir / "raw").glob("*.jsonl")))
    groups = near_duplicate_groups(examples)
    first_id: dict[int, str] = {}
    for example, group in zip(examples, groups, strict=True):
        first_id.setdefault(group, example.id)
    buckets: dict[str, list[str]] = {name: [] for name in SPLITS}
    for example, group in zip(examples, groups, strict=True):
        record = {"id": example.id, "text": example.text, "sentiment": example.sentiment,
                  "categories": list(example.categories), **example.extra, "group": first_id[group]}
        buckets[split_of(first_id[group])].append(json.dumps(record, ensure_ascii=False))
    for name, lines in buckets.items():
        (corpus_dir / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {name: len(lines) for name, lines in buckets.items()}
