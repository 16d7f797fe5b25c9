"""Shared types of the source converters: the output row, a clone folder to read from, the error of a bad source."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NotRequired, TextIO, TypedDict

# The categories an external source can speak about (models.training_data.EXTERNAL_CATEGORIES, in the order the
# converted files have always used).
ALL4 = ["kleineren", "bedreiging", "pesten", "seksuele_intimidatie"]


class Record(TypedDict):
    """One JSON Lines row as the trainer reads it (see models/training_data.py)."""

    text: str
    lang: str
    sentiment: str | None
    categories: list[str] | None
    source: str
    split: str
    cat_scope: NotRequired[list[str]]


class SourceError(Exception):
    """A source's files are missing or do not parse; the message is shown to the user (Dutch)."""


def rec(
    text: str,
    lang: str,
    sentiment: str | None,
    categories: list[str] | None,
    source: str,
    split: str,
    cat_scope: list[str] | None = None,
) -> Record:
    row = Record(text=text.strip(), lang=lang, sentiment=sentiment, categories=categories, source=source, split=split)
    if cat_scope is not None:
        row["cat_scope"] = list(cat_scope)
    return row


@dataclass(frozen=True)
class Clone:
    """The work tree of one cloned repository; ``excluded`` holds the text keys of the held-out evaluation texts."""

    root: Path
    excluded: frozenset[str] = frozenset()

    def path(self, rel: str) -> Path:
        path = self.root / rel
        if not path.is_file():
            raise SourceError(f"bestand {rel} ontbreekt in {self.root}")
        return path

    def read(self, rel: str, errors: str = "replace") -> str:
        """The file's text exactly as stored in git (no newline translation)."""
        try:
            return self.path(rel).read_bytes().decode("utf-8", errors=errors)
        except UnicodeDecodeError as exc:
            raise SourceError(f"{rel} is geen geldige UTF-8: {exc}") from exc

    def open_text(self, rel: str, errors: str = "strict") -> TextIO:
        """The file opened as text with universal newlines (CRLF read as LF)."""
        return self.path(rel).open(encoding="utf-8", errors=errors)


def lines_of(text: str) -> list[str]:
    """Lines of a one-item-per-line file, without the empty string after a final newline."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines
