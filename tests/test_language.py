"""Language detection (models/language.py) with lingua, on the languages school-monitor meets."""

from __future__ import annotations

import subprocess
import sys

import pytest

from models.language import LANGUAGES, UNDETERMINED, detect_language


@pytest.mark.parametrize(
    "text",
    [
        "Mijn zoon wordt al weken gepest en de school doet er niets aan.",
        "Top geregeld weer, 3e lesuitval deze week 👏",
        "Wat een geweldige musical, trots op alle leerlingen van het Vechtdal College!",
    ],
)
def test_dutch(text: str) -> None:
    code, confidence = detect_language(text)
    assert code == "nl"
    assert confidence > 0.5


@pytest.mark.parametrize(
    "text",
    [
        "Ge moet da eens zien, de leerkracht is echt nie oké en de school doet er niks aan.",
        "Awel, ik vind da ambetant dat ze da nie gezegd hebben op de oudercontact",
    ],
)
def test_flemish_is_dutch(text: str) -> None:
    code, confidence = detect_language(text)
    assert code == "nl"
    assert confidence > 0.5


def test_english() -> None:
    code, confidence = detect_language("My daughter loves her new school, the teachers are amazing.")
    assert code == "en"
    assert confidence > 0.5


def test_mixed_dutch_english() -> None:
    code, confidence = detect_language("Mijn dochter loves her new school, de juffen zijn echt super nice")
    assert code in {"nl", "en"}
    assert 0.0 < confidence < 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Meine Tochter geht sehr gern zur Schule", "de"),
        ("Okulumuz çok güzel, öğretmenler harika", "tr"),
        ("Très bonne école, merci aux enseignants", "fr"),
    ],
)
def test_other_languages(text: str, expected: str) -> None:
    assert detect_language(text)[0] == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "😂😂👍❤️", "👏👏👏", "ok", "Top!", "https://example.org/school/123", "@vechtdal 06-12345678"]
)
def test_undetermined(text: str) -> None:
    assert detect_language(text) == (UNDETERMINED, 0.0)


def test_codes_are_iso_639_1() -> None:
    assert all(len(code) == 2 and code.islower() for code in LANGUAGES)
    code, _ = detect_language("Bardzo dobra szkoła, polecam wszystkim rodzicom")
    assert code in LANGUAGES


def test_lingua_is_imported_lazily() -> None:
    probe = "import sys, models.language; print('lingua' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_batch_detection_agrees_with_single_detection() -> None:
    from models.language import detect_language, detect_languages

    texts = ["Wat een fijne school is dit toch", "This school is great, honestly", "🙂🙂", "", "Ge zijt echt ambetant"]
    assert detect_languages(texts) == [detect_language(t) for t in texts]
