"""Sentences, negation and context: the folded document the rules work on, and the hits they produce."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from models.patterns.folding import _fold_with_origin
from models.patterns.lexicon import _CATEGORY_LEXICONS, _LEXICONS

# A sentence ends at . ! ? or a newline, but not inside a number (3.5) or after an initial ("Ruben S. uit 2b").
_SENTENCE_END = re.compile(r"(?<!\d)(?:(?<!(?<!\w)[a-z])\.|[!?])[.!?]*(?!\d)|\n+|[.!?]+$")
_NEGATORS = frozenset(
    {"niet", "nooit", "geen", "nie", "niks", "niets", "niemand", "nergens", "zonder", "not", "never", "no", "nimmer"}
)
_CLAUSE_WORDS = frozenset(
    {
        "maar", "want", "omdat", "of", "dat", "waarom", "hoe", "wie", "wat", "als", "toen", "terwijl", "hoewel",
        "en", "but", "because", "and", "that", "dus", "zodat", "waar",
    }
)  # fmt: skip
_PREPOSITIONS = frozenset({"aan", "tegen", "over", "voor", "van", "met", "bij", "om", "door", "about", "against"})
_NEGATION_FALSE_FRIENDS = frozenset({"alleen", "normaal", "eens"})
_TOKEN = re.compile(r"[\w']+|[^\w\s]")


class _Doc:
    """The original text, its folded form and its sentences (in folded positions)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded = _fold_with_origin(text)
        f = self.folded.text
        starts, ends = [0], []
        for m in _SENTENCE_END.finditer(f):
            ends.append(m.end())
            starts.append(m.end())
        ends.append(len(f))
        self.sentences = [(s, e) for s, e in zip(starts, ends, strict=True) if e > s] or [(0, len(f))]
        self._starts = [s for s, _ in self.sentences]

    @property
    def f(self) -> str:
        return self.folded.text

    def sentence_index(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self._starts, pos) - 1)

    def sentence(self, pos: int, following: int = 0, preceding: int = 0) -> tuple[int, int]:
        i = self.sentence_index(pos)
        j = min(len(self.sentences) - 1, i + following)
        return self.sentences[max(0, i - preceding)][0], self.sentences[j][1]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.folded.span(start, end)

    def folded_pos(self, original: int) -> int:
        return bisect.bisect_left(self.folded.origin, original)


def _negated(f: str, start: int, end: int, inside: bool = False) -> bool:
    """A negation word in the three words before the match (same clause), right after it ("ze pesten hem niet"), or,
    for patterns that allow one inside, within the match."""
    if inside and any(tok in _NEGATORS for tok in _TOKEN.findall(f[start:end])):
        return True
    before = _TOKEN.findall(f[max(0, start - 60) : start])
    if before and before[-1] in _PREPOSITIONS:
        return False  # "niks gedaan aan pesten": the negation is about something else
    for words, tok in enumerate(reversed(before)):
        if words == 3 or not re.match(r"[\w']", tok) or tok in _CLAUSE_WORDS:
            break
        if tok in _NEGATORS:
            return True
    after = _TOKEN.findall(f[end : end + 30])
    for k, tok in enumerate(after[:2]):
        if not re.match(r"[\w']", tok) or tok in _CLAUSE_WORDS:
            break
        if tok in {"niet", "nooit", "nie"}:
            nxt = after[k + 1] if k + 1 < len(after) else ""
            return nxt not in _NEGATION_FALSE_FRIENDS
    return False


@dataclass(slots=True)
class _Hit:
    rule: str
    weight: float
    start: int  # folded positions
    end: int
    flags: frozenset[str] = frozenset()
    group: str = ""

    def scale(self, factor: float, tag: str) -> None:
        self.weight *= factor
        self.rule = f"{self.rule}+{tag}"

    def raise_to(self, weight: float, tag: str) -> None:
        if weight > self.weight:
            self.weight = weight
            self.rule = f"{self.rule}+{tag}"


def _lexicon_hits(doc: _Doc, category: str) -> list[_Hit]:
    hits: list[_Hit] = []
    for name in _CATEGORY_LEXICONS[category]:
        for group in _LEXICONS[name].groups:
            for m in group.pattern.finditer(doc.f):
                if m.end() > m.start():
                    hits.append(
                        _Hit(f"{category}.{group.rule}", group.weight, m.start(), m.end(), group.flags, group.rule)
                    )
    return _dedupe(hits)


def _dedupe(hits: Iterable[_Hit], keep_stronger_inside: bool = False) -> list[_Hit]:
    """A match inside a longer (or equal) one is dropped: the longer phrase is more specific. Exclusions (weight 0)
    win ties and are removed afterwards, taking what they contain with them. ``keep_stronger_inside`` (merging the
    threat grammar with the word list): a stronger match inside a weaker one stays ("mes" near a school, and inside
    it "ik steek hem neer")."""
    ordered = sorted(hits, key=lambda h: (h.start, -(h.end - h.start), h.weight != 0, -h.weight))
    kept: list[_Hit] = []
    for hit in ordered:
        if any(
            k.start <= hit.start and hit.end <= k.end and not (keep_stronger_inside and 0 < k.weight < hit.weight)
            for k in kept
        ):
            continue
        kept.append(hit)
    return [h for h in kept if h.weight > 0]


def _apply_negation(doc: _Doc, hits: Iterable[_Hit], inside_rules: Sequence[str] = ()) -> None:
    for hit in hits:
        if _negated(doc.f, hit.start, hit.end, inside=hit.rule in inside_rules):
            hit.scale(0.25, "ontkend")
