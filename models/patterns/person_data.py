"""Persoonsgegevens about a named person: a pupil's name next to grades, health or home situation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.patterns.document import _dedupe, _Doc, _Hit, _negated
from models.patterns.evidence import Evidence
from models.patterns.folding import fold
from models.patterns.lexicon import _GEEN_NAAM, _GEVOELIG, _NAMES_ALSO_WORDS, _VOORNAMEN
from models.patterns.personal import _CAPS, _LETTERS, _pii_spans

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
