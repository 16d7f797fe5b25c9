"""Offensive / abusive language sources (-> kleineren): TweetEval, GermEval 2018, OffensEval 2020, ETHOS."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from models.sources.base import ALL4, Clone, Record, SourceError, rec
from models.sources.sentiment import SPLITS

csv.field_size_limit(10**8)

KLEINEREN = ["kleineren"]


def _tweeteval(clone: Clone, task: str) -> Iterator[tuple[str, str, str]]:
    for prefix, split in SPLITS.items():
        base = f"datasets/{task}/{prefix}"
        texts = clone.read(f"{base}_text.txt").rstrip("\n").split("\n")
        labels = clone.read(f"{base}_labels.txt").rstrip("\n").split("\n")
        if len(texts) != len(labels):
            raise SourceError(f"{base}: {len(texts)} teksten maar {len(labels)} labels")
        for text, label in zip(texts, labels, strict=True):
            if label.strip() not in ("0", "1"):
                raise SourceError(f"{base}_labels.txt: onbekend label {label.strip()!r}")
            yield text, label.strip(), split


def tweeteval_offensive(clone: Clone) -> Iterator[Record]:
    """OLID / OffensEval-2019 A: 1 -> [kleineren]; 0 -> [] (none of the four)."""
    for text, label, split in _tweeteval(clone, "offensive"):
        off = label == "1"
        cats = KLEINEREN if off else []
        yield rec(text, "en", None, cats, "tweeteval-offensive-olid", split, KLEINEREN if off else ALL4)


def tweeteval_hate(clone: Clone) -> Iterator[Record]:
    """HatEval 2019: 1 -> [kleineren]; 0 -> null (not hateful may still be offensive), scope [kleineren]."""
    for text, label, split in _tweeteval(clone, "hate"):
        yield rec(text, "en", None, KLEINEREN if label == "1" else None, "tweeteval-hate-hateval", split, KLEINEREN)


def germeval2018(clone: Clone) -> Iterator[Record]:
    """text<TAB>OFFENSE/OTHER<TAB>fine label: INSULT, ABUSE -> [kleineren]; PROFANITY, OTHER -> []."""
    for path, split in (("germeval2018.training.txt", "train"), ("germeval2018.test.txt", "test")):
        for line in clone.read(path).split("\n"):
            parts = line.split("\t")
            if len(parts) != 3:
                continue
            cats = KLEINEREN if parts[2].strip() in ("INSULT", "ABUSE") else []
            text = parts[0].replace("|LBR|", "\n")
            yield rec(text, "de", None, cats, "germeval2018", split, KLEINEREN if cats else ALL4)


def _offenseval(
    clone: Clone, path: str, labels: tuple[str, str], lang: str, split: str, newline: str | None = None
) -> Iterator[Record]:
    """id<TAB>text<TAB>label files with a header line; ``labels`` = (offensive, not offensive)."""
    for line in clone.read(path).split("\n")[1:]:
        parts = line.split("\t")
        if len(parts) != 3 or parts[2].strip() not in labels:
            continue
        off = parts[2].strip() == labels[0]
        text = parts[1].replace(newline, "\n") if newline else parts[1]
        cats = KLEINEREN if off else []
        yield rec(text, lang, None, cats, f"offenseval2020-{lang}", split, KLEINEREN if off else ALL4)


def offenseval_da(clone: Clone) -> Iterator[Record]:
    """DKHate (OffensEval 2020 Danish), training + test: OFF -> [kleineren], NOT -> []."""
    folder = "data/hate-speech/oe20da_data"
    yield from _offenseval(clone, f"{folder}/offenseval-da-training-v1.tsv", ("OFF", "NOT"), "da", "train")
    yield from _offenseval(clone, f"{folder}/offenseval-da-test-v1.tsv", ("OFF", "NOT"), "da", "test")


def offenseval_tr(clone: Clone) -> Iterator[Record]:
    """OffensEval 2020 Turkish (official train+dev): 1 -> [kleineren], 0 -> []."""
    return _offenseval(clone, "data/turkish/full.tsv", ("1", "0"), "tr", "train", "<LF>")


def offenseval_el(clone: Clone) -> Iterator[Record]:
    """OffensEval 2020 Greek (OGTD, official train+dev): 1 -> [kleineren], 0 -> []."""
    return _offenseval(clone, "data/greek/full.tsv", ("1", "0"), "el", "train", "<LF>")


def offenseval_ar(clone: Clone) -> Iterator[Record]:
    """OffensEval 2020 Arabic (official train+dev, ``<LF>`` -> newline): 1 -> [kleineren], 0 -> []."""
    return _offenseval(clone, "data/arabic/full.tsv", ("1", "0"), "ar", "train", "<LF>")


def ethos(clone: Clone) -> Iterator[Record]:
    """ETHOS multi-label (hate comments only): all -> [kleineren]; violence score >= 0.5 -> + bedreiging."""
    text = clone.read("ethos/ethos_data/Ethos_Dataset_Multi_Label.csv")
    for row in csv.DictReader(io.StringIO(text), delimiter=";"):
        cats = ["kleineren", "bedreiging"] if float(row["violence"]) >= 0.5 else KLEINEREN
        yield rec(row["comment"], "en", None, cats, "ethos", "train", ["kleineren", "bedreiging"])
