"""`monitor model evaluate`: honest scores on any labelled file a school brings.

The file is CSV (comma or semicolon, UTF-8) with a text column and a label column; labels may be Dutch
(negatief/neutraal/positief) or English (negative/neutral/positive). Rows with another label are reported and skipped.
Predictions use the most probable class (``onzeker`` is not a class here; how many would be uncertain is reported).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.heads import SENTIMENTS
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


def read_labelled(path: Path, text_column: str = "text", label_column: str = "label") -> LabelledFile:
    if not path.is_file():
        raise MonitorError(f"Bestand {path} niet gevonden.")
    raw = path.read_text(encoding="utf-8-sig")
    try:
        dialect: Any = csv.Sniffer().sniff(raw[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(raw.splitlines(), dialect=dialect)
    columns = reader.fieldnames or []
    for wanted, option in ((text_column, "--text-column"), (label_column, "--label-column")):
        if wanted not in columns:
            found = ", ".join(columns) or "geen"
            raise MonitorError(f"{path}: kolom '{wanted}' niet gevonden (kolommen: {found}); kies er een met {option}.")
    result = LabelledFile()
    for line, row in enumerate(reader, start=2):
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
