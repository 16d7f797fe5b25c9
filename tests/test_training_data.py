"""Reading real training data (models/training_data.py): what each row is labelled for, held-out texts dropped."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from models.training_data import cap_per_source, dedupe, read_external, read_heldout_keys, text_key


def write(folder: Path, name: str, rows: list[dict[str, object]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")


def test_rows_are_labelled_only_for_what_their_source_covers(tmp_path: Path) -> None:
    write(tmp_path, "mixed", [
        {"text": "great day", "sentiment": "positief", "categories": None, "source": "s", "split": "train"},
        {"text": "you idiot", "sentiment": None, "categories": ["kleineren"], "cat_scope": ["kleineren"],
         "source": "off", "split": "train"},
        {"text": "have a nice one", "sentiment": None, "categories": [], "source": "off", "split": "train"},
        {"text": "just a question", "sentiment": None, "categories": None, "cat_scope": ["pesten"],
         "source": "bully", "split": "train"},
        {"text": "no labels at all", "sentiment": None, "categories": None, "source": "x", "split": "train"},
        {"text": "odd", "sentiment": "boos", "categories": None, "source": "x", "split": "train"},
        {"text": "dev row", "sentiment": "neutraal", "categories": None, "source": "s", "split": "dev"},
    ])
    rows = {r.text: r for r in read_external(tmp_path, ("train",), set())}
    assert set(rows) == {"great day", "you idiot", "have a nice one", "just a question"}
    assert rows["great day"].categories == {} and rows["great day"].sentiment == "positief"
    assert rows["you idiot"].categories == {"kleineren": True}
    assert rows["have a nice one"].categories == dict.fromkeys(
        ("pesten", "kleineren", "bedreiging", "seksuele_intimidatie"), False)
    assert rows["just a question"].categories == {"pesten": False}


def test_heldout_texts_never_reach_training(tmp_path: Path) -> None:
    heldout = tmp_path / "heldout.csv"
    heldout.write_text('text,sentiment\n"Wat een  MOOIE dag",positief\n', encoding="utf-8")
    write(tmp_path / "data", "a", [
        {"text": "wat een mooie dag", "sentiment": "positief", "source": "s", "split": "train"},
        {"text": "iets anders", "sentiment": "neutraal", "source": "s", "split": "train"},
    ])
    keys = read_heldout_keys([heldout])
    assert text_key("wat een mooie dag") in keys
    assert [r.text for r in read_external(tmp_path / "data", ("train",), keys)] == ["iets anders"]


def test_dedupe_and_cap_are_deterministic(tmp_path: Path) -> None:
    write(tmp_path, "big", [{"text": f"tekst {i}", "sentiment": "neutraal", "source": "big", "split": "train"}
                            for i in range(50)] + [{"text": "Tekst 1", "sentiment": "neutraal", "source": "big",
                                                    "split": "train"}])
    rows = dedupe(read_external(tmp_path, ("train",), set()))
    assert len(rows) == 50
    first = [r.text for r in cap_per_source(rows, 10, seed=13)]
    assert len(first) == 10 and first == [r.text for r in cap_per_source(rows, 10, seed=13)]


def test_hard_cases_train_only_from_their_rules_and_train_splits(tmp_path: Path) -> None:
    """The hard cases used for rules and written for training are training rows (three times, safety categories
    only); the ones that tune thresholds (dev) or report (test, fresh) never are."""
    import csv

    from models.corpus import CORPUS_DIR
    from models.train import HARDCASE_SOURCE, TrainingPlan, training_rows

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, corpus, ignore=shutil.ignore_patterns("raw", "real_nl"))
    (tmp_path / "data").mkdir()
    train, dev = training_rows(TrainingPlan(tmp_path / "data"), corpus)
    written = [r for r in train if r.source == HARDCASE_SOURCE]
    with (corpus / "hardcases.csv").open(encoding="utf-8", newline="") as handle:
        by_split: dict[str, set[str]] = {}
        for row in csv.DictReader(handle):
            by_split.setdefault(row["split"], set()).add(row["text"])
    assert {r.text for r in written} == by_split["rules"] | by_split["train"]
    assert len(written) == 3 * (len(by_split["rules"]) + len(by_split["train"]))
    assert not {r.text for r in train} & (by_split["dev"] | by_split["test"] | by_split["fresh"])
    assert all(set(r.categories) == {"bedreiging", "pesten", "kleineren", "seksuele_intimidatie",
                                     "persoonsgegevens"} for r in written)
    assert not [r for r in dev if r.source == HARDCASE_SOURCE]
