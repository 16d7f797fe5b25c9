"""Language of a post, with lingua (offline; its language models ship inside the wheel).

``detect_language(text)`` returns an ISO 639-1 code and a confidence 0..1, or ``("und", 0.0)`` when the text is too
short to tell (fewer than :data:`MIN_LETTERS` letters once links, mentions, hashtags signs, numbers and emoji are
removed). The detector knows only the languages school-monitor meets (:data:`LANGUAGES`), which makes it faster and
more accurate on short posts. Flemish is Dutch ("nl"); lingua has no separate Flemish model.

lingua is a heavy import (and loads a language model per language on first use), so it is imported lazily, once.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import LanguageDetector

__all__ = ["LANGUAGES", "MIN_LETTERS", "UNDETERMINED", "detect_language", "detect_languages"]

UNDETERMINED = "und"
MIN_LETTERS = 5
LANGUAGES: tuple[str, ...] = ("nl", "en", "de", "fr", "tr", "ar", "pl", "es")  # what _detector() is built from

_NOISE = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+\.\w+|(?<!\w)@[\w.]+|\d+",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    from lingua import Language, LanguageDetectorBuilder

    languages = (
        Language.DUTCH,
        Language.ENGLISH,
        Language.GERMAN,
        Language.FRENCH,
        Language.TURKISH,
        Language.ARABIC,
        Language.POLISH,
        Language.SPANISH,
    )
    # Low-accuracy mode stays off: posts are short, and that mode is only good for longer texts.
    return LanguageDetectorBuilder.from_languages(*languages).build()


def _clean(text: str) -> str:
    text = _NOISE.sub(" ", text).replace("#", " ")
    return " ".join(text.split())


def _letters(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch).startswith("L"))


def detect_language(text: str) -> tuple[str, float]:
    """ISO 639-1 code of the most likely language and its confidence; ``("und", 0.0)`` for empty, very short or
    emoji-only text, or when lingua cannot decide."""
    cleaned = _clean(text or "")
    if _letters(cleaned) < MIN_LETTERS:
        return UNDETERMINED, 0.0
    values = _detector().compute_language_confidence_values(cleaned)
    if not values or values[0].value <= 0.0:
        return UNDETERMINED, 0.0
    best = values[0]
    return best.language.iso_code_639_1.name.lower(), round(float(best.value), 4)


def detect_languages(texts: list[str]) -> list[tuple[str, float]]:
    """``detect_language`` for many texts at once; lingua works on them in parallel (in Rust, outside the GIL)."""
    cleaned = [_clean(text or "") for text in texts]
    usable = [i for i, text in enumerate(cleaned) if _letters(text) >= MIN_LETTERS]
    results: list[tuple[str, float]] = [(UNDETERMINED, 0.0)] * len(texts)
    if not usable:
        return results
    batches = _detector().compute_language_confidence_values_in_parallel([cleaned[i] for i in usable])
    for i, values in zip(usable, batches, strict=True):
        if values and values[0].value > 0.0:
            results[i] = (values[0].language.iso_code_639_1.name.lower(), round(float(values[0].value), 4))
    return results
