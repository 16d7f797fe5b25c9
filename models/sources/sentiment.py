"""Sentiment sources: XLM-T (UMSAB tweets, 8 languages), CLiPS Pattern bol.com reviews, XED subtitles (nl, en)."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from models.sources.base import Clone, Record, SourceError, lines_of, rec
from models.training_data import text_key

XLMT_LANGS = {
    "arabic": "ar",
    "english": "en",
    "french": "fr",
    "german": "de",
    "hindi": "hi",
    "italian": "it",
    "portuguese": "pt",
    "spanish": "es",
}
SPLITS = {"train": "train", "val": "dev", "test": "test"}  # file prefix -> split
XLMT_LABELS = {"0": "negatief", "1": "neutraal", "2": "positief"}


def xlmt(clone: Clone) -> Iterator[Record]:
    """``data/sentiment/<language>/<split>_{text,labels}.txt``: 0/1/2 -> negatief/neutraal/positief."""
    for language, code in XLMT_LANGS.items():
        for prefix, split in SPLITS.items():
            base = f"data/sentiment/{language}/{prefix}"
            texts = lines_of(clone.read(f"{base}_text.txt", errors="strict"))
            labels = lines_of(clone.read(f"{base}_labels.txt", errors="strict"))
            if len(texts) != len(labels):
                raise SourceError(f"{base}: {len(texts)} teksten maar {len(labels)} labels")
            for n, (text, label) in enumerate(zip(texts, labels, strict=True), start=1):
                if not text.strip():
                    continue
                if label.strip() not in XLMT_LABELS:
                    raise SourceError(f"{base}_labels.txt:{n}: onbekend label {label.strip()!r}")
                yield rec(text, code, XLMT_LABELS[label.strip()], None, "xlm-t-umsab", split)


BOL_LABELS = {"-1": "negatief", "1": "positief"}


def pattern_bol(clone: Clone) -> Iterator[Record]:
    """``test/corpora/polarity-nl-bol.com.csv`` (label, text): -1 -> negatief, 1 -> positief."""
    path = "test/corpora/polarity-nl-bol.com.csv"
    with clone.open_text(path) as handle:
        for n, fields in enumerate(csv.reader(handle), start=1):
            if len(fields) != 2 or fields[0] not in BOL_LABELS:
                raise SourceError(f"{path}: record {n} is geen (label, tekst) met label -1/1")
            yield rec(fields[1], "nl", BOL_LABELS[fields[0]], None, "pattern-bol", "train")


# XED emotion numbers: 1 anger, 2 anticipation, 3 disgust, 4 fear, 5 joy, 6 sadness, 7 surprise, 8 trust; 0/9 neutral.
NEGATIVE_EMOTIONS = {1, 3, 4, 6}
POSITIVE_EMOTIONS = {5, 8}


def emotions_to_sentiment(labels: str) -> str | None:
    """Only negative emotions -> negatief, only positive -> positief, neutral -> neutraal; mixed or only
    anticipation/surprise -> None (dropped)."""
    found = {int(x) for x in labels.replace(" ", "").split(",") if x}
    if found <= {0, 9}:
        return "neutraal"
    negative, positive = bool(found & NEGATIVE_EMOTIONS), bool(found & POSITIVE_EMOTIONS)
    if negative != positive:
        return "negatief" if negative else "positief"
    return None


def _tsv_pairs(clone: Clone, path: str) -> Iterator[tuple[str, str]]:
    with clone.open_text(path) as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2:
                yield parts[0], parts[1]


def _sentiment(path: str, labels: str) -> str | None:
    try:
        return emotions_to_sentiment(labels)
    except ValueError as exc:
        raise SourceError(f"{path}: onleesbare emotielabels {labels!r}") from exc


def xed_nl(clone: Clone) -> Iterator[Record]:
    """``Projections/nl-projections.tsv`` (sentence, labels): labels projected from en/fi onto Dutch subtitles."""
    path = "Projections/nl-projections.tsv"
    for text, labels in _tsv_pairs(clone, path):
        sentiment = _sentiment(path, labels)
        if sentiment:
            yield rec(text, "nl", sentiment, None, "xed-nl-projected", "train")


def xed_en(clone: Clone) -> Iterator[Record]:
    """``AnnotatedData/en-annotated.tsv`` + ``AnnotatedData/neu_en.txt`` (neutral). English lines aligned
    (``subtitle-retrieval/students/pairs-nl.txt``) to an excluded Dutch text are dropped too: no translation leak."""
    blocked: set[str] = set()
    with clone.open_text("subtitle-retrieval/students/pairs-nl.txt") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 6 and text_key(parts[5]) in clone.excluded:
                blocked.add(text_key(parts[4]))
    path = "AnnotatedData/en-annotated.tsv"
    for text, labels in _tsv_pairs(clone, path):
        if text_key(text) in blocked:
            continue
        sentiment = _sentiment(path, labels)
        if sentiment:
            yield rec(text, "en", sentiment, None, "xed-en", "train")
    for _label, text in _tsv_pairs(clone, "AnnotatedData/neu_en.txt"):
        yield rec(text, "en", "neutraal", None, "xed-en", "train")
