"""`monitor model evaluate`: honest scores on any labelled file a school brings.

The file is CSV (comma or semicolon, UTF-8) with a text column and a label column; labels may be Dutch
(negatief/neutraal/positief) or English (negative/neutral/positive). Rows with another label are reported and skipped.
Predictions use the most probable class (``onzeker`` is not a class here; how many would be uncertain is reported).

With a categories column (semicolon-separated category names, empty = none) every row with text is also scored per
category and for the safety lane as a whole; rows without a sentiment label then still count for the categories.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.heads import CATEGORIES, SENTIMENTS
from monitor.errors import MonitorError

LABELS = {
    "negatief": "negatief",
    "negative": "negatief",
    "neg": "negatief",
    "neutraal": "neutraal",
    "neutral": "neutraal",
    "neu": "neutraal",
    "positief": "positief",
    "positive": "positief",
    "pos": "positief",
}


@dataclass
class LabelledFile:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line number, the label found)


@dataclass
class EvaluationFile:
    """Every row with text, in file order; ``labels[i]`` is None without a sentiment label, ``categories`` is None
    when the file has no categories column."""

    texts: list[str] = field(default_factory=list)
    labels: list[str | None] = field(default_factory=list)
    categories: list[frozenset[str]] | None = None
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    if not path.is_file():
        raise MonitorError(f"Bestand {path} niet gevonden.")
    raw = path.read_text(encoding="utf-8-sig")
    try:  # only the separator is guessed: the sniffer's quoting guess misreads Excel's "" inside a quoted text
        delimiter = csv.Sniffer().sniff(raw[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.DictReader(io.StringIO(raw, newline=""), dialect=csv.excel, delimiter=delimiter)
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def _missing(path: Path, columns: list[str], wanted: str, option: str) -> MonitorError:
    found = ", ".join(columns) or "geen"
    return MonitorError(f"{path}: kolom '{wanted}' niet gevonden (kolommen: {found}); kies er een met {option}.")


def read_evaluation(path: Path, text_column: str = "text", label_column: str = "label",
                    categories_column: str | None = None) -> EvaluationFile:
    """Read a file for ``evaluate``: sentiment labels where present, categories when a column is named."""
    columns, rows = _rows(path)
    if text_column not in columns:
        raise _missing(path, columns, text_column, "--text-column")
    if categories_column is not None and categories_column not in columns:
        raise _missing(path, columns, categories_column, "--categories-column")
    has_labels = label_column in columns
    if not has_labels and categories_column is None:
        raise _missing(path, columns, label_column, "--label-column")
    result = EvaluationFile(categories=[] if categories_column else None)
    for line, row in enumerate(rows, start=2):
        text = (row.get(text_column) or "").strip()
        if not text:
            result.skipped.append((line, "lege tekst"))
            continue
        found = (row.get(label_column) or "").strip() if has_labels else ""
        label = LABELS.get(found.lower())
        if found and label is None:
            result.skipped.append((line, found))
            if categories_column is None:
                continue
        if categories_column is None and label is None:
            result.skipped.append((line, found))
            continue
        if result.categories is not None and categories_column is not None:
            result.categories.append(_categories(row.get(categories_column) or "", path, line))
        result.texts.append(text)
        result.labels.append(label)
    return result


def _categories(value: str, path: Path, line: int) -> frozenset[str]:
    names = frozenset(part.strip().lower() for part in value.replace(",", ";").split(";") if part.strip())
    unknown = sorted(names - set(CATEGORIES))
    if unknown:
        raise MonitorError(f"{path}, regel {line}: onbekende categorie {', '.join(unknown)}; "
                           f"bekend zijn: {', '.join(CATEGORIES)}.")
    return names


def category_metrics(gold: Sequence[frozenset[str]], flagged: Sequence[frozenset[str]],
                     possible: Sequence[frozenset[str]], safety: Sequence[str]) -> dict[str, Any]:
    """Precision, recall and F1 per category (on *flagged*), and for the safety lane as a whole: a row counts when
    any safety category is in the gold and any is flagged; ``recall_with_possible`` also counts *mogelijk*."""
    def prf(truth: list[bool], predicted: list[bool]) -> dict[str, float | int]:
        tp = sum(t and p for t, p in zip(truth, predicted, strict=True))
        n_pred, n_true = sum(predicted), sum(truth)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_true if n_true else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                "support": n_true, "flagged": n_pred}

    per_category = {name: prf([name in g for g in gold], [name in f for f in flagged]) for name in CATEGORIES}
    lane_truth = [bool(g & set(safety)) for g in gold]
    lane = prf(lane_truth, [bool(f & set(safety)) for f in flagged])
    wide = prf(lane_truth, [bool((f | p) & set(safety)) for f, p in zip(flagged, possible, strict=True)])
    lane["recall_with_possible"] = wide["recall"]
    lane["flagged_or_possible"] = wide["flagged"]
    benign = [not t for t in lane_truth]
    false_alarms = sum(b and bool(f & set(safety)) for b, f in zip(benign, flagged, strict=True))
    lane["false_alarm_rate"] = round(false_alarms / sum(benign), 4) if sum(benign) else 0.0
    return {"per_category": per_category, "safety_lane": lane, "n": len(gold)}


def format_category_report(result: dict[str, Any]) -> str:
    lines = ["", f"Categorieën ({result['n']} berichten; gemarkeerd = boven de drempel):",
             f"{'categorie':<22} {'precisie':>9} {'recall':>7} {'F1':>6} {'aantal':>7} {'gemarkeerd':>11}"]
    unlabelled = []
    for name, s in result["per_category"].items():
        if s["support"]:
            lines.append(f"{name:<22} {s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f} {s['support']:>7} "
                         f"{s['flagged']:>11}")
        elif s["flagged"]:
            unlabelled.append(f"{name} {s['flagged']}")
    if unlabelled:  # no row of the file has this category: precision says nothing about the model
        lines.append("Gemarkeerd, maar in dit bestand bij geen enkel bericht gelabeld: " + ", ".join(unlabelled) + ".")
    lane = result["safety_lane"]
    lines += [
        "",
        f"Veiligheid als geheel: precisie {lane['precision']:.3f}, recall {lane['recall']:.3f} "
        f"(met 'mogelijk' erbij {lane['recall_with_possible']:.3f}), F1 {lane['f1']:.3f}, {lane['support']} berichten.",
        f"Onterecht gemarkeerd: {lane['false_alarm_rate']:.1%} van de berichten zonder veiligheidscategorie.",
    ]
    return "\n".join(lines)


def read_labelled(path: Path, text_column: str = "text", label_column: str = "label") -> LabelledFile:
    columns, rows = _rows(path)
    for wanted, option in ((text_column, "--text-column"), (label_column, "--label-column")):
        if wanted not in columns:
            raise _missing(path, columns, wanted, option)
    result = LabelledFile()
    for line, row in enumerate(rows, start=2):
        label = LABELS.get((row.get(label_column) or "").strip().lower())
        text = (row.get(text_column) or "").strip()
        if label is None or not text:
            result.skipped.append((line, (row.get(label_column) or "").strip()))
            continue
        result.texts.append(text)
        result.labels.append(label)
    return result


def metrics(gold: Sequence[str], predicted: Sequence[str], classes: Sequence[str] = SENTIMENTS) -> dict[str, Any]:
    """accuracy, macro_f1, per_class (precision/recall/f1/support), confusion (gold -> predicted -> count), n."""
    confusion = {g: dict.fromkeys(classes, 0) for g in classes}
    for g, p in zip(gold, predicted, strict=True):
        confusion[g][p] += 1
    per_class = {}
    for c in classes:
        tp = confusion[c][c]
        predicted_c = sum(confusion[g][c] for g in classes)
        support = sum(confusion[c].values())
        precision = tp / predicted_c if predicted_c else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                        "support": support}
    n = len(gold)
    accuracy = sum(confusion[c][c] for c in classes) / n if n else 0.0
    present = [c for c in classes if per_class[c]["support"]]
    macro = sum(per_class[c]["f1"] for c in present) / len(present) if present else 0.0
    return {"accuracy": round(accuracy, 4), "macro_f1": round(macro, 4), "per_class": per_class,
            "confusion": confusion, "n": n}


def format_report(result: dict[str, Any], skipped: list[tuple[int, str]], uncertain: int) -> str:
    lines = [
        f"Aantal berichten: {result['n']}",
        f"Nauwkeurigheid (accuracy): {result['accuracy']:.3f}",
        f"Macro-F1: {result['macro_f1']:.3f}",
        "",
        f"{'klasse':<10} {'precisie':>9} {'recall':>7} {'F1':>6} {'aantal':>7}",
    ]
    for name, scores in result["per_class"].items():
        p, r, f1, n = scores["precision"], scores["recall"], scores["f1"], scores["support"]
        lines.append(f"{name:<10} {p:>9.3f} {r:>7.3f} {f1:>6.3f} {n:>7}")
    header = " " * 10 + "".join(f"{c:>10}" for c in SENTIMENTS)
    lines += ["", "Verwarringsmatrix (rij: echt, kolom: voorspeld):", header]
    for gold, row in result["confusion"].items():
        lines.append(f"{gold:<10}" + "".join(f"{row[c]:>10}" for c in SENTIMENTS))
    if uncertain:
        lines.append(f"\n{uncertain} voorspellingen zouden in de praktijk 'onzeker' heten (te lage zekerheid).")
    if skipped:
        shown = ", ".join(f"regel {line} ('{label}')" for line, label in skipped[:10])
        more = f" en nog {len(skipped) - 10}" if len(skipped) > 10 else ""
        lines.append(f"\n{len(skipped)} regels overgeslagen (onbekend label of lege tekst): {shown}{more}.")
    return "\n".join(lines)
