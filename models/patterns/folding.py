"""Folding: the text the lexicons are matched on, with a map back to positions in the original text."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

_APOSTROPHES = frozenset("’‘`´ʼ′")
_QUOTES = frozenset("“”„«»″")
_DROP_CATEGORIES = frozenset({"Mn", "Me", "Cf"})


@functools.lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    if ch in _APOSTROPHES:
        return "'"
    if ch in _QUOTES:
        return '"'
    if ch == "\n":
        return "\n"
    if ch.isspace():
        return " "
    if 0x1F3FB <= ord(ch) <= 0x1F3FF:  # emoji skin tones
        return ""
    if unicodedata.category(ch) in _DROP_CATEGORIES:  # accents, variation selectors, zero-width joiners, soft hyphens
        return ""
    lowered = unicodedata.normalize("NFKD", ch).lower()
    return "".join(c for c in lowered if unicodedata.category(c) not in _DROP_CATEGORIES)


@dataclass(frozen=True, slots=True)
class _Folded:
    text: str
    origin: tuple[int, ...]  # origin[i]: index in the original text where folded character i starts
    origin_end: tuple[int, ...]  # ... and where it ends (covers dropped marks and shortened elongations)

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin_end[end - 1]


def _fold_with_origin(text: str) -> _Folded:
    chars: list[str] = []
    origin: list[int] = []
    origin_end: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        if not folded and origin_end:
            origin_end[-1] = i + 1  # a dropped mark (accent, variation selector, skin tone) belongs to the previous
        for c in folded:
            chars.append(c)
            origin.append(i)
            origin_end.append(i + 1)
    # Elongations: a run of three or more identical characters (not digits, not spaces) keeps one, or two for the
    # vowels that are doubled in Dutch spelling ("gepesttt" -> "gepest", "mooooi" -> "mooi", "boooos" -> "boos").
    out_chars: list[str] = []
    out_origin: list[int] = []
    out_end: list[int] = []
    i, n = 0, len(chars)
    while i < n:
        j = i
        while j + 1 < n and chars[j + 1] == chars[i]:
            j += 1
        if j - i >= 2 and not chars[i].isdigit() and chars[i] != " ":
            keep = 2 if chars[i] in "aeou" else 1
            out_chars.extend(chars[i] * keep)
            out_origin.extend(origin[i : i + keep])
            out_end.extend([*origin_end[i + 1 : i + keep], origin_end[j]])
        else:
            out_chars.extend(chars[i : j + 1])
            out_origin.extend(origin[i : j + 1])
            out_end.extend(origin_end[i : j + 1])
        i = j + 1
    return _Folded("".join(out_chars), tuple(out_origin), tuple(out_end))


def fold(text: str) -> str:
    """The folded form the lexicons are matched on: lower case, no diacritics, elongations shortened."""
    return _fold_with_origin(text).text
