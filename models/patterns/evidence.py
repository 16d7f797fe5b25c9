"""The evidence a rule gives, and the categories it can give it for."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CATEGORIES: tuple[str, ...] = (
    "persoonsgegevens",
    "pesten",
    "kleineren",
    "bedreiging",
    "seksuele_intimidatie",
    "beeldmateriaal",
    "onjuistheid",
    "compliment",
    "ervaring",
)

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One rule that fired. ``span`` indexes the original text (None for evidence without a place, such as an
    attached photo); ``snippet`` is the matched text, masked for personal data; ``weight`` is 0..1, how strong."""

    rule: str
    span: tuple[int, int] | None
    snippet: str
    weight: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.weight <= 1.0:
            raise ValueError(f"weight must lie in 0..1, got {self.weight}")
