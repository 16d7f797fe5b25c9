"""CLI commands: ``monitor model evaluate | train | prepare-data | heldout | calibrate | split`` (the Dutch model:
measure it honestly, rebuild it)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer

from monitor.commands.options import ConfigOption, fail, load

if TYPE_CHECKING:
    from models.classifier import Label
    from models.evaluate import EvaluationFile

model_app = typer.Typer(help="Het Nederlandse model: trainen en eerlijk meten.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this feature's commands to ``app``."""
    app.add_typer(model_app, name="model")


@model_app.command("evaluate")
def evaluate(
    input: Annotated[Path, typer.Option("--input", "-i", help="CSV met een tekstkolom en labels.")],
    text_column: Annotated[str, typer.Option("--text-column")] = "text",
    label_column: Annotated[str, typer.Option("--label-column", help="Sentiment per rij (mag leeg zijn).")] = "label",
    categories_column: Annotated[
        str | None,
        typer.Option("--categories-column", help="Categorieën per rij, gescheiden door ';' (leeg = geen)."),
    ] = None,
    predictions: Annotated[
        Path | None, typer.Option("--predictions", help="Schrijf per rij de voorspelling naar dit CSV-bestand.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Eén JSON-object als uitvoer.")] = False,
    config: ConfigOption = None,
) -> None:
    """Meet het model op een eigen gelabeld bestand: sentiment, en met --categories-column ook de categorieën."""
    import json

    from models.classifier import SAFETY, PostInput, load_classifier
    from models.evaluate import category_metrics, format_category_report, format_report, metrics, read_evaluation
    from monitor.errors import MonitorError

    settings, data_dir = _model_settings(config)
    try:
        data = read_evaluation(input, text_column, label_column, categories_column)
    except MonitorError as exc:
        fail(str(exc))
    if not data.texts:
        fail(f"{input}: geen bruikbare regels (labels negatief/neutraal/positief of negative/neutral/positive).")
    labels = load_classifier(settings, data_dir).classify([PostInput(t) for t in data.texts])
    output: dict[str, Any] = {"skipped": len(data.skipped)}
    scored = [i for i, gold in enumerate(data.labels) if gold is not None]
    text_parts = []
    if scored:
        sentiment = metrics([str(data.labels[i]) for i in scored], [_top(labels[i]) for i in scored])
        uncertain = sum(labels[i].sentiment == "onzeker" for i in scored)
        output.update(sentiment, uncertain=uncertain)
        text_parts.append(format_report(sentiment, data.skipped, uncertain))
    if data.categories is not None:
        flagged = [frozenset(label.flagged) for label in labels]
        possible = [frozenset(n for n, s in label.categories.items() if s.possible) for label in labels]
        categories = category_metrics(data.categories, flagged, possible, SAFETY)
        output["categories"] = categories
        text_parts.append(format_category_report(categories))
    if predictions is not None:
        _write_predictions(predictions, data, labels)
        text_parts.append(f"\nVoorspellingen per rij: {predictions}")
    typer.echo(json.dumps(output, ensure_ascii=False) if as_json else "\n".join(text_parts))


def _top(label: Label) -> str:
    """The predicted class of the three (never 'onzeker'), as consistent with the safety flags as what staff see."""
    from models.classifier import consistent_sentiment

    top = max(label.probabilities, key=lambda k: label.probabilities[k])
    return consistent_sentiment(top, label.probabilities, label.flagged)


def _write_predictions(path: Path, data: EvaluationFile, labels: list[Label]) -> None:
    """One row per input row with text, in input order (written to a temporary file, then moved into place)."""
    import csv

    columns = ["text", "sentiment", "shown", "p_negatief", "p_neutraal", "p_positief", "flagged", "mogelijk",
               "evidence"]
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for text, label in zip(data.texts, labels, strict=True):
            marked = [(n, s) for n, s in label.categories.items() if s.flagged or s.possible]
            writer.writerow({
                "text": text,
                "sentiment": _top(label),
                "shown": label.sentiment,
                **{f"p_{k}": label.probabilities.get(k, 0.0) for k in ("negatief", "neutraal", "positief")},
                "flagged": ";".join(label.flagged),
                "mogelijk": ";".join(n for n, s in marked if s.possible),
                "evidence": " | ".join(f"{n}: {e}" for n, s in marked for e in s.evidence),
            })
    tmp.replace(path)


@model_app.command("train")
def train(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Map met omgezette echte trainingsdata (*.jsonl; zie models/corpus/SOURCES.md)."),
    ] = None,
    exclude: Annotated[
        list[Path] | None,
        typer.Option("--exclude", help="CSV-bestand(en) met een kolom 'text' die nooit getraind mogen worden."),
    ] = None,
    epochs: Annotated[float, typer.Option("--epochs", min=0.1, max=10)] = 1.0,
    out: Annotated[Path | None, typer.Option("--out", help="Koppenbestand (standaard het meegeleverde).")] = None,
    config: ConfigOption = None,
) -> None:
    """Fine-tune het model opnieuw op echte data en het eigen corpus (CPU, vaste seeds; ongeveer een half uur)."""
    from dataclasses import replace

    from models.finetune import FinetuneSettings
    from models.heads import HEADS_FILE
    from models.train import TrainingPlan
    from models.train import train as run_train

    settings, data_dir = _model_settings(config)
    folder = data or data_dir / "training-data"
    if not any(folder.glob("*.jsonl")):
        fail(f"Geen trainingsdata in {folder}. Haal de bronnen op en zet ze om zoals models/corpus/SOURCES.md "
              "beschrijft, en geef de map met --data.")
    plan = TrainingPlan(data_dir=folder, heldout=tuple(exclude or ()),
                        settings=replace(FinetuneSettings(), epochs=epochs))
    heads = run_train(data_dir / "cache" / "models", plan, out=out or HEADS_FILE,
                      step=lambda message: typer.echo(message, err=True), precision=settings.precision)
    scores = heads.meta["corpus_test_scores"]["sentiment"]
    typer.echo(f"Klaar: {heads.model_id}; corpus-test accuracy {scores['accuracy']:.3f}, "
               f"macro-F1 {scores['macro_f1']:.3f}. Meet op echte tekst met 'monitor model evaluate'.")


