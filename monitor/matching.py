"""Which school(s) a post is about, and why.

Rules, per school, in this order:
1. an exclude term in the post vetoes the school (exclude always wins);
2. a handle (``@ikcderegenboog``) or hashtag (``#DeRegenboogZoetermeer``) of the school matches on its own;
3. a distinctive alias ("Zilvermeer College") matches on its own, as whole words;
4. an ambiguous alias ("De Regenboog": a common school name, a single word, or listed under ``ambiguous``) matches
   only with a context term in the same post: the school's town, one of its ``include`` terms, or a school word
   (school, juf, meester, ...).
Text is compared case- and diacritics-folded, with punctuation as word boundaries, so "Zilvermeer-college" and
"zilvermeer college" are the same. Hashtags are also derived from aliases (``#deregenboog``), and with the town
appended (``#deregenboogzoetermeer``), the way people write them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from monitor.config import School
from monitor.records import Match

# Names many Dutch schools share; they never match without context.
COMMON_SCHOOL_NAMES = frozenset(
    {
        "de regenboog", "de wegwijzer", "het kompas", "de fontein", "de horizon", "de zonnewijzer",
        "de springplank", "de vuurtoren", "de kameleon", "de schakel", "de wereldwijzer", "de bron", "de ark",
        "het baken", "de klimop", "de zonnebloem", "de vlinder", "de meander", "de boomgaard", "de driesprong",
        "de kleine prins", "de bolster", "de hoeksteen", "de windroos", "de sterrenwacht", "de zevensprong",
        "het palet", "de tweemaster", "de piramide", "de wilgen", "het anker", "de parel", "de poolster",
        "de akker", "de kring", "de wingerd", "de ontdekking", "de kubus", "de waterlelie", "de duizendpoot",
        "het mozaiek", "de globe", "prinses beatrix", "koningin juliana", "koningin wilhelmina", "willem alexander",
        "prins willem alexander", "prinses amalia", "oranje nassau", "montessorischool", "jenaplanschool",
        "vrije school", "het lyceum", "stedelijk gymnasium", "christelijk lyceum",
    }
)

# Words that place an ambiguous name in a school context.
SCHOOL_CONTEXT_TERMS = (
    "school", "basisschool", "scholen", "schoolplein", "schooltijd", "schoolreis", "schoolreisje", "schoolgids",
    "juf", "juffen", "juffrouw", "meester", "meesters", "leerkracht", "leerkrachten", "leraar", "leraren",
    "docent", "docenten", "mentor", "rector", "conrector", "directeur", "directrice", "schoolleider",
    "leerling", "leerlingen", "klas", "klassen", "klasgenoot", "klasgenoten", "groep 1", "groep 2", "groep 3",
    "groep 4", "groep 5", "groep 6", "groep 7", "groep 8", "brugklas", "examen", "examens", "eindexamen",
    "rapport", "ouderavond", "ouderraad", "medezeggenschapsraad", "oudergesprek", "huiswerk", "toets",
    "obs", "cbs", "rkbs", "pcbs", "ikc", "kindcentrum", "sbo", "vso", "mavo", "havo", "vwo", "vmbo",
    "gymnasium", "atheneum", "lyceum", "college", "pabo", "kinderopvang", "bso", "naschoolse", "pleinwacht",
    "schoolbestuur", "inspectie", "onderwijsinspectie", "gymzaal", "aula", "kantine", "studiedag", "ouders",
)


def fold(text: str) -> str:
    """Lower case, no diacritics, punctuation as spaces; keeps @ and # that start a handle or tag."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    lowered = stripped.casefold()
    spaced = re.sub(r"[^\w@#]+|_", " ", lowered)
    spaced = re.sub(r"(?<=\w)[@#]", " ", spaced)  # '@' or '#' inside a word is not a handle start
    return " ".join(spaced.split())


def _squash(term: str) -> str:
    return fold(term).replace(" ", "").lstrip("#@")


@dataclass(frozen=True)
class SchoolResult:
    school_id: str
    matched: bool
    rule: str


