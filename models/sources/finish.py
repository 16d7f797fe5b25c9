"""What every converted source goes through: de-duplication, held-out exclusion, a stratified cap, an atomic write."""

from __future__ import annotations

import json
import os
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from models.sources.base import Record
from models.training_data import text_key

SEED = 13
CAP = 15_000


def norm(text: str) -> str:
    """The de-duplication key of the original conversion (strip, lower case, whitespace collapsed)."""
    return " ".join(text.strip().lower().split())


def label_key(row: Record) -> str:
    """The stratum of a row for the cap: its sentiment and categories."""
    cats = row["categories"]
    return str((row["sentiment"], tuple(cats) if cats is not None else None))


def dedupe_and_exclude(
    rows: Iterable[Record], excluded: frozenset[str] | set[str], dedupe: bool = True
) -> list[Record]:
    """Rows without empty texts, repeated texts (first kept) and texts whose ``text_key`` is in ``excluded``."""
    seen: set[str] = set()
    out: list[Record] = []
    for row in rows:
        key = norm(row["text"])
        if not key or (dedupe and key in seen) or text_key(row["text"]) in excluded:
            continue
        seen.add(key)
        out.append(row)
    return out


def cap_stratified(
    rows: Sequence[Record], cap: int, seed: int = SEED, key: Callable[[Record], str] = label_key
) -> list[Record]:
    """At most ``cap`` rows by water-filling over the label groups: groups smaller than their fair share stay whole,
    larger ones are randomly downsampled (fixed seed), and the result is shuffled. Fewer rows come back unchanged."""
    if len(rows) <= cap:
        return list(rows)
    groups: dict[str, list[Record]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    sizes = sorted((len(group), name) for name, group in groups.items())
    left = cap
    quota: dict[str, int] = {}
    for i, (size, name) in enumerate(sizes):
        quota[name] = min(size, left // (len(sizes) - i))
        left -= quota[name]
    rng = random.Random(seed)  # noqa: S311  (sampling, not security)
    chosen: list[Record] = []
    for name in sorted(groups):
        group = groups[name][:]
        rng.shuffle(group)
        chosen += group[: quota[name]]
    rng.shuffle(chosen)
    return chosen


def write_jsonl(path: Path, rows: Iterable[Record]) -> int:
    """Write ``rows`` to ``path`` via a temporary file in the same folder, then an atomic replace."""
    tmp = path.with_name(f".{path.name}.tmp")
    count = 0
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return count
