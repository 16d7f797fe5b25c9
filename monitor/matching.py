"""Which school(s) a post is about, and why.

Rules, per school, in this order:
1. an exclude term in the post vetoes the school (exclude always wins);
2. a handle (``@ikcderegenboog``) or hashtag (``#DeRegenboogZoetermeer``) of the school matches on its own;
3. a distinctive alias ("Zilvermeer College") matches on its own, as whole words;
4. an ambiguous alias ("De Regenboog": a common school name, a single word, or listed under ``ambiguous``) matches
   only with a context term in the same post: the school's town, one of its ``include`` terms, or a school word
   (school, juf, meester, ...).
An ambiguous name right next to another place than the school's own ("De Wegwijzer in Zwolle-Zuid" for the
De Wegwijzer in Harderwijk) does not match, unless the post names the school's town or an ``include`` term too (see
``monitor.places``).
Text is compared case- and diacritics-folded, with punctuation as word boundaries, so "Zilvermeer-college" and
"zilvermeer college" are the same; invisible characters (soft hyphens, zero-width spaces) are dropped, full-width and
other compatibility forms made plain, and Cyrillic or Greek look-alike letters read as the Latin letter they look
like, so "Dennen\u00adrode" and "Dеnnenrode" with a Cyrillic "е" still name Dennenrode.
Hashtags are also derived from aliases (``#deregenboog``), and with the town
appended (``#deregenboogzoetermeer``), the way people write them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from monitor.config import School
from monitor.records import Match

REPLY_RULE = "reactie op een bericht over deze school"  # why a reply is stored for its parent's school

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


@cache
def _look_alikes() -> dict[int, str]:
    """Non-Latin letters that look like a Latin one (Unicode's confusables, via confusable_homoglyphs), both cases:
    Cyrillic 'е' -> 'e', 'Е' -> 'E'. The lower case decides, so Cyrillic 'І' is 'I', not the 'l' it also looks like."""
    from confusable_homoglyphs.confusables import confusables_data

    def latin(ch: str) -> str:
        found = [e["c"] for e in confusables_data.get(ch, []) if len(e["c"]) == 1 and e["c"].isascii()
                 and e["c"].isalpha()]
        return found[0] if found else ""

    table: dict[int, str] = {}
    for ch in confusables_data:
        if len(ch) != 1 or ch.isascii() or unicodedata.name(ch, "").startswith("LATIN"):
            continue
        lower = latin(ch.lower()) if ch.lower() != ch else ""
        letter = lower.upper() if lower else latin(ch)
        if letter:
            table[ord(ch)] = letter
    return table


def plain(text: str) -> str:
    """The letters as they look, without diacritics: format characters (soft hyphen, zero-width space, BOM) dropped,
    compatibility forms (full-width letters, ligatures) made plain, look-alike letters read as Latin."""
    visible = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    compatible = unicodedata.normalize("NFKC", visible).translate(_look_alikes())
    decomposed = unicodedata.normalize("NFKD", compatible)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def cased_tokens(text: str) -> list[str]:
    """The words of ``text`` as ``fold`` splits them, with their case kept (to see which are written as names)."""
    spaced = re.sub(r"[^\w@#]+|_", " ", plain(text))
    spaced = re.sub(r"(?<=\w)[@#]", " ", spaced)  # '@' or '#' inside a word is not a handle start
    return spaced.split()


def fold(text: str) -> str:
    """Lower case, no diacritics, punctuation as spaces; keeps @ and # that start a handle or tag."""
    return " ".join(token.casefold() for token in cased_tokens(text))


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
        # The school's own places: its town and include terms; a post that names one is about this school's town.
        self.own = {fold(term) for term in [school.town or "", *(school.include or [])] if fold(term)}

    def match(self, folded_text: str, tokens: set[str], cased: Sequence[str] = ()) -> SchoolResult:
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
                elsewhere = self._elsewhere(padded, found_folded, cased)
                if elsewhere:
                    return SchoolResult(sid, False, f"naam '{found[0]}' staat bij een andere plaats ({elsewhere}) en "
                                                    f"niet bij {self.school.town}; dat is een andere school")
                return SchoolResult(sid, True, f"naam '{found[0]}' met context '{original}'")
        return SchoolResult(
            sid, False, f"naam '{found[0]}' gevonden, maar zonder context (plaats of schoolwoord); naam is niet uniek"
        )


    def _elsewhere(self, padded: str, names: list[str], cased: Sequence[str]) -> str:
        """Another place written right next to one of the ambiguous ``names`` (folded), when the post names none of
        the school's own places; "" otherwise (also for a school without a town: any place could be its own)."""
        from monitor.places import places_next_to

        if not self.school.town or not cased or any(f" {term} " in padded for term in self.own):
            return ""
        tokens = [t.casefold() for t in cased]
        for name in names:
            words = name.split()
            for start in range(len(tokens) - len(words) + 1):
                if tokens[start:start + len(words)] == words:
                    near = places_next_to(tokens, cased, start, start + len(words))
                    other = sorted(shown for place, shown in near.items()
                                   if place not in self.own and place not in name)
                    if other:
                        return other[0]
        return ""


class Matcher:
    """All schools' rules; ``match`` returns the matches, ``explain`` every school's verdict."""

    def __init__(self, schools: Sequence[School]) -> None:
        self.matchers = [SchoolMatcher(s) for s in schools]

    def explain(self, text: str, school_ids: Iterable[str] | None = None) -> list[SchoolResult]:
        cased = cased_tokens(text)
        folded = " ".join(t.casefold() for t in cased)
        tokens = {t for t in folded.split() if t[:1] in "@#"}
        allowed = set(school_ids) if school_ids is not None else None
        return [
            m.match(folded, tokens, cased) for m in self.matchers if allowed is None or m.school.id in allowed
        ]

    def match(self, text: str, school_ids: Iterable[str] | None = None) -> list[Match]:
        return [Match(r.school_id, r.rule) for r in self.explain(text, school_ids) if r.matched]
