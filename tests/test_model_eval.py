"""Evaluation metrics, label handling, the hub option's offline refusal, and the classify pipeline step."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from models.classifier import CategoryScore, Label, PostInput, Progress, combine, sentiment_from
from models.evaluate import format_report, metrics, read_labelled
from models.hub import HubClassifier, three_way
from monitor.classify import classify, read_labels
from monitor.config import ModelConfig, load_config
from monitor.errors import MonitorError
from monitor.setup import example_config_text
from monitor.store import Store


def test_metrics_on_a_known_confusion_matrix() -> None:
    gold = ["negatief"] * 4 + ["neutraal"] * 3 + ["positief"] * 3
    pred = ["negatief", "negatief", "negatief", "neutraal", "neutraal", "neutraal", "positief", "positief",
            "positief", "negatief"]
    result = metrics(gold, pred)
    assert result["n"] == 10
    assert result["confusion"] == {
        "negatief": {"negatief": 3, "neutraal": 1, "positief": 0},
        "neutraal": {"negatief": 0, "neutraal": 2, "positief": 1},
        "positief": {"negatief": 1, "neutraal": 0, "positief": 2},
    }
    assert result["accuracy"] == 0.7
    assert result["per_class"]["negatief"] == {"precision": 0.75, "recall": 0.75, "f1": 0.75, "support": 4}
    assert result["per_class"]["neutraal"]["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["macro_f1"] == pytest.approx((0.75 + 2 / 3 + 2 / 3) / 3, abs=1e-3)


def test_read_labelled_accepts_english_and_reports_other_labels(tmp_path: Path) -> None:
    path = tmp_path / "eigen.csv"
    path.write_text(
        "tekst;oordeel\nTop school!;positive\nSlechte communicatie;Negatief\nWeet niet;mixed\n;neutral\n"
        "Open dag;neutral\n",
        encoding="utf-8-sig",
    )
    data = read_labelled(path, text_column="tekst", label_column="oordeel")
    assert data.labels == ["positief", "negatief", "neutraal"]
    assert data.skipped == [(4, "mixed"), (5, "neutral")]
    report = format_report(metrics(data.labels, data.labels), data.skipped, uncertain=0)
    assert "regel 4 ('mixed')" in report and "Macro-F1: 1.000" in report


def test_quotes_inside_a_quoted_text_are_read_as_excel_writes_them(tmp_path: Path) -> None:
    """The separator is guessed, the quoting is Excel's: '""mag ik ook meedoen""' is one text, not two columns."""
    import csv

    path = tmp_path / "excel.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for n in range(30):
            writer.writerow([f"gewoon bericht {n}, met een komma", "neutral"])
        writer.writerow(['"mag ik ook meedoen" zegt ze dan. nee schat, echt niet', "negative"])
    data = read_labelled(path)
    assert data.texts[-1] == '"mag ik ook meedoen" zegt ze dan. nee schat, echt niet'
    assert data.labels[-1] == "negatief" and len(data.labels) == 31


