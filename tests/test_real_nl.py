"""Real Dutch social media labelled by us: the held-out set and the training rows rebuilt from the sources, and the
sentiment prior fitted on the held-out dev rows."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from models.heads import load_heads
from models.prior import PriorFit, fit_offsets, macro_f1, with_offsets
from models.sources.base import Clone, SourceError
from models.sources.real_nl import (
    BY_NAME,
    LABEL_COLUMNS,
    LABELS_FILE,
    TRAIN_LABELS_FILE,
    build,
    candidates,
    sentiment_rows,
    split_of,
    text_sha,
    training_converter,
)
from models.sources.registry import SOURCES


def _clones(tmp_path: Path) -> Path:
    clones = tmp_path / "clones"
    mint = clones / BY_NAME["mint-nl-tweets"].folder
    mint.mkdir(parents=True)
    with (mint / "test.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "language"])
        writer.writerow(["This is English and not used here", "English"])
        writer.writerow(["@user Wat een prachtige dag was het vandaag!", "Dutch"])
        writer.writerow(["Bel me op 06-12345678 als je wilt praten", "Dutch"])
    jensen = clones / BY_NAME["jensen-comments"].folder
    jensen.mkdir(parents=True)
    with (jensen / "jensen_comments.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["gen_id", "username", "body"])
        writer.writerow(["a1", "piet", 'Kijk <a href="https://x.nl">deze</a> video &amp; huil, dit is schandalig'])
    return clones


def _labels(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "labels.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=LABEL_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_build_reads_the_labelled_rows_back_from_the_clones_with_their_origin(tmp_path: Path) -> None:
    clones = _clones(tmp_path)
    comment = "Kijk deze video & huil, dit is schandalig"
    labels = _labels(tmp_path, [
        {"source": "mint-nl-tweets", "row": "1", "sha": text_sha("@user Wat een prachtige dag was het vandaag!"),
         "sentiment": "positief", "categories": "", "split": "dev", "label_by": "hand"},
        {"source": "jensen-comments", "row": "0", "sha": text_sha(comment), "sentiment": "negatief",
         "categories": "kleineren", "split": "test", "label_by": "hand"},
    ])
    out = tmp_path / "out" / "social_nl.csv"
    assert build(clones, out, labels) == {"mint-nl-tweets": 1, "jensen-comments": 1}
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["text"] for r in rows] == ["@user Wat een prachtige dag was het vandaag!", comment]
    assert rows[1]["origin"].endswith("jensen_comments.csv:0") and "@2a63eac" in rows[1]["origin"]
    assert "username" not in rows[1] and "piet" not in out.read_text(encoding="utf-8")
    assert sentiment_rows(out, "dev") == (["@user Wat een prachtige dag was het vandaag!"], [2])


def test_a_changed_text_is_refused_with_the_commit_to_check(tmp_path: Path) -> None:
    labels = _labels(tmp_path, [{"source": "mint-nl-tweets", "row": "1", "sha": "000000000000",
                                 "sentiment": "positief", "categories": "", "split": "dev", "label_by": "hand"}])
    with pytest.raises(SourceError, match="6593e7529df61c4f3c70556bdc20dc7001ea430a"):
        build(_clones(tmp_path), tmp_path / "out.csv", labels)
    assert not (tmp_path / "out.csv").exists()


def test_a_missing_clone_says_what_to_clone(tmp_path: Path) -> None:
    labels = _labels(tmp_path, [{"source": "jensen-comments", "row": "0", "sha": "x", "sentiment": "neutraal",
                                 "categories": "", "split": "dev", "label_by": "hand"}])
    with pytest.raises(SourceError, match=r"https://github\.com/lazicjelena/Intimacy_score"):
        build(tmp_path / "nothing", tmp_path / "out.csv", labels)


def test_candidates_leave_out_contact_data_other_languages_and_short_texts(tmp_path: Path) -> None:
    chosen = candidates(_clones(tmp_path), {"mint-nl-tweets": 5, "jensen-comments": 5})
    assert [(s.name, n) for s, n, _ in chosen] == [("mint-nl-tweets", 1), ("jensen-comments", 0)]
    assert split_of("mint-nl-tweets", 1) in {"dev", "test"}


def test_the_labels_in_git_are_complete_and_split_in_halves() -> None:
    rows = list(csv.DictReader(LABELS_FILE.open(encoding="utf-8")))
    assert rows and all(r["sentiment"] in {"negatief", "neutraal", "positief"} for r in rows)
    assert all(r["split"] == split_of(r["source"], int(r["row"])) for r in rows)
    dev = sum(r["split"] == "dev" for r in rows) / len(rows)
    assert 0.4 < dev < 0.6
    assert "text" not in rows[0]  # other people's posts are not in git, only which rows and our labels
    training = list(csv.DictReader(TRAIN_LABELS_FILE.open(encoding="utf-8")))
    assert {(r["source"], r["row"]) for r in rows}.isdisjoint({(r["source"], r["row"]) for r in training})
    assert {r["split"] for r in training} == {"train"}


def test_training_rows_are_converted_like_any_source_and_never_the_held_out_ones(tmp_path: Path) -> None:
    clones = _clones(tmp_path)
    comment = "Kijk deze video & huil, dit is schandalig"
    labels = _labels(tmp_path, [{"source": "jensen-comments", "row": "0", "sha": text_sha(comment),
                                 "sentiment": "negatief", "categories": "kleineren;persoonsgegevens",
                                 "split": "train", "label_by": "hand"}])
    converted = list(training_converter("jensen-comments", labels)(Clone(clones / BY_NAME["jensen-comments"].folder)))
    assert converted == [{"text": comment, "lang": "nl", "sentiment": "negatief", "categories": ["kleineren"],
                          "source": "jensen-comments-hand", "split": "train",
                          "cat_scope": ["kleineren", "bedreiging", "pesten", "seksuele_intimidatie"]}]
    hand = [s for s in SOURCES if s.name.endswith("_hand")]
    assert [s.name for s in hand] == ["mint_nl_tweets_hand", "jensen_comments_hand"]


def test_the_fitted_prior_undoes_a_class_bias() -> None:
    rng = np.random.default_rng(1)
    gold = rng.integers(0, 3, 600)
    logits = np.eye(3)[gold] * 2.0 + rng.normal(0, 1.0, (600, 3))
    biased = logits + np.array([1.5, 0.0, -1.0])  # calls too much negatief, too little positief
    fit = fit_offsets(biased, gold)
    assert fit.macro_f1_after > fit.macro_f1_before + 0.1
    assert fit.offsets[0] < -0.8 and fit.offsets[2] > 0.5 and fit.offsets[1] == 0.0
    shifted = (biased + np.array(fit.offsets)).argmax(axis=1)
    assert macro_f1(gold, shifted) == pytest.approx(fit.macro_f1_after, abs=1e-4)


def test_offsets_fold_into_the_head_once_whatever_was_fitted_before() -> None:
    heads = load_heads()
    base = heads.sentiment.intercept - np.asarray(heads.meta.get("sentiment_prior", {}).get("offsets", [0, 0, 0]))
    once = with_offsets(heads, PriorFit((-0.5, 0.0, 0.3), 0.5, 0.6, 100), "x")
    twice = with_offsets(once, PriorFit((-0.5, 0.0, 0.3), 0.5, 0.6, 100), "x")
    np.testing.assert_allclose(twice.sentiment.intercept, base + np.array([-0.5, 0.0, 0.3]), atol=1e-6)
    assert twice.meta["sentiment_prior"]["offsets"] == [-0.5, 0.0, 0.3]


def test_the_prior_never_buys_macro_f1_with_missed_negatives() -> None:
    rng = np.random.default_rng(2)
    gold = rng.integers(0, 3, 600)
    logits = np.eye(3)[gold] * 1.2 + rng.normal(0, 1.0, (600, 3))
    free = fit_offsets(logits, gold, min_negative_recall=0.0)
    floor = fit_offsets(logits, gold, min_negative_recall=0.9)
    assert floor.negative_recall_after >= 0.9
    assert floor.macro_f1_after <= free.macro_f1_after
