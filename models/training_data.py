"""Training rows for the fine-tune: real labelled data from public sources, plus the project's own corpus.

Real data is not in the repository (licences, personal data): ``monitor model fetch-data``'s documented download step
(see models/corpus/SOURCES.md) puts converted files in a folder as JSON Lines, one row per line::

    {"text": ..., "lang": "nl", "sentiment": "negatief"|"neutraal"|"positief"|null,
     "categories": ["bedreiging", ...] | [] | null, "source": "xlm-t-umsab", "split": "train"|"dev"|"test"}

``sentiment: null`` means the source has no sentiment label; ``categories: null`` means it says nothing about
categories, ``[]`` that it labelled the row as none of the four categories real sources cover. An optional
``cat_scope`` lists the categories the source did label for that row (a bullying data set says nothing about
threats), so ``{"categories": null, "cat_scope": ["pesten"]}`` is "not bullying". A loss is only computed for what a
source labels. Rows whose text is in the held-out evaluation list are always dropped, so the
held-out set can never leak into training.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from models.corpus import CORPUS_DIR, read_split
from models.heads import CATEGORIES, SENTIMENTS

log = logging.getLogger(__name__)

CORPUS_SOURCE = "school-corpus"
# The categories an external source can speak about; for any other category its rows carry no signal.
EXTERNAL_CATEGORIES = ("pesten", "kleineren", "bedreiging", "seksuele_intimidatie")


@dataclass(frozen=True)
class Row:
    text: str
    sentiment: str | None
    categories: dict[str, bool]  # only the categories this row is labelled for
    source: str
    lang: str


def text_key(text: str) -> str:
    """A stable key of a text for de-duplication and the held-out list (case, accents and spacing folded)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = " ".join("".join(ch for ch in folded if not unicodedata.combining(ch)).split())
    return hashlib.sha256(plain.encode()).hexdigest()[:16]


def read_heldout_keys(paths: Iterable[Path]) -> set[str]:
    """Keys of every text in the held-out evaluation files (CSV with a ``text`` column)."""
    import csv

    keys: set[str] = set()
    for path in paths:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            keys.update(text_key(row.get("text") or "") for row in csv.DictReader(handle))
    return keys


def _row(data: dict[str, object], where: str) -> Row | None:
    text = str(data.get("text") or "").strip()
    sentiment = data.get("sentiment")
    if not text or (sentiment is not None and sentiment not in SENTIMENTS):
        log.warning("%s: overgeslagen (lege tekst of onbekend sentiment %r)", where, sentiment)
        return None
    raw = data.get("categories")
    source = str(data.get("source") or "?")
    scope = data.get("cat_scope")
    named = list(raw) if isinstance(raw, list) else []
    unknown = [c for c in [*named, *(scope if isinstance(scope, list) else [])] if c not in CATEGORIES]
    if unknown:
        log.warning("%s: overgeslagen (onbekende categorie %s)", where, unknown)
        return None
    labelled: dict[str, bool] = {}
    if isinstance(scope, list):
        labelled = {str(name): name in named for name in scope}
    elif isinstance(raw, list):
        labelled = {name: name in named for name in EXTERNAL_CATEGORIES}
    if sentiment is None and not labelled:
        return None
    return Row(text, str(sentiment) if sentiment else None, labelled, source, str(data.get("lang") or "und"))


def read_external(folder: Path, splits: Sequence[str], heldout: set[str]) -> list[Row]:
    """Rows of every ``*.jsonl`` in ``folder`` whose split is one of ``splits`` (held-out texts dropped)."""
    rows: list[Row] = []
    for path in sorted(folder.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            data = json.loads(line)
            if data.get("split", "train") not in splits or text_key(str(data.get("text", ""))) in heldout:
                continue
            row = _row(data, f"{path.name}:{n}")
            if row is not None:
                rows.append(row)
    return rows


def read_corpus(split: str, corpus_dir: Path = CORPUS_DIR) -> list[Row]:
    """The project's own corpus: every category labelled (absent = no)."""
    return [
        Row(
            e.text,
            e.sentiment,
            {name: name in e.categories for name in CATEGORIES},
            CORPUS_SOURCE,
            str(e.extra.get("variant", "nl")),
        )
        for e in read_split(split, corpus_dir)
    ]


def mark_benign(row: Row) -> Row:
    """The row as a negative for every category real sources cover (for sources known to hold no harassment)."""
    return replace(row, categories={**dict.fromkeys(EXTERNAL_CATEGORIES, False), **row.categories})


def dedupe(rows: Iterable[Row]) -> list[Row]:
    seen: set[str] = set()
    out = []
    for row in rows:
        key = text_key(row.text)
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def cap_per_source(rows: Sequence[Row], cap: int, seed: int) -> list[Row]:
    """At most ``cap`` rows per source (a fixed-seed sample), so one big source does not drown the others."""
    by_source: dict[str, list[Row]] = {}
    for row in rows:
        by_source.setdefault(row.source, []).append(row)
    out: list[Row] = []
    rng = random.Random(seed)  # noqa: S311  (sampling, not security)
    for source in sorted(by_source):
        group = by_source[source]
        out.extend(group if len(group) <= cap else rng.sample(group, cap))
    return out