def test_missing_column_names_the_option(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("text,sentiment\nhoi,positief\n", encoding="utf-8")
    with pytest.raises(MonitorError, match="--label-column"):
        read_labelled(path)


@pytest.mark.parametrize(
    ("probabilities", "expected"),
    [
        ({"negatief": 0.7, "neutraal": 0.2, "positief": 0.1}, "negatief"),
        ({"negatief": 0.4, "neutraal": 0.35, "positief": 0.25}, "onzeker"),
        ({"negatief": 0.1, "neutraal": 0.3, "positief": 0.6}, "positief"),
    ],
)
def test_uncertain_below_threshold(probabilities: dict[str, float], expected: str) -> None:
    assert sentiment_from(probabilities, uncertain_below=0.5) == expected


def test_category_combination_rules() -> None:
    assert combine("pesten", 0.5, 0.5, False) == pytest.approx(0.75)
    assert combine("persoonsgegevens", 0.9, 0.0, False) == pytest.approx(0.72), "the head alone is capped"
    assert combine("persoonsgegevens", 0.1, 0.95, False) == pytest.approx(0.95)
    assert combine("beeldmateriaal", 0.8, 0.0, False) == pytest.approx(0.48), "no media, no pattern: damped"
    assert combine("beeldmateriaal", 0.8, 0.0, True) == pytest.approx(0.8)


def test_binary_hub_models_get_a_neutral_band() -> None:
    assert three_way({"Positive": 0.9, "Negative": 0.1}, 0.2) == {"negatief": 0.1, "neutraal": 0.0, "positief": 0.9}
    assert three_way({"LABEL_1": 0.55, "LABEL_0": 0.45}, 0.2)["neutraal"] == pytest.approx(1.0)
    assert three_way({"negative": 0.2, "neutral": 0.5, "positive": 0.3}, 0.2)["neutraal"] == 0.5


def test_hub_model_is_refused_offline_with_the_config_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    settings = ModelConfig(name="DTAI-KULeuven/robbert-v2-dutch-sentiment")
    with pytest.raises(MonitorError, match=r"allow_download = true"):
        HubClassifier(settings, tmp_path / "cache").classify([PostInput("Wat een fijne school")])


class KeywordClassifier:
    """A deterministic test double for the pipeline step (the real model is tested in test_model_builtin.py)."""

    def __init__(self, model_id: str = "test-model") -> None:
        self.model_id = model_id
        self.seen: list[str] = []

    def classify(self, posts: Sequence[PostInput], progress: Progress | None = None) -> list[Label]:
        self.seen.extend(p.text for p in posts)
        labels = []
        for post in posts:
            negative = "slecht" in post.text.lower()
            high, low = (0.8, 0.1) if negative else (0.1, 0.8)
            probabilities = {"negatief": high, "neutraal": 0.1, "positief": low}
            categories = {"ervaring": CategoryScore(0.9, True, ("test",))} if negative else {}
            labels.append(Label("negatief" if negative else "positief", probabilities, categories, "nl"))
        if progress:
            progress(len(posts))
        return labels


def _store_with_posts(tmp_path: Path, texts: list[str]) -> tuple[Store, object]:
    path = tmp_path / "monitor.toml"
    path.write_text(example_config_text(), encoding="utf-8")
    config = load_config(path)
    store = Store(config.data_dir)
    base = datetime(2026, 11, 16, 9, tzinfo=UTC)
    rows = [
        {"post_key": f"rss:{i}", "platform": "rss", "native_id": str(i), "url": None,
         "created_at": base + timedelta(hours=i), "fetched_at": base, "author": None, "text": text,
         "language": None, "has_media": False, "reply_to": None, "quote_of": None, "source": "t", "query": "q",
         "school_id": "zilvermeer-almere", "match_rule": "naam"}
        for i, text in enumerate(texts)
    ]
    with store.transaction() as tx:
        tx.add_posts(rows)
    return store, config


def test_classify_scores_pending_posts_once_and_identical_texts_once(tmp_path: Path) -> None:
    texts = ["Slecht geregeld", "Mooie school", "mooie   SCHOOL", "Slecht geregeld"]
    store, config = _store_with_posts(tmp_path, texts)
    model = KeywordClassifier()
    result = classify(config, store, classifier=model)  # type: ignore[arg-type]
    assert (result.pending, result.labelled, result.scored_texts) == (4, 4, 2)
    assert len(model.seen) == 2, "reposts are scored once"
    labels = read_labels(store, "test-model")
    assert dict(zip(labels["post_key"], labels["sentiment"], strict=True)) == {
        "rss:0": "negatief", "rss:1": "positief", "rss:2": "positief", "rss:3": "negatief"}
    assert json.loads(labels.set_index("post_key").loc["rss:0", "categories"])["ervaring"]["flagged"] is True
    again = classify(config, store, classifier=model)  # type: ignore[arg-type]
    assert again.pending == 0 and len(model.seen) == 2


def test_rescore_and_a_new_model_keep_labels_apart(tmp_path: Path) -> None:
    store, config = _store_with_posts(tmp_path, ["Slecht geregeld", "Mooie school"])
    classify(config, store, classifier=KeywordClassifier("v1"))  # type: ignore[arg-type]
    assert classify(config, store, classifier=KeywordClassifier("v2")).labelled == 2  # type: ignore[arg-type]
    rescored = classify(config, store, rescore=True, classifier=KeywordClassifier("v2"))  # type: ignore[arg-type]
    assert rescored.labelled == 2
    labels = read_labels(store)
    assert sorted(labels["model_id"].value_counts().to_dict().items()) == [("v1", 2), ("v2", 2)]
    assert len(store.read("labels")) == 6, "labels are appended; the newest per (post, model) wins"


def test_read_evaluation_keeps_rows_without_sentiment_for_the_categories(tmp_path: Path) -> None:
    from models.evaluate import read_evaluation

    path = tmp_path / "eigen.csv"
    path.write_text(
        "text,label,cats\n"
        "Ik maak je af,negatief,bedreiging\n"
        "Gewoon een bericht,,\n"
        '"Bel Sanne op 06-12345678",,"persoonsgegevens; pesten"\n'
        ",positief,\n",
        encoding="utf-8",
    )
    data = read_evaluation(path, categories_column="cats")
    assert data.texts == ["Ik maak je af", "Gewoon een bericht", "Bel Sanne op 06-12345678"]
    assert data.labels == ["negatief", None, None]
    assert data.categories == [frozenset({"bedreiging"}), frozenset(), frozenset({"persoonsgegevens", "pesten"})]
    assert data.skipped == [(5, "lege tekst")]


def test_read_evaluation_names_an_unknown_category(tmp_path: Path) -> None:
    from models.evaluate import read_evaluation

    path = tmp_path / "eigen.csv"
    path.write_text("text,categories\nhallo,dreiging\n", encoding="utf-8")
    with pytest.raises(MonitorError, match=r"regel 2: onbekende categorie dreiging; bekend zijn: .*bedreiging"):
        read_evaluation(path, categories_column="categories")


def test_category_metrics_per_category_and_for_the_safety_lane() -> None:
    from models.evaluate import category_metrics

    gold = [frozenset({"bedreiging"}), frozenset({"pesten"}), frozenset(), frozenset(), frozenset({"compliment"})]
    flagged = [frozenset({"bedreiging"}), frozenset(), frozenset({"kleineren"}), frozenset(), frozenset()]
    possible = [frozenset(), frozenset({"pesten"}), frozenset(), frozenset(), frozenset()]
    result = category_metrics(gold, flagged, possible, ("bedreiging", "pesten", "kleineren"))
    assert result["per_category"]["bedreiging"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1,
                                                    "flagged": 1}
    lane = result["safety_lane"]
    assert lane["recall"] == 0.5 and lane["recall_with_possible"] == 1.0 and lane["precision"] == 0.5
    assert lane["false_alarm_rate"] == round(1 / 3, 4)


def test_category_report_keeps_categories_the_file_does_not_label_apart() -> None:
    from models.evaluate import category_metrics, format_category_report

    gold = [frozenset({"bedreiging"}), frozenset()]
    flagged = [frozenset({"bedreiging"}), frozenset({"compliment"})]
    text = format_category_report(category_metrics(gold, flagged, [frozenset(), frozenset()], ("bedreiging",)))
    assert "bedreiging" in text.split("Veiligheid")[0]
    assert "bij geen enkel bericht gelabeld: compliment 1." in text
    assert not any(line.startswith("compliment ") for line in text.splitlines())
