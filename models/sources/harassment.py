"""Threat, sexism and cyberbullying sources: GermEval 2026 violence, EDOS, Formspring."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator

from models.sources.base import Clone, Record, SourceError, rec

THREAT = ("prospensity", "propensity", "call2violence")  # "prospensity" is the source's spelling


def germeval2026_vio(clone: Clone) -> Iterator[Record]:
    """``vio_train_26.csv`` (id;description;vio): propensity, call2violence -> [bedreiging]; nothing -> null with
    scope [bedreiging]; support / glorification / other -> null with scope [] (about violence, not a threat)."""
    text = clone.read("GermEval2026/data/vio/vio_train_26.csv")
    for row in csv.DictReader(io.StringIO(text), delimiter=";"):
        label = row["vio"].strip().lower()
        if label in THREAT:
            yield rec(row["description"], "de", None, ["bedreiging"], "germeval2026-vio", "train", ["bedreiging"])
        else:
            scope = ["bedreiging"] if label == "nothing" else []
            yield rec(row["description"], "de", None, None, "germeval2026-vio", "train", scope)


def edos_categories(vector: str) -> list[str]:
    """EDOS label_vector of a sexist post: 1.x threats -> bedreiging; 2.3 dehumanising attacks and overt sexual
    objectification -> kleineren + seksuele_intimidatie; every other vector -> kleineren."""
    if vector.startswith("1."):
        return ["bedreiging"]
    if vector.startswith("2.3"):
        return ["kleineren", "seksuele_intimidatie"]
    return ["kleineren"]


def edos(clone: Clone) -> Iterator[Record]:
    """``data/edos_labelled_aggregated.csv``: not sexist -> null with scope [seksuele_intimidatie]."""
    text = clone.read("data/edos_labelled_aggregated.csv")
    for row in csv.DictReader(io.StringIO(text)):
        if row["label_sexist"] == "not sexist":
            yield rec(row["text"], "en", None, None, "edos", row["split"], ["seksuele_intimidatie"])
        elif row["label_sexist"] == "sexist":
            cats = edos_categories(row["label_vector"])
            yield rec(row["text"], "en", None, cats, "edos", row["split"], cats)
        else:
            raise SourceError(f"edos: onbekend label_sexist {row['label_sexist']!r}")


def _clean(field: str | None) -> str:
    return html.unescape(field or "").replace("<br>", "\n").strip()


def formspring(clone: Clone) -> Iterator[Record]:
    """``formspring_data.csv`` (tab-separated): text = question + newline + answer; >= 2 of 3 workers "Yes" ->
    [pesten], otherwise null with scope [pesten]."""
    with clone.open_text("DataSet_CyberBullying_Formspring/formspring_data.csv", errors="replace") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            text = (_clean(row["ques"]) + "\n" + _clean(row["ans"])).strip()
            yes = sum(1 for k in ("ans1", "ans2", "ans3") if (row[k] or "").strip().lower() == "yes")
            yield rec(text, "en", None, ["pesten"] if yes >= 2 else None, "formspring", "train", ["pesten"])
