"""Real Dutch social media, hand-labelled by us: labels in git, texts rebuilt from the public sources.

The texts are other people's posts under unclear licences, so git holds only *which* rows were chosen and our labels
(``models/corpus/real_nl/heldout.labels.csv``: source, row, a hash of the text, sentiment, categories, split,
labeller). ``monitor model heldout --clones DIR`` reads the rows back from clones at the recorded commits, checks
every text against its hash and writes the CSV that ``monitor model evaluate`` and ``--exclude`` take. Losing the
CSV therefore loses nothing: the set can be rebuilt on any machine from the same public commits.

``split``: ``dev`` rows may be used to tune calibration (the sentiment prior); ``test`` rows only report. Other rows
of the same sources, labelled the same way, are training data (``train.labels.csv``; ``monitor model prepare-data``
converts them like any other source, see ``models/sources/registry.py``); no row is in both files.
"""

from __future__ import annotations

import csv
import hashlib
import html
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from models.sources.base import Clone, Record, SourceError, rec
from models.training_data import text_key

REAL_NL_DIR = Path(__file__).resolve().parent.parent / "corpus" / "real_nl"
LABELS_FILE = REAL_NL_DIR / "heldout.labels.csv"  # dev / test: never trained on
TRAIN_LABELS_FILE = REAL_NL_DIR / "train.labels.csv"  # other rows of the same sources, labelled for training
LABEL_COLUMNS = ("source", "row", "sha", "sentiment", "categories", "split", "label_by")
OUTPUT_COLUMNS = ("text", "sentiment", "categories", "source", "origin", "split", "label_by")


@dataclass(frozen=True)
class RealSource:
    name: str
    repo: str
    commit: str
    path: str
    read: Callable[[Clone, str], Iterator[tuple[int, str]]]  # (row number, text) of every usable row

    @property
    def folder(self) -> str:
        return self.repo.replace("/", "+")

    def origin(self, row: int) -> str:
        return f"{self.repo}@{self.commit}:{self.path}:{row}"


_TAG = re.compile(r"<[^>]+>")


def _csv_rows(clone: Clone, path: str) -> Iterator[dict[str, str]]:
    with clone.open_text(path) as handle:
        yield from csv.DictReader(handle)


def mint_dutch(clone: Clone, path: str) -> Iterator[tuple[int, str]]:
    """SemEval-2023 Task 9 (MINT) test tweets: the rows whose ``language`` is Dutch; row = data row from 0."""
    for n, row in enumerate(_csv_rows(clone, path)):
        if row.get("language") == "Dutch":
            yield n, row["text"]


def jensen_comments(clone: Clone, path: str) -> Iterator[tuple[int, str]]:
    """Reader comments from jensen.nl: ``body`` with HTML tags removed and entities unescaped (usernames dropped)."""
    for n, row in enumerate(_csv_rows(clone, path)):
        yield n, " ".join(html.unescape(_TAG.sub(" ", row.get("body") or "")).split())


SOURCES: tuple[RealSource, ...] = (
    RealSource("mint-nl-tweets", "lazicjelena/Intimacy_score_detection_in_multilingual_Tweets",
                  "6593e7529df61c4f3c70556bdc20dc7001ea430a", "test.csv", mint_dutch),
    RealSource("jensen-comments", "luka5132/JensenComments",
                  "2a63eac935d5bdc8daaccd38582c6fec57aecb3c", "jensen_comments.csv", jensen_comments),
)
BY_NAME = {source.name: source for source in SOURCES}


def text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def read_texts(source: RealSource, clones: Path) -> dict[int, str]:
    root = clones / source.folder
    if not root.is_dir():
        raise SourceError(
            f"map {root} ontbreekt: clone https://github.com/{source.repo} daar en zet commit {source.commit} uit"
        )
    return dict(source.read(Clone(root), source.path))


# Candidates for labelling: enough words to judge, no contact data of anyone.
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|(?:\+31|\b0)[\s-]?\d(?:[\s-]?\d){7,8}\b")
_NOISE = re.compile(r"@user|https?://\S*|\bhttp\b")


def usable(text: str, max_words: int = 150) -> bool:
    words = _NOISE.sub(" ", text).split()
    return 4 <= len(words) <= max_words and not _CONTACT.search(text)


