"""Precision-oriented evidence rules per protocol category, for Dutch (and Flemish) posts about schools.

The rules do not classify: they give *evidence* (which rule fired, where, how strongly) that a learned model combines
later. ``find_evidence`` returns a list of :class:`Evidence` for every category of the school boards' social media
protocol; ``mask`` replaces phone numbers, e-mail addresses, BSNs, IBANs, addresses and postcodes with placeholders, so
evidence can be shown without leaking personal data.

Word lists live in ``models/lexicons/*.txt`` (a small pattern syntax, described in ``models/PATTERNS.md``) and are
compiled once, at import. Text is matched after folding: lower case, no diacritics, typographic apostrophes made plain,
emoji variation selectors and skin tones dropped, elongations ("gepesttt", "superrr") shortened.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "CATEGORIES",
    "Evidence",
    "bsn_valid",
    "find_evidence",
    "fold",
    "iban_valid",
    "mask",
]

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

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"


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


# --------------------------------------------------------------------------------------------------------------
# Folding: the text the lexicons are matched on, with a map back to positions in the original text.

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


# --------------------------------------------------------------------------------------------------------------
# Lexicons: a small pattern language (see PATTERNS.md), compiled once.

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
_INNOCENT_CONTEXT = _load_lexicon("onschuldige_context").regex()
_SHARING = _load_lexicon("beeldmateriaal_delen").regex()
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

# --------------------------------------------------------------------------------------------------------------
# Sentences, negation and context.

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

    def sentence(self, pos: int, following: int = 0) -> tuple[int, int]:
        i = self.sentence_index(pos)
        j = min(len(self.sentences) - 1, i + following)
        return self.sentences[i][0], self.sentences[j][1]

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


def _dedupe(hits: Iterable[_Hit]) -> list[_Hit]:
    """A match inside a longer (or equal) one is dropped: the longer phrase is more specific. Exclusions (weight 0)
    win ties and are removed afterwards, taking what they contain with them."""
    ordered = sorted(hits, key=lambda h: (h.start, -(h.end - h.start), h.weight != 0, -h.weight))
    kept: list[_Hit] = []
    for hit in ordered:
        if any(k.start <= hit.start and hit.end <= k.end for k in kept):
            continue
        kept.append(hit)
    return [h for h in kept if h.weight > 0]


def _apply_negation(doc: _Doc, hits: Iterable[_Hit], inside_rules: Sequence[str] = ()) -> None:
    for hit in hits:
        if _negated(doc.f, hit.start, hit.end, inside=hit.rule in inside_rules):
            hit.scale(0.25, "ontkend")


# --------------------------------------------------------------------------------------------------------------
# Persoonsgegevens: phone numbers, e-mail, BSN, IBAN, addresses, postcodes, a named pupil's sensitive data.

_SEP = r"(?:[ \u00a0]?[.\-/][ \u00a0]?|[ \u00a0])?"
_PHONE_RE = re.compile(
    rf"""
    (?P<prefix>
        (?<![\w+@/=])(?:\+|00)[ \u00a0]?31[ \u00a0.\-]?(?:\(0\)[ \u00a0.\-]?)?   # +31 6..., 0031 6..., +31 (0)6...
      | (?:(?<=wa\.me/)|(?<=phone=)|(?<=phone=\+)|(?<=phone=%2B))31               # WhatsApp links: wa.me/316...
      | (?<![\w+@/=])\(?0                                                       # 06..., (079) ...
    )
    (?P<body>[1-9](?:\)?{_SEP}\d){{8}})
    (?!\d|[.,\-]\d)
    """,
    re.VERBOSE,
)
# Numbering plan: mobile 06, geographic area codes (2 digits, or 3 digits under these heads), non-geographic 08x/09x.
_DUTCH_PREFIXES = (
    "06",
    "010", "013", "015", "020", "023", "024", "026", "030", "033", "035", "036", "038", "040", "043", "045", "046",
    "050", "053", "055", "058", "070", "071", "072", "073", "074", "075", "076", "077", "078", "079",
    "011", "016", "017", "018", "022", "025", "029", "031", "032", "034", "041", "044", "047", "048", "049", "051",
    "052", "054", "056", "057", "059",
    "080", "084", "085", "087", "088", "090", "091", "097",
)  # fmt: skip
_DATE_LIKE = re.compile(r"\(?\d{2}[-/.]\d{2}[-/.](?:\d{4}|\d{2}(?![-/.]?\d))")
_BUSINESS_PREFIXES = ("0800", "0900", "0906", "0909", "088", "0970")
_PERSONAL_NUMBER_CUE = re.compile(
    r"(?<!\w)(?:mijn|m'n|zijn|z'n|haar|d'r|hun|prive|thuis)\s*(?:06|nummer|telefoonnummer|mobiel|tel)"
    r"|(?<!\w)(?:nummer|telefoonnummer|06)\s+van\s+(?!(?:de|het|onze|jullie|deze|die|school)\b)[a-z]"
    r"|(?<!\w)(?:app|bel|sms|whatsapp|bellen|appen)\s+(?:mij|me|hem|haar|ons)(?!\w)"
    r"|(?<!\w)(?:woont|thuisnummer|privenummer)(?!\w)",
    re.IGNORECASE,
)

_EMAIL_RE = re.compile(r"(?<![\w.+\-@%])[\w.+\-%]+@(?:[\w\-]+\.)+[a-zA-Z]{2,24}(?![\w@])")
_FREEMAIL = frozenset(
    {
        "gmail.com", "hotmail.com", "hotmail.nl", "outlook.com", "outlook.nl", "live.nl", "live.com", "icloud.com",
        "me.com", "yahoo.com", "ziggo.nl", "kpnmail.nl", "kpnplanet.nl", "planet.nl", "home.nl", "xs4all.nl",
        "msn.com", "telenet.be", "skynet.be", "proton.me", "protonmail.com", "gmx.net", "online.nl", "upcmail.nl",
    }
)  # fmt: skip

_BSN_RE = re.compile(
    r"(?<![\w.,\-+/@])(?:\d{9}|\d{4}[. \u00a0]\d{2}[. \u00a0]\d{3}|\d{3}[. \u00a0]\d{3}[. \u00a0]\d{3})(?!\w|[.,\-/]\d)"
)
_BSN_CUE = re.compile(
    r"(?<!\w)(?:bsn|bsn-nummer|burger\s*service\s*nummer|burgerservicenummer|sofi\s*-?\s*nummer|sofinummer|"
    r"citizen\s+service\s+number|persoonsnummer|pgn)(?!\w)",
    re.IGNORECASE,
)

_IBAN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ \u00a0]?[A-Za-z0-9]){10,32}")
_IBAN_LENGTHS = {
    "NL": 18, "BE": 16, "DE": 22, "FR": 27, "GB": 22, "ES": 24, "IT": 27, "LU": 20, "AT": 20, "CH": 21,
    "PL": 28, "TR": 26, "PT": 25, "IE": 22, "DK": 18, "SE": 24, "NO": 15, "FI": 18,
}  # fmt: skip
_NL_IBAN_SHAPE = re.compile(r"NL\d{2}[A-Z]{4}\d{10}")

_STREET_ANY_CASE = "straat|laan|gracht|steeg|singel|dreef|kade|plantsoen|boulevard|allee"
_STREET_CAPITAL_ONLY = (
    "weg|dijk|plein|hof|pad|park|markt|haven|wal|dam|veld|baan|ring|erf|kamp|hout|akker|weide|oord|brink"
)
_NOT_A_STREET = frozenset(
    {
        "schoolplein", "speelplein", "fietspad", "voetpad", "voetbalveld", "sportveld", "grasveld", "kunstgrasveld",
        "onderweg", "halverwege", "snelweg", "zijweg", "loopbaan", "ijsbaan", "atletiekbaan", "racebaan", "sportpark",
        "speelpark", "pretpark", "attractiepark", "schoolhof", "speelhof", "kerkhof", "ervaring", "vergadering",
        "verandering", "regering", "aflevering", "bezorging", "levering", "oefening", "wandeling",
    }
)  # fmt: skip
_LETTERS = "a-zà-öø-ÿ"
_CAPS = "A-ZÀ-ÖØ-Þ"
_ADDRESS_RE = re.compile(
    rf"""
    (?<![\w])
    (?P<street>[{_CAPS}][{_LETTERS}'\-]*(?:{_STREET_ANY_CASE}|{_STREET_CAPITAL_ONLY})
              |[{_LETTERS}][{_LETTERS}'\-]*(?:{_STREET_ANY_CASE}))
    [ \u00a0]+
    (?P<number>[1-9]\d{{0,3}}(?:[ \u00a0]?[a-zA-Z](?![\w])|-\d{{1,4}}|[ \u00a0]?(?:hs|bis|huis|bg|zw|rd)\b)?)
    (?![\w])
    (?:[,\u00a0 ]+(?P<postcode>[1-9]\d{{3}}[ \u00a0]?[A-Z]{{2}})(?![\w])
       (?:[,\u00a0 ]+(?P<town>[{_CAPS}][{_LETTERS}'\-]+(?:[ \u00a0\-][{_CAPS}][{_LETTERS}'\-]+)?))?)?
    """,
    re.VERBOSE,
)
_NOT_A_HOUSE_NUMBER = re.compile(
    r"[ \u00a0]*(?:minuten|min|uur|jaar|jaren|keer|leerlingen|kinderen|man|mensen|euro|procent|%|km|meter|m|dagen|"
    r"weken|maanden|stuks|x|graden|lln)(?!\w)",
    re.IGNORECASE,
)
_POSTCODE_RE = re.compile(r"(?<![\w])[1-9]\d{3}(?:[ \u00a0]?[A-Z]{2}|[a-z]{2})(?![\w])")
_NOT_POSTCODE_LETTERS = frozenset(
    {
        "SA", "SD", "SS", "KM", "KG", "MB", "GB", "KB", "TB", "ML", "CL", "DL", "MM", "CM", "PM", "AM", "HZ", "KW",
        "EU", "NL", "BE", "CO", "PC", "TV", "HD", "UK", "US", "OK", "AD", "BC", "MG", "GR", "CC", "PS", "XL", "XS",
        "ST", "ND", "RD", "TH",
    }
)  # fmt: skip
_SCHOOL_PLACE_CUE = re.compile(
    r"(?<!\w)(?:school|locatie|vestiging|ingang|hoofdingang|achteringang|gebouw|sporthal|gymzaal|aula|college|lyceum|"
    r"gymnasium|basisschool|obs|cbs|campus|ouderavond|open dag|informatieavond|dependance|noodlokalen)(?!\w)"
)
_RESIDENCE_CUE = re.compile(r"(?<!\w)(?:woont|woonde|wonen|woon|adres|huis|thuis|address|lives|woonachtig)(?!\w)")


_RESIDENCE_ADDRESS_RE = re.compile(
    rf"(?i:(?<!\w)(?:woont|woonde|wonen|woon|(?:huis)?adres(?:\s+is|[^.:\n]{{0,40}}:))\s+(?:ergens\s+|nu\s+|gewoon\s+)?"
    rf"(?:op\s+|aan\s+|in\s+|bij\s+)?(?:de\s+|het\s+|'t\s+)?)"
    rf"(?P<place>[{_CAPS}][{_LETTERS}'\-]+(?:[ \u00a0][{_CAPS}][{_LETTERS}'\-]+)?)"
    rf"(?:[ \u00a0]+(?P<number>[1-9]\d{{0,3}}[a-zA-Z]?)(?![\w]))?"
)
# Dutch licence plates: three groups of letters or digits, six characters, at least one of each kind (AB-123-C).
_PLATE_RE = re.compile(r"(?<![\w\-])[A-Z0-9]{1,3}-[A-Z0-9]{1,3}-[A-Z0-9]{1,3}(?![\w\-])")
_PLATE_CUE = re.compile(r"(?<!\w)(?:kenteken|nummerplaat|auto|busje|bus|scooter|wagen|volvo|audi|bmw|rijdt|car)(?!\w)")
# A social media account given out: "snap van emma is emmaa.k_2011", "add me op insta: @noor.2010".
_ACCOUNT_RE = re.compile(
    r"(?i:(?<!\w)(?:snap|snapchat|insta|instagram|ig|tiktok|discord|telegram)(?:\s+[\w']+){0,4}?"
    r"\s*(?:is|=|:|->)\s*)(?P<handle>@?\w[\w.]{2,29}(?<!\.))"
)
_NUMBER_ON_STREET_RE = re.compile(
    rf"(?i:(?<!\w)(?:nummer|nr\.?|huisnummer)\s*)(?P<number>[1-9]\d{{0,3}}[a-zA-Z]?)(?i:\s+(?:op|aan|in)\s+(?:de\s+|het\s+)?)"
    rf"(?P<place>[{_CAPS}][{_LETTERS}'\-]*(?:{_STREET_ANY_CASE}|{_STREET_CAPITAL_ONLY}))(?!\w)"
)
_STREET_THEN_RESIDENCE_RE = re.compile(
    rf"(?<!\w)(?:op|aan|in)\s+(?:de\s+|het\s+)?(?P<place>[{_CAPS}][{_LETTERS}'\-]*(?:{_STREET_ANY_CASE}))"
    rf"(?:\s+\d{{1,4}}[a-z]?)?\s+(?:woont|woonde|wonen|woon)(?!\w)"
)


_RIJKSREGISTER_RE = re.compile(r"(?<![\w.])\d{2}\.?\d{2}\.?\d{2}[-.\s]?\d{3}\.?\d{2}(?![\w]|[.,\-]\d)")
_RIJKSREGISTER_CUE = re.compile(r"(?<!\w)(?:rijksregister\w*|insz|nationaal nummer|identiteitskaart)(?!\w)")
_BIRTH_DATE_RE = re.compile(
    r"(?i:(?<!\w)(?:geboren|geboortedatum|geb\.|born|date of birth|dob)\s*(?:op\s+|on\s+)?:?\s*)"
    r"(?P<date>\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)\d{2}|\d{1,2}\s+(?i:januari|februari|maart|april|mei|juni|juli|augustus|"
    r"september|oktober|november|december)\s+(?:19|20)\d{2})"
)


def bsn_valid(number: str) -> bool:
    """The elfproef (11-test) of a BSN: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 divisible by 11; not all zeros."""
    digits = re.sub(r"[\s.\-]", "", number)
    if len(digits) == 8:
        digits = "0" + digits
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return total % 11 == 0


def iban_valid(iban: str) -> bool:
    """ISO 13616 check (mod 97 == 1) and, for the countries we know, the length."""
    compact = re.sub(r"[\s\u00a0]", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact):
        return False
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _near(
    pattern: re.Pattern[str], text: str, start: int, end: int, before: int, after: int, sentence: bool = False
) -> bool:
    """The pattern occurs in the (folded) window around text[start:end]; with ``sentence``, the window after the
    match stops at the end of its sentence."""
    tail = text[end : end + after]
    if sentence:
        tail = re.split(r"[.!?\n]", tail, maxsplit=1)[0]
    return pattern.search(fold(text[max(0, start - before) : end] + tail)) is not None


def _mask_digits(s: str, keep_first: int = 0, keep_last: int = 0) -> str:
    positions = [i for i, c in enumerate(s) if c.isdigit()]
    keep = set(positions[:keep_first]) | (set(positions[-keep_last:]) if keep_last else set())
    return "".join("*" if (c.isdigit() and i not in keep) else c for i, c in enumerate(s))


@dataclass(frozen=True, slots=True)
class _Pii:
    kind: str  # placeholder name: telefoonnummer, e-mail, bsn, iban, adres, postcode
    start: int
    end: int
    rule: str
    weight: float
    snippet: str


def _phone_candidates(text: str) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _PHONE_RE.finditer(text):
        prefix, body = m["prefix"], m["body"]
        international = "31" in prefix
        if _DATE_LIKE.match(m.group(0)) or text[m.end() : m.end() + 1] == ":":
            continue
        start, end = m.start(), m.end()
        if prefix == "(0" and ")" not in body:
            start += 1  # "Marco (06-12345678)": the bracket is around the whole number
        elif body.count(")") > 1 or (")" in body and prefix != "(0"):
            continue
        groups = [g for g in re.split(r"[ \u00a0.\-/)]+", body) if g]
        first = len(groups[0]) + 1  # with the trunk zero
        if len(groups) > 1 and (
            first not in (2, 3, 4) or (first == 2 and groups[0] != "6") or any(len(g) < 2 for g in groups[1:])
        ):
            continue
        national = "0" + "".join(groups)
        if not national.startswith(_DUTCH_PREFIXES):
            continue
        keep_first = 3 if international else 2
        snippet = _mask_digits(text[start:end], keep_first=keep_first, keep_last=2)
        if national.startswith(_BUSINESS_PREFIXES):
            rule, weight = "telefoonnummer_zakelijk", 0.15
        elif national.startswith("06"):
            rule, weight = "telefoonnummer", 0.9
        else:
            rule, weight = "telefoonnummer", 0.7
        if _near(_PERSONAL_NUMBER_CUE, text, start, end, 40, 0):
            weight = max(weight, 0.95)
            rule = "telefoonnummer"
        elif _near(_SCHOOL_NUMBER_CUE, text, start, end, 80, 30, sentence=True):
            rule, weight = "telefoonnummer_school", 0.05
        found.append(_Pii("telefoonnummer", start, end, rule, weight, snippet))
    return found


def _email_candidates(text: str) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _EMAIL_RE.finditer(text):
        address = m.group(0)
        local, _, domain = address.rpartition("@")
        tld = domain.rsplit(".", 1)[-1]
        head = re.split(r"[._\-+]", fold(local))[0]
        if head in _EMAIL_ROLES or fold(local) in _EMAIL_ROLES:
            found.append(_Pii("e-mail", m.start(), m.end(), "email_rol", 0.15, f"{local}@***.{tld}"))
        else:
            weight = 0.9 if domain.lower() in _FREEMAIL else 0.8
            found.append(_Pii("e-mail", m.start(), m.end(), "email", weight, f"{local[:1]}***@***.{tld}"))
    return found


def _bsn_candidates(text: str, for_mask: bool) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _BSN_RE.finditer(text):
        cue = _near(_BSN_CUE, text, m.start(), m.end(), 40, 20)
        snippet = _mask_digits(m.group(0))
        if bsn_valid(m.group(0)):
            found.append(_Pii("bsn", m.start(), m.end(), "bsn", 0.95 if cue else 0.55, snippet))
        elif cue:  # called a BSN but fails the 11-test: a typo still leaks the number
            found.append(_Pii("bsn", m.start(), m.end(), "bsn_zonder_elfproef", 0.6, snippet))
    return found


def _rijksregister_valid(number: str) -> bool:
    digits = re.sub(r"\D", "", number)
    if len(digits) != 11:
        return False
    base, check = int(digits[:9]), int(digits[9:])
    return 97 - base % 97 == check or 97 - int("2" + digits[:9]) % 97 == check


def _national_number_candidates(text: str) -> list[_Pii]:
    """Belgian rijksregisternummer (YY.MM.DD-XXX.CC, check mod 97) for Flemish posts."""
    found: list[_Pii] = []
    for m in _RIJKSREGISTER_RE.finditer(text):
        cue = _near(_RIJKSREGISTER_CUE, text, m.start(), m.end(), 40, 20)
        if _rijksregister_valid(m.group(0)) or cue:
            found.append(
                _Pii(
                    "rijksregisternummer",
                    m.start(),
                    m.end(),
                    "rijksregisternummer",
                    0.9 if cue else 0.7,
                    _mask_digits(m.group(0)),
                )
            )
    return found


def _birth_date_candidates(text: str) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _BIRTH_DATE_RE.finditer(text):
        found.append(
            _Pii("geboortedatum", m.start("date"), m.end("date"), "geboortedatum", 0.7, _mask_digits(m["date"]))
        )
    return found


def _iban_candidates(text: str, for_mask: bool) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _IBAN_RE.finditer(text):
        raw = m.group(0)
        country = raw[:2].upper()
        length = _IBAN_LENGTHS.get(country)
        if length is None:
            continue
        count, cut = 0, 0
        for i, c in enumerate(raw):
            if c.isalnum():
                count += 1
                if count == length:
                    cut = i + 1
                    break
        if not cut:
            continue
        end = m.start() + cut
        if end < len(text) and text[end].isalnum():
            continue
        candidate = raw[:cut]
        compact = re.sub(r"[\s\u00a0]", "", candidate).upper()
        if iban_valid(compact) or (for_mask and _NL_IBAN_SHAPE.fullmatch(compact)):
            snippet = f"{compact[:2]}{'*' * (len(compact) - 4)}{compact[-2:]}"
            found.append(_Pii("iban", m.start(), end, "iban", 0.9, snippet))
    return found


def _address_candidates(text: str) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _ADDRESS_RE.finditer(text):
        street = m["street"]
        if fold(street) in _NOT_A_STREET or _NOT_A_HOUSE_NUMBER.match(text, m.end("number")):
            continue
        postcode = m["postcode"]
        if postcode and postcode[-2:].upper() in _NOT_POSTCODE_LETTERS:
            postcode = None
        end = m.end("town") if postcode and m["town"] else m.end("postcode") if postcode else m.end("number")
        rule, weight = "adres", 0.6 if street[:1].isupper() else 0.5
        if _near(_RESIDENCE_CUE, text, m.start(), m.end(), 60, 0):
            weight = 0.95
        elif _near(_SCHOOL_PLACE_CUE, text, m.start(), m.end(), 80, 20):
            rule, weight = "adres_school", 0.1  # the school's own, public address
        elif postcode:
            weight = 0.9
        snippet = f"{street} {'*' * len(m['number'])}"
        if postcode:
            snippet += ", **** **"
            if m["town"]:
                snippet += f" {m['town']}"
        found.append(_Pii("adres", m.start(), end, rule, weight, snippet))
    return found


def _postcode_candidates(text: str) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _POSTCODE_RE.finditer(text):
        if m.group(0)[-2:].upper() in _NOT_POSTCODE_LETTERS:
            continue
        rule, weight = "postcode", 0.5
        if _near(_RESIDENCE_CUE, text, m.start(), m.end(), 60, 0):
            weight = 0.8
        elif _near(_SCHOOL_PLACE_CUE, text, m.start(), m.end(), 80, 20):
            rule, weight = "postcode_school", 0.1
        found.append(_Pii("postcode", m.start(), m.end(), rule, weight, "**** **"))
    return found


def _residence_candidates(text: str) -> list[_Pii]:
    """Addresses given as "woont op de Hoefslag 14" (a street without a standard suffix) and "woont in de
    Lijsterstraat" (a street without a number)."""
    found: list[_Pii] = []
    for m in _RESIDENCE_ADDRESS_RE.finditer(text):
        place, number = m["place"], m["number"]
        if fold(place) in _GEEN_NAAM or fold(place) in _NOT_A_STREET:
            continue
        if number:
            snippet = f"{place} {'*' * len(number)}"
            found.append(_Pii("adres", m.start("place"), m.end("number"), "adres", 0.9, snippet))
        elif re.search(rf"(?:{_STREET_ANY_CASE})$", place):  # not -dam, -hout, -veld: those are often towns
            found.append(_Pii("adres", m.start("place"), m.end("place"), "adres_straat", 0.5, place))
    for m in _NUMBER_ON_STREET_RE.finditer(text):
        snippet = f"nummer {'*' * len(m['number'])} … {m['place']}"
        found.append(_Pii("adres", m.start(), m.end(), "adres", 0.85, snippet))
    for m in _STREET_THEN_RESIDENCE_RE.finditer(text):
        found.append(_Pii("adres", m.start("place"), m.end("place"), "adres_straat", 0.5, m["place"]))
    return found


def _plate_candidates(text: str) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _PLATE_RE.finditer(text):
        groups = m.group(0).upper().split("-")
        kinds = ["a" if g.isalpha() else "9" if g.isdigit() else "x" for g in groups]
        if "x" in kinds or "a" not in kinds or "9" not in kinds or sum(len(g) for g in groups) != 6:
            continue
        weight = 0.85 if _near(_PLATE_CUE, text, m.start(), m.end(), 40, 10) else 0.45
        snippet = "-".join("*" * len(g) for g in groups)
        found.append(_Pii("kenteken", m.start(), m.end(), "kenteken", weight, snippet))
    return found


def _account_candidates(text: str) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _ACCOUNT_RE.finditer(text):
        handle = m["handle"]
        if not (handle.startswith("@") or re.search(r"[\d._]", handle)):
            continue  # handles given out carry a digit, dot or underscore; "snap je, het is moeilijk" does not
        snippet = f"{handle[:1]}***"
        found.append(_Pii("account", m.start("handle"), m.end("handle"), "account", 0.6, snippet))
    return found


def _pii_spans(text: str, for_mask: bool) -> list[_Pii]:
    """Non-overlapping personal data, the more specific kinds first (an IBAN contains what looks like a phone
    number, an address contains a postcode)."""
    taken: list[_Pii] = []
    for batch in (
        _iban_candidates(text, for_mask),
        _email_candidates(text),
        _national_number_candidates(text),
        _bsn_candidates(text, for_mask),
        _birth_date_candidates(text),
        _phone_candidates(text),
        _address_candidates(text),
        _residence_candidates(text),
        _postcode_candidates(text),
        _plate_candidates(text),
        _account_candidates(text),
    ):
        for item in batch:
            if all(item.end <= t.start or item.start >= t.end for t in taken):
                taken.append(item)
    return sorted(taken, key=lambda p: p.start)


def mask(text: str) -> str:
    """The text with phone numbers, e-mail addresses, BSNs, IBANs, street addresses (with house number and postcode)
    and postcodes replaced by placeholders such as ``[telefoonnummer]``. Masks generously: also the school's own
    number, role addresses, business numbers."""
    out: list[str] = []
    last = 0
    for item in _pii_spans(text, for_mask=True):
        out.append(text[last : item.start])
        out.append(f"[{item.kind}]")
        last = item.end
    out.append(text[last:])
    return "".join(out)


# A named person next to grades, health or home situation.
_NAME_RE = re.compile(rf"(?<![\w@#'\-.])[{_CAPS}{_LETTERS}][{_LETTERS}]+(?:-[{_CAPS}][{_LETTERS}]+)?(?![\w@])")
_STAFF_TITLES = frozenset(
    {"juf", "juffrouw", "meester", "meneer", "mevrouw", "mr", "mw", "dhr", "mevr", "docent", "docente", "mentor",
     "leraar", "lerares", "coach", "trainer", "rector", "directeur", "directrice", "conrector", "teamleider"}
)  # fmt: skip
_NOT_BEFORE_NAME = frozenset(
    {"de", "het", "een", "'t", "in", "uit", "naar", "bij", "te", "op", "van", "via", "vanuit", "richting", "rond",
     "nabij", "tegenover", "the", "to", "from", "at"}
)  # fmt: skip
_SUBJECTS = (
    "wiskunde|wisk|engels|nederlands|ned|frans|duits|spaans|biologie|bio|scheikunde|natuurkunde|geschiedenis|"
    "aardrijkskunde|economie|latijn|grieks|rekenen|taal|spelling|begrijpend lezen|de toets|het proefwerk|het se|"
    "het examen|de rekentoets|de cito"
)
_GRADE_RE = re.compile(
    rf"(?<!\w)(?:een|met een|heeft|had|haalde|scoorde)\s+(?:[1-9]|10)(?:[.,]\d{{1,2}})?(?![\d.,]\d)"
    rf"(?P<verb>\s+(?:voor|op|gehaald|gescoord|gekregen))?"
    rf"|(?<![\w.,/])(?:[1-9]|10)[.,]\d(?![\d.,]\d)(?P<subject>\s+(?:voor\s+)?(?:{_SUBJECTS}))?"
    rf"|(?<![\w/])\d{{1,2}}(?:[.,]\d)?/(?:10|20|100)(?!\d)"
    rf"|(?<![\w.,])\d{{1,3}}\s?%(?!\w)"
)
_PRONOUN_3RD = re.compile(r"(?<!\w)(?:hij|zij|ze|zijn|haar|z'n|d'r|hem|he|she|his|her)(?!\w)")
_UNNAMED_PERSON = re.compile(
    r"(?<!\w)(?:mijn|m'n|onze|ons|haar|zijn|z'n|d'r|dat|die|een|deze)\s+"
    r"(?:zoon|dochter|kind|jongen|meisje|leerling|klasgenoot|vriend|vriendin|broertje|zusje|broer|zus)(?!\w)"
)


@dataclass(frozen=True, slots=True)
class _Name:
    start: int  # original positions
    end: int
    known: bool
    staff: bool


def _names(text: str) -> list[_Name]:
    """First names: any capitalised name from voornamen.txt; a lower-case one only when it is not also a common
    word (voornamen_ook_woord.txt); another capitalised word only mid-sentence and not after an article/preposition."""
    names: list[_Name] = []
    for m in _NAME_RE.finditer(text):
        word = m.group(0)
        folded = fold(word)
        known = folded in _VOORNAMEN or folded.split("-")[0] in _VOORNAMEN
        if word[0].islower():
            if not known or folded in _NAMES_ALSO_WORDS:
                continue
            if text[m.end() : m.end() + 2] == "'s" and folded.endswith("s"):
                continue
        before_text = text[max(0, m.start() - 40) : m.start()].rstrip()
        at_text_start = not text[: m.start()].strip()
        previous = fold(before_text.rsplit(None, 1)[-1]) if before_text else ""
        previous_word = re.sub(r"[^\w']", "", previous)
        staff = previous_word in _STAFF_TITLES
        if not known:
            sentence_start = at_text_start or before_text[-1] in ".!?:\n\"'(" or not previous_word
            follows = text[m.end() : m.end() + 2]
            next_capital = len(follows) == 2 and follows[0] == " " and follows[1].isupper()
            if (
                folded in _GEEN_NAAM
                or sentence_start
                or previous_word in _NOT_BEFORE_NAME
                or (next_capital and not staff)
            ):
                continue
        names.append(_Name(m.start(), m.end(), known, staff))
    return names


def _sensitive_hits(doc: _Doc) -> list[_Hit]:
    hits: list[_Hit] = []
    for group in _GEVOELIG.groups:
        for m in group.pattern.finditer(doc.f):
            hits.append(_Hit(group.rule, group.weight, m.start(), m.end(), group.flags, group.rule))
    for m in _GRADE_RE.finditer(doc.f):
        text = m.group(0)
        if m.group("verb") or m.group("subject"):
            weight = 0.8
        elif text.startswith(("een", "met", "heeft", "had", "haalde", "scoorde")):
            weight = 0.6
        else:
            weight = 0.45  # a bare 6,1 or 42% next to a name: a score, but also a price or a statistic
        hits.append(_Hit("cijfers", weight, m.start(), m.end(), frozenset(), "cijfers"))
    return _dedupe(hits)


def _person_data(doc: _Doc) -> list[Evidence]:
    sensitive = _sensitive_hits(doc)
    if not sensitive:
        return []
    names = _names(doc.text)
    found: list[Evidence] = []
    seen: set[tuple[int, int]] = set()
    for hit in sensitive:
        s_start, s_end = doc.sentence(hit.start)
        o_start, o_end = doc.original_span(hit.start, hit.end)
        sent_o = doc.original_span(s_start, s_end) if s_end > s_start else (o_start, o_end)
        candidates = [
            n
            for n in names
            if sent_o[0] <= n.start and n.end <= sent_o[1] and min(abs(n.start - o_end), abs(o_start - n.end)) <= 80
        ]
        linked = 1.0
        if not candidates and _PRONOUN_3RD.search(doc.f, s_start, s_end):
            # "Het gaat om Ruben uit 6c. Zijn ouders zitten vast." The name is in the previous sentence.
            index = doc.sentence_index(hit.start)
            if index > 0:
                p_start, p_end = doc.sentences[index - 1]
                prev_o = doc.original_span(p_start, p_end)
                candidates = [n for n in names if prev_o[0] <= n.start and n.end <= prev_o[1]]
                linked = 0.8
        negated = _negated(doc.f, hit.start, hit.end)
        term = doc.text[o_start:o_end]
        if candidates:
            name = min(candidates, key=lambda n: (not n.known, min(abs(n.start - o_end), abs(o_start - n.end))))
            case = 1.0 if doc.text[name.start].isupper() else 0.85
            weight = hit.weight * (1.0 if name.known else 0.65) * (0.5 if name.staff else 1.0) * linked * case
            rule = f"{'medewerker' if name.staff else 'leerling'}_gegevens.{hit.group}"
            span = (min(name.start, o_start), max(name.end, o_end))
            name_text = doc.text[name.start : name.end]
            snippet = f"{name_text[:1]}*** … {term}"
        elif _UNNAMED_PERSON.search(doc.f, s_start, s_end):
            weight = hit.weight * 0.3
            rule = f"gevoelig_zonder_naam.{hit.group}"
            span = (o_start, o_end)
            snippet = term
        else:
            continue
        if span in seen:
            continue
        seen.add(span)
        if negated:
            weight *= 0.5
            rule += "+ontkend"
        found.append(Evidence(rule, span, snippet, round(weight, 3)))
    return found


def _personal_evidence(doc: _Doc) -> list[Evidence]:
    evidence = [Evidence(p.rule, (p.start, p.end), p.snippet, p.weight) for p in _pii_spans(doc.text, for_mask=False)]
    return evidence + _person_data(doc)


# --------------------------------------------------------------------------------------------------------------
# The other categories: lexicon hits plus a few rules each.

_ELSEWHERE = re.compile(
    r"(?<!\w)(?:in|uit)\s+(?:amerika|de vs|de verenigde staten|texas|florida|engeland|duitsland|frankrijk|finland|"
    r"servie|zweden|noorwegen|canada|brazilie|rusland|australie|het buitenland|een andere stad)(?!\w)"
)
_PAST = re.compile(r"(?<!\w)(?:vroeger|toen ik|vorige school|jaren geleden|in groep \d|op de basisschool)(?!\w)")
_SARCASM_CUE = re.compile(
    r"(?<!\w)(?:weer|alweer|wederom|hoor|nou|lekker bezig|goed bezig|zoveelste|not|niet dus)(?!\w)|🙄|🙃|😒|🤡|😑"
)
_REPEAT = re.compile(
    r"(?<!\w)(?:(?P<strong>alweer|wederom|voor de zoveelste keer|de zoveelste"
    r"|nu al de (?:\d+e|tweede|derde|vierde|vijfde)|(?:\d+e|derde|vierde|vijfde) keer (?:deze|dit|vandaag))"
    r"|weer|steeds weer)(?!\w)"
)
_NEGATIVE_CUE = re.compile(
    r"(?<!\w)(?:geen|niet|niks|niets|nooit|kapot|stuk|vies|te laat|uitval|lesuitval|invaller|tussenuur|vrij|"
    r"problemen|probleem|gedoe|ellende|chaos|ruzie|vergeten|afgezegd|geannuleerd|uitgevallen|dicht|slecht)(?!\w)"
    r"|👎|😡|🤬|🙄|😤|😠|😒|😩"
)
_CLASS_SIZE = re.compile(
    r"(?<!\d)(?P<n>[1-6]\d)\s*(?:leerlingen|kinderen|lln\.?|kids|man)?\s+(?:in|per)\s+(?:een|de|1|mijn|zijn|haar|onze|"
    r"elke)\s+(?:klas|lokaal|groep|klaslokaal|klassen)(?!\w)"
    r"|(?<!\w)(?:klassen|groepen|klas|groep)\s+(?:van|met)\s+(?P<m>[1-6]\d)(?!\d)"
)
_PERCENT = re.compile(
    r"(?<!\d)\d{1,3}(?:[.,]\d)?\s?(?:%|procent)\s*(?:van de (?:leerlingen|examenkandidaten|kandidaten)\s+)?"
    r"(?:is\s+|zijn\s+)?(?:geslaagd|gezakt|slaagt|zakt|slaagde|zakte)(?!\w)"
)
_MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec"  # noqa: E501
_DATE = re.compile(
    rf"(?<!\w)(?:(?:per|vanaf|op|tot|met ingang van|m\.?i\.?v\.?|na|voor|sinds|in)\s+)?"
    rf"(?:\d{{1,2}}[-/.]\d{{1,2}}(?:[-/.]\d{{2,4}})?|\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?)(?!\w)"
    rf"|(?<!\w)(?:per|vanaf|in|na|tot)\s+(?:{_MONTHS}|(?:de\s+)?(?:zomer|kerst|herfst|voorjaars|mei)vakantie|20\d\d)(?!\w)"
    rf"|(?<!\w)(?:vanaf|per|na)\s+(?:maandag|dinsdag|woensdag|donderdag|vrijdag|morgen|volgende week)(?!\w)"
    rf"|(?<!\w)(?:volgend|komend|volgende|komende)\s+(?:schooljaar|jaar|week|maand)(?!\w)"
)

_NEGATABLE = ("pesten", "kleineren", "bedreiging", "seksuele_intimidatie", "beeldmateriaal", "compliment", "ervaring")


def _pesten(doc: _Doc, hits: list[_Hit]) -> None:
    for hit in hits:
        s, e = doc.sentence(hit.start)
        if hit.group != "beleid" and _PAST.search(doc.f, s, e):
            hit.scale(0.35, "vroeger")


def _kleineren(doc: _Doc, hits: list[_Hit]) -> list[_Hit]:
    hits = hits + [_Hit("kleineren.doelwit", 0.7, m.start(), m.end()) for m in _TARGETED_INSULT.finditer(doc.f)]
    return _dedupe(hits)


def _bedreiging(doc: _Doc, hits: list[_Hit]) -> None:
    for hit in hits:
        s, e = doc.sentence(hit.start)
        if _ELSEWHERE.search(doc.f, s, e):
            hit.scale(0.4, "elders")
        if "spel" in hit.flags:
            s, e = doc.sentence(hit.start, following=1)
            if _INNOCENT_CONTEXT.search(doc.f, s, e):
                hit.scale(0.2, "spelcontext")


def _beeldmateriaal(doc: _Doc, hits: list[_Hit], has_media: bool) -> None:
    media_present = has_media or any(h.group in ("media", "filmen", "opname") for h in hits)
    for hit in hits:
        s, e = doc.sentence(hit.start)
        if hit.group in ("media", "opname") and _SHARING.search(doc.f, s, e):
            hit.raise_to(0.8, "gedeeld")
        elif hit.group == "kleedkamer" and media_present:
            hit.raise_to(0.9, "media")


def _onjuistheid(doc: _Doc, hits: list[_Hit], school_context: bool) -> list[_Hit]:
    claims = [h for h in hits if h.group != "gerucht"]
    claims += [
        _Hit("onjuistheid.percentage", 0.5, m.start(), m.end(), group="percentage") for m in _PERCENT.finditer(doc.f)
    ]
    rumours = [h for h in hits if h.group == "gerucht"]
    dates: list[_Hit] = []
    if claims or rumours:
        dates = [_Hit("onjuistheid.datum", 0.2, m.start(), m.end(), group="datum") for m in _DATE.finditer(doc.f)]
    for claim in claims:
        if rumours:
            claim.raise_to(0.75, "gerucht")
        elif dates:
            claim.raise_to(0.6, "datum")
        s, e = doc.sentence(claim.start)
        if not _SCHOOL_WORDS.search(doc.f, s, e):
            claim.scale(0.8 if school_context else 0.5, "zonder_schoolwoord")
    return _dedupe(claims + rumours + dates)


def _ervaring(doc: _Doc, hits: list[_Hit]) -> list[_Hit]:
    extra: list[_Hit] = []
    for m in _CLASS_SIZE.finditer(doc.f):
        n = int(m.group("n") or m.group("m"))
        if n >= 29:
            extra.append(_Hit("ervaring.klassengrootte", 0.7, m.start(), m.end(), group="klassengrootte"))
        elif n >= 26:
            extra.append(_Hit("ervaring.klassengrootte", 0.35, m.start(), m.end(), group="klassengrootte"))
    for m in _REPEAT.finditer(doc.f):
        s, e = doc.sentence(m.start())
        sentence_hits = any(s <= h.start < e for h in hits)
        if sentence_hits or _NEGATIVE_CUE.search(doc.f, s, e):
            weight = 0.45 if m.group("strong") else 0.35
            extra.append(_Hit("ervaring.herhaling", weight, m.start(), m.end(), group="herhaling"))
    return _dedupe(hits + extra)


def _compliment(doc: _Doc, hits: list[_Hit], complaints: Sequence[_Hit]) -> None:
    if not any(h.weight >= 0.45 for h in complaints):
        return
    sarcastic = _SARCASM_CUE.search(doc.f) is not None
    for hit in hits:
        if sarcastic:
            hit.scale(0.35, "sarcasme")
        else:
            hit.scale(0.8, "gemengd")


def _to_evidence(doc: _Doc, hits: Iterable[_Hit]) -> list[Evidence]:
    out: list[Evidence] = []
    for hit in hits:
        start, end = doc.original_span(hit.start, hit.end)
        weight = round(min(1.0, max(0.0, hit.weight)), 3)
        if weight > 0:
            out.append(Evidence(hit.rule, (start, end), doc.text[start:end], weight))
    return out


def find_evidence(text: str, has_media: bool = False, school_context: bool = True) -> dict[str, list[Evidence]]:
    """Evidence per protocol category (every category is present, possibly with an empty list).

    ``has_media``: the post carries a photo or video. ``school_context``: the post is known to be about a school
    (it was matched to one); without it, school-specific evidence (beeldmateriaal, onjuistheid, compliment,
    ervaring) is weaker.
    """
    result: dict[str, list[Evidence]] = {category: [] for category in CATEGORIES}
    doc = _Doc(text or "")
    if doc.f.strip():
        result["persoonsgegevens"] = _personal_evidence(doc)
        hits = {category: _lexicon_hits(doc, category) for category in _CATEGORY_LEXICONS}
        _pesten(doc, hits["pesten"])
        hits["kleineren"] = _kleineren(doc, hits["kleineren"])
        _bedreiging(doc, hits["bedreiging"])
        _beeldmateriaal(doc, hits["beeldmateriaal"], has_media)
        hits["onjuistheid"] = _onjuistheid(doc, hits["onjuistheid"], school_context)
        hits["ervaring"] = _ervaring(doc, hits["ervaring"])
        for category in _NEGATABLE:
            _apply_negation(doc, hits[category], inside_rules=("kleineren.doelwit",))
        _compliment(doc, hits["compliment"], hits["ervaring"])
        if not school_context:
            for category in ("beeldmateriaal", "onjuistheid", "compliment", "ervaring"):
                for hit in hits[category]:
                    hit.weight *= 0.7
        for category, category_hits in hits.items():
            result[category] = _to_evidence(doc, category_hits)
    if has_media:
        weight = 0.6 if school_context else 0.25
        result["beeldmateriaal"].append(Evidence("beeldmateriaal.bijlage", None, "", weight))
    for category in CATEGORIES:
        result[category].sort(key=lambda ev: (ev.span or (-1, -1), ev.rule))
    return result