class SchoolMatcher:
    """Compiled rules for one school."""

    def __init__(self, school: School) -> None:
        self.school = school
        # Folded like the text, so '@ikc_regenboog', '@ikc.regenboog' and '@regenboog@mastodon.nl' can match.
        self.handles = {fold(h): h for h in school.handles}
        self.hashtags = {_squash(t): t for t in school.hashtags}
        explicit_ambiguous = {fold(a) for a in school.ambiguous}
        distinctive = {fold(a) for a in school.distinctive}
        self.distinctive: dict[str, str] = {}
        self.ambiguous: dict[str, str] = {}
        for alias in dict.fromkeys([school.name, *school.aliases]):
            folded = fold(alias)
            needs_context = folded not in distinctive and (
                folded in explicit_ambiguous or folded in COMMON_SCHOOL_NAMES or " " not in folded
            )
            (self.ambiguous if needs_context else self.distinctive)[folded] = alias
        # Hashtags people derive from a name: #zilvermeercollege, #deregenboogzoetermeer.
        self.ambiguous_tags: dict[str, str] = {}
        town = fold(school.town).replace(" ", "") if school.town else ""
        for folded, alias in [*self.distinctive.items(), *self.ambiguous.items()]:
            tag = folded.replace(" ", "")
            bucket = self.hashtags if folded in self.distinctive else self.ambiguous_tags
            bucket.setdefault(tag, "#" + alias.replace(" ", ""))
            if town:
                self.hashtags.setdefault(tag + town, f"#{alias.replace(' ', '')}{(school.town or '').replace(' ', '')}")
        context = [*SCHOOL_CONTEXT_TERMS, *(school.include or [])]
        if school.town:
            context.append(school.town)
        self.context = {fold(term): term for term in context if fold(term)}
        self.exclude = {fold(term): term for term in school.exclude if fold(term)}

    def match(self, folded_text: str, tokens: set[str]) -> SchoolResult:
        sid = self.school.id
        padded = f" {folded_text} "
        for term, original in self.exclude.items():
            if f" {term} " in padded:
                return SchoolResult(sid, False, f"uitgesloten door '{original}'")
        for handle, original in self.handles.items():
            if f" {handle} " in padded:
                return SchoolResult(sid, True, f"account {original}")
        for token in tokens:
            if token.startswith("#") and token[1:] in self.hashtags:
                return SchoolResult(sid, True, f"hashtag {self.hashtags[token[1:]]}")
        for folded, alias in self.distinctive.items():
            if f" {folded} " in padded:
                return SchoolResult(sid, True, f"naam '{alias}'")
        found_folded = [folded for folded in self.ambiguous if f" {folded} " in padded]
        found = [self.ambiguous[folded] for folded in found_folded]
        found += [tag for key, tag in self.ambiguous_tags.items() if f"#{key}" in tokens]
        if not found:
            return SchoolResult(sid, False, "geen naam, account of hashtag van deze school gevonden")
        # The context must come from the rest of the post: 'Het Lyceum' is no context for itself.
        rest = padded
        for folded in found_folded:
            rest = re.sub(rf"(?<= ){re.escape(folded)}(?= )", "|", rest)
        for term, original in self.context.items():
            if f" {term} " in rest or f"#{term.replace(' ', '')}" in tokens:
                return SchoolResult(sid, True, f"naam '{found[0]}' met context '{original}'")
        return SchoolResult(
            sid, False, f"naam '{found[0]}' gevonden, maar zonder context (plaats of schoolwoord); naam is niet uniek"
        )


class Matcher:
    """All schools' rules; ``match`` returns the matches, ``explain`` every school's verdict."""

    def __init__(self, schools: Sequence[School]) -> None:
        self.matchers = [SchoolMatcher(s) for s in schools]

    def explain(self, text: str, school_ids: Iterable[str] | None = None) -> list[SchoolResult]:
        folded = fold(text)
        tokens = {t for t in folded.split() if t[:1] in "@#"}
        allowed = set(school_ids) if school_ids is not None else None
        return [
            m.match(folded, tokens) for m in self.matchers if allowed is None or m.school.id in allowed
        ]

    def match(self, text: str, school_ids: Iterable[str] | None = None) -> list[Match]:
        return [Match(r.school_id, r.rule) for r in self.explain(text, school_ids) if r.matched]
