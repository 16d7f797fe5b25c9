"""Lexicons: a small pattern language (see PATTERNS.md), compiled once at import, and the word lists built on it."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from models.patterns.evidence import LEXICON_DIR
from models.patterns.folding import _fold_char

_INFLECTION = r"(?:e|en|er|ere|ers|es|s|'s|ste|t|te|ten|de|den)?"
_ANY_WORDS = r"(?:[\w']+\s+){0,3}"
_ONE_WORD = r"[\w']+"


def _term_to_regex(term: str, macros: Mapping[str, str]) -> str:
    out: list[str] = []
    i, n = 0, len(term)
    while i < n:
        ch = term[i]
        if ch == "<":
            close = term.find(">", i)
            if close < 0:
                raise ValueError(f"unclosed '<' in lexicon term {term!r}")
            name = term[i + 1 : close]
            i = close + 1
            follows_space = i < n and term[i] == " "
            if name == "..":
                out.append(_ANY_WORDS)
                i += 1 if follows_space else 0
                continue
            optional = name.endswith("?")
            name = name.rstrip("?")
            if name == "w":
                body = _ONE_WORD
            elif name in macros:
                body = macros[name]
            else:
                raise ValueError(f"unknown macro <{name}> in lexicon term {term!r}")
            if optional and follows_space:
                out.append(rf"(?:(?:{body})\s+)?")
                i += 1
            elif optional:
                out.append(f"(?:{body})?")
            else:
                out.append(f"(?:{body})")
            continue
        if ch == "(":
            out.append("(?:")
        elif ch in ")|?":
            out.append(ch)
        elif ch == " ":
            out.append(r"\s+")
        elif ch in "_-":
            out.append(r"[\s\-]?")
        elif ch == "*":
            out.append(r"\w*")
        elif ch == "~":
            out.append(_INFLECTION)
        elif ch == "'":
            out.append("'?")
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def _bounded(term: str, body: str) -> str:
    if re.search(r"\w", term):
        return rf"(?<!\w)(?:{body})(?!\w)"
    return f"(?:{body})+"  # emoji and other symbols: a run counts once


def _alternation(terms: Sequence[str], macros: Mapping[str, str]) -> re.Pattern[str]:
    """Terms (longest first) as one regex. Word terms share one pair of word boundaries, so the engine checks the
    boundary once per position instead of once per term (same matches, several times faster)."""
    words = [_term_to_regex(t, macros) for t in terms if re.search(r"\w", t)]
    symbols = [_bounded(t, _term_to_regex(t, macros)) for t in terms if not re.search(r"\w", t)]
    parts = ([rf"(?<!\w)(?:{'|'.join(words)})(?!\w)"] if words else []) + symbols
    return re.compile("|".join(parts))


@dataclass(frozen=True, slots=True)
class _Group:
    rule: str
    weight: float
    flags: frozenset[str]
    terms: tuple[str, ...]
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class _Lexicon:
    name: str
    groups: tuple[_Group, ...]
    macros: Mapping[str, str] = field(default_factory=dict)

    def alternation(self) -> str:
        """All terms of all groups with weight > 0, longest first, without word boundaries."""
        terms = sorted({t for g in self.groups if g.weight > 0 for t in g.terms}, key=len, reverse=True)
        return "|".join(_term_to_regex(t, self.macros) for t in terms)

    def regex(self) -> re.Pattern[str]:
        terms = sorted({t for g in self.groups if g.weight > 0 for t in g.terms}, key=len, reverse=True)
        return re.compile("|".join(_bounded(t, _term_to_regex(t, self.macros)) for t in terms))


def _lexicon_lines(name: str) -> list[str]:
    return (LEXICON_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines()


def _fold_term(term: str) -> str:
    return "".join(_fold_char(c) for c in term).strip()


@functools.cache
def _load_lexicon(name: str) -> _Lexicon:
    macros: dict[str, str] = {}
    groups: list[_Group] = []
    rule, weight, flags = "term", 0.5, frozenset[str]()
    terms: list[str] = []

    def close_group() -> None:
        if terms:
            ordered = tuple(sorted(dict.fromkeys(terms), key=len, reverse=True))
            pattern = _alternation(ordered, macros)
            groups.append(_Group(rule, weight, flags, ordered, pattern))
        terms.clear()

    for raw in _lexicon_lines(name):
        line = raw.strip()
        if line.startswith("#!"):
            directive = line[2:].strip()
            if directive.startswith("define "):
                key, _, value = directive[len("define ") :].partition("=")
                macros[key.strip()] = _term_to_regex(_fold_term(value), macros)
                continue
            close_group()
            settings = dict(part.split("=", 1) for part in directive.split())
            rule = settings.get("rule", "term")
            weight = float(settings.get("weight", "0.5"))
            flags = frozenset(f for f in settings.get("flags", "").split(",") if f)
            continue
        if not line or line.startswith("#"):
            continue
        line = line.split(" # ", 1)[0].strip()
        terms.append(_fold_term(line))
    close_group()
    return _Lexicon(name, tuple(groups), dict(macros))


@functools.cache
def _word_set(name: str) -> frozenset[str]:
    words = set()
    for raw in _lexicon_lines(name):
        line = raw.strip()
        if line and not line.startswith("#"):
            words.add(_fold_term(line))
    return frozenset(words)


# Lexicons per category: name of the file -> the category its groups give evidence for.
_CATEGORY_LEXICONS: dict[str, tuple[str, ...]] = {
    "pesten": ("pesten",),
    "kleineren": ("kleineren",),
    "bedreiging": ("bedreiging",),
    "seksuele_intimidatie": ("seksuele_intimidatie",),
    "beeldmateriaal": ("beeldmateriaal",),
    "onjuistheid": ("onjuistheid", "onjuistheid_geruchten"),
    "compliment": ("compliment",),
    "ervaring": ("ervaring",),
}
_LEXICONS: dict[str, _Lexicon] = {name: _load_lexicon(name) for names in _CATEGORY_LEXICONS.values() for name in names}
_GEVOELIG = _load_lexicon("gevoelig")
_VOORNAMEN = _word_set("voornamen")
_NAMES_ALSO_WORDS = _word_set("voornamen_ook_woord")
_GEEN_NAAM = _word_set("geen_naam")
_EMAIL_ROLES = _word_set("email_rol")
_SCHOOL_NUMBER_CUE = _load_lexicon("schoolnummer_context").regex()
_GAME_CONTEXT = _load_lexicon("spellen").regex()
_INNOCENT_CONTEXT = re.compile(f"{_GAME_CONTEXT.pattern}|{_load_lexicon('onschuldige_context').regex().pattern}")
_SHARING = _load_lexicon("beeldmateriaal_delen").regex()
_HYPERBOLE = _load_lexicon("overdrijving").regex()
_SCHOOL_WORDS = _load_lexicon("school_woorden").regex()

_PRONOUNS = ("hij", "zij", "jij", "je", "u", "ge", "gij")
_TARGET_NOUNS = "|".join(
    _term_to_regex(t, {})
    for t in sorted(
        (t for g in _load_lexicon("doelwit").groups for t in g.terms if t not in _PRONOUNS), key=len, reverse=True
    )
)
_ADJECTIVES = _load_lexicon("kleineren_bijvoeglijk").alternation()
_PRONOUN_ALT = "|".join(_PRONOUNS)
_INTENSIFIERS = (
    r"(?:(?:echt|zo|gewoon|super|mega|heel|erg|nogal|best|toch|wel|ook|zo'n|een|zwaar|kei|te|fucking|extreem|zeer|"
    r"ontzettend|ongelooflijk|enorm|helemaal|compleet|totaal|echt wel|niet|nie|nooit|zn|zon)\s+){0,3}"
)
_COPULA = r"(?:is|bent|ben|zijn|was|waren|blijft|blijven|lijkt|lijken|wordt|zijt|zit|zitten)"
_TARGETED_INSULT = re.compile(
    "|".join(
        (
            # "die juf is zo dom", "meester Bart is echt waardeloos", "je bent lelijk"
            rf"(?<!\w)(?:(?:{_TARGET_NOUNS})(?:\s+[\w'-]+){{0,2}}|{_PRONOUN_ALT})\s+{_COPULA}\s+{_INTENSIFIERS}"
            rf"(?:{_ADJECTIVES})(?!\w)",
            # "wat is die juf dom", "wat ben jij lelijk"
            rf"(?<!\w)(?:wat|hoe)\s+{_COPULA}\s+(?:(?:die|de|dat|deze|onze|jullie)\s+)?"
            rf"(?:{_TARGET_NOUNS}|{_PRONOUN_ALT})(?:\s+[a-z][\w'-]*)?\s+{_INTENSIFIERS}(?:{_ADJECTIVES})(?!\w)",
            # "wat een domme leraar", "die stomme juf"
            rf"(?<!\w)(?:{_ADJECTIVES})\s+(?:{_TARGET_NOUNS})(?!\w)",
        )
    )
)