@model_app.command("prepare-data")
def prepare_data(
    clones: Annotated[Path, typer.Option("--clones", help="Map met de gekloonde bronrepositories (zie SOURCES.md).")],
    out: Annotated[Path, typer.Option("--out", help="Map voor de omgezette trainingsdata (*.jsonl).")],
    exclude: Annotated[
        list[Path] | None,
        typer.Option("--exclude", help="CSV-bestand(en) met een kolom 'text' die nooit getraind mogen worden."),
    ] = None,
) -> None:
    """Zet de openbare gelabelde bronnen om naar trainingsdata (na de downloadstap in models/corpus/SOURCES.md)."""
    from models.sources import prepare

    if not clones.is_dir():
        fail(f"Map {clones} bestaat niet. Kloon eerst de bronnen zoals models/corpus/SOURCES.md beschrijft.")
    counts = prepare(clones, out, say=lambda message: typer.echo(message, err=True), exclude=tuple(exclude or ()))
    if not counts:
        fail(f"Geen enkele bron gevonden in {clones}; zie models/corpus/SOURCES.md.")
    typer.echo(", ".join(f"{name}: {n}" for name, n in counts.items()) + f" rijen in {out}")


@model_app.command("heldout")
def heldout(
    clones: Annotated[Path, typer.Option("--clones", help="Map met de gekloonde bronnen (zie SOURCES.md).")],
    out: Annotated[Path, typer.Option("--out", help="Het CSV-bestand dat gemaakt wordt.")] = Path("social_nl.csv"),
) -> None:
    """Bouw de achtergehouden echte Nederlandse evaluatieset uit de bronnen en onze labels in git."""
    from models.sources.base import SourceError
    from models.sources.real_nl import build

    try:
        counts = build(clones, out)
    except SourceError as exc:
        fail(str(exc))
    typer.echo(", ".join(f"{name}: {n}" for name, n in counts.items()) + f" rijen in {out}. Meet met "
               f"'monitor model evaluate --input {out} --label-column sentiment --categories-column categories'.")


@model_app.command("calibrate")
def calibrate(
    input: Annotated[Path, typer.Option("--input", "-i", help="Gelabelde echte tekst (kolommen text, sentiment).")],
    split_name: Annotated[str, typer.Option("--split", help="Alleen rijen met deze waarde in kolom 'split'.")] = "dev",
    out: Annotated[Path | None, typer.Option("--out", help="Koppenbestand (standaard het meegeleverde).")] = None,
    config: ConfigOption = None,
) -> None:
    """Stem de klassenverhouding van het sentiment af op echte tekst (alleen de dev-rijen; test blijft apart)."""
    from models.classifier import BuiltinClassifier
    from models.heads import HEADS_FILE, load_heads
    from models.prior import fit_offsets, with_offsets
    from models.sources.real_nl import sentiment_rows

    settings, data_dir = _model_settings(config)
    try:
        texts, gold = sentiment_rows(input, split_name)
    except (OSError, ValueError) as exc:
        fail(f"{input}: {exc}")
    if len(texts) < 50:
        fail(f"{input}: {len(texts)} bruikbare rijen met split '{split_name}'; minstens 50 nodig.")
    target = out or HEADS_FILE
    heads = load_heads(HEADS_FILE)
    previous = np.asarray(heads.meta.get("sentiment_prior", {}).get("offsets", [0.0, 0.0, 0.0]))
    embeddings = BuiltinClassifier(data_dir / "cache" / "models", settings, heads=heads).embed(texts)
    fit = fit_offsets(heads.sentiment.logits(embeddings) - previous, gold)
    with_offsets(heads, fit, f"{input.name} ({split_name})").save(target)
    typer.echo(f"Sentiment afgestemd op {fit.rows} rijen: verschuiving negatief {fit.offsets[0]:+.1f}, positief "
               f"{fit.offsets[2]:+.1f}; macro-F1 op deze rijen {fit.macro_f1_before:.3f} -> {fit.macro_f1_after:.3f}, "
               f"recall negatief {fit.negative_recall_after:.3f}. "
               f"Meet nu op de testrijen met 'monitor model evaluate'. Opgeslagen in {target}.")


@model_app.command("split")
def split() -> None:
    """Verdeel het ruwe corpus in train/dev/test zonder dat bijna-dubbele berichten de grens over gaan."""
    from models.corpus import split_corpus

    counts = split_corpus()
    typer.echo(", ".join(f"{name}: {n}" for name, n in counts.items()))


def _model_settings(config_path: Path | None) -> tuple[Any, Path]:
    """The [model] settings and data directory; without a config file the defaults (and ./monitor-data)."""
    from monitor.config import ENV_DATA_DIR, ModelConfig
    from monitor.config import config_path as find_config

    if config_path is None and not find_config(None).is_file():
        return ModelConfig(), Path(os.environ.get(ENV_DATA_DIR) or "monitor-data").resolve()
    cfg = load(config_path)
    return cfg.model, cfg.data_dir