def candidates(clones: Path, per_source: dict[str, int], seed: int = 2026) -> list[tuple[RealSource, int, str]]:
    """A fixed-seed sample of usable, distinct rows per source (how the labelled rows were chosen)."""
    chosen: list[tuple[RealSource, int, str]] = []
    seen: set[str] = set()
    for name, count in per_source.items():
        source = BY_NAME[name]
        rows = [(n, t) for n, t in sorted(read_texts(source, clones).items()) if usable(t)]
        random.Random(f"{seed}:{name}").shuffle(rows)  # noqa: S311 (a fixed sample, not a secret)
        for n, text in rows:
            if len([c for c in chosen if c[0] is source]) >= count:
                break
            if (key := text_key(text)) not in seen:
                seen.add(key)
                chosen.append((source, n, text))
    return chosen


def split_of(source: str, row: int) -> str:
    """Half dev, half test, by a hash of the row (stable whatever else is added)."""
    return "dev" if int(hashlib.sha256(f"{source}:{row}".encode()).hexdigest(), 16) % 2 == 0 else "test"


def read_labels(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def checked_text(source: RealSource, texts: dict[int, str], entry: dict[str, str], where: Path) -> str:
    """The text of a labelled row, refused when the clone's text is not the one that was labelled."""
    text = texts.get(int(entry["row"]))
    if text is None or text_sha(text) != entry["sha"]:
        raise SourceError(
            f"{source.name} rij {entry['row']}: tekst ontbreekt of wijkt af van de vastgelegde; "
            f"staat {where} op commit {source.commit}?"
        )
    return text


def labelled_rows(source: RealSource, clone: Clone, labels: Path) -> Iterator[tuple[dict[str, str], str]]:
    """Every labelled row of one source with its checked text."""
    texts = dict(source.read(clone, source.path))
    for entry in read_labels(labels):
        if entry["source"] == source.name:
            yield entry, checked_text(source, texts, entry, clone.root)


def build(clones: Path, out: Path, labels: Path = LABELS_FILE) -> dict[str, int]:
    """Write the held-out CSV from the labels file and the clones; every text must match its recorded hash."""
    unknown = {e["source"] for e in read_labels(labels)} - set(BY_NAME)
    if unknown:
        raise SourceError(f"{labels}: onbekende bron {', '.join(sorted(unknown))}")
    counts: dict[str, int] = {}
    rows: list[dict[str, str]] = []
    for source in SOURCES:
        read_texts(source, clones)  # a missing clone says what to clone
        for entry, text in labelled_rows(source, Clone(clones / source.folder), labels):
            rows.append({
                "text": text, "sentiment": entry["sentiment"], "categories": entry["categories"],
                "source": source.name, "origin": source.origin(int(entry["row"])), "split": entry["split"],
                "label_by": entry["label_by"],
            })
            counts[source.name] = counts.get(source.name, 0) + 1
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=OUTPUT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    partial.replace(out)
    return counts


def sentiment_rows(path: Path, split: str) -> tuple[list[str], list[int]]:
    """Texts and sentiment class numbers of the rows of one split (all rows when the file has no split column)."""
    from models.heads import SENTIMENTS

    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if rows and ("text" not in rows[0] or "sentiment" not in rows[0]):
        raise ValueError("kolommen 'text' en 'sentiment' zijn nodig")
    chosen = [r for r in rows if r.get("split", split) == split and r["sentiment"] in SENTIMENTS]
    return [r["text"] for r in chosen], [SENTIMENTS.index(r["sentiment"]) for r in chosen]


TRAINING_CATEGORIES = ("kleineren", "bedreiging", "pesten", "seksuele_intimidatie")


def training_converter(name: str, labels: Path = TRAIN_LABELS_FILE) -> Callable[[Clone], Iterator[Record]]:
    """The converter of one source's hand-labelled training rows (``models/sources/registry.py``)."""
    source = BY_NAME[name]

    def convert(clone: Clone) -> Iterator[Record]:
        for entry, text in labelled_rows(source, clone, labels):
            found = [c for c in entry["categories"].split(";") if c in TRAINING_CATEGORIES]
            yield rec(text, "nl", entry["sentiment"], found, f"{name}-hand", "train", list(TRAINING_CATEGORIES))

    return convert
