"""The other categories: lexicon hits plus a few rules each."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from models.patterns.document import _dedupe, _Doc, _Hit
from models.patterns.evidence import Evidence
from models.patterns.lexicon import _GAME_CONTEXT, _INNOCENT_CONTEXT, _SCHOOL_WORDS, _SHARING, _TARGETED_INSULT
from models.patterns.not_a_threat import DAMPING, disowned_quote, hyperbole_about_self
from models.patterns.violence import REPORT, REPORTED

_ELSEWHERE = re.compile(
    r"(?<!\w)(?:in|uit)\s+(?:amerika|de vs|de verenigde staten|texas|florida|engeland|duitsland|frankrijk|finland|"
    r"servie|zweden|noorwegen|canada|brazilie|rusland|australie|het buitenland|een andere stad)(?!\w)"
)
# A lesson, campaign or news item about the harm, not the harm itself ("gastles over sexting", "campagne tegen
# pesten", "rechtszaak over de steekpartij", "de dreigmail bleek een hoax"). It damps only the words that name the
# harm (report groups), never the threat grammar: "ik steek je neer, bel de politie maar" stays a threat.
_ABOUT_THE_HARM = re.compile(
    r"(?<!\w)(?:gastles\w*|workshop\w*|voorlichting\w*|informatieavond\w*|themaweek|themaochtend|"
    r"campagne\w*|week\s+tegen\s+\w+|anti-?pest\w*|reportage\w*|jeugdjournaal|documentaire|nieuwsupdate|"
    r"rechtszaak|rechtbank|rechter|veroordeeld|celstraf|taakstraf|hoax|herdenking\w*|herdenkt|stille\s+tocht|"
    r"leerlingenraad|meldpunt|vertrouwenspersoon|wat\s+(?:doe|moet)\s+je\s+als|hoe\s+(?:praat|ga)\s+je|"
    r"hoe\s+gaan\s+(?:wij|we)\s+om\s+met|online\s+veiligheid|bericht\s+van\s+de\s+politie)(?!\w)"
)
_REPORT_GROUPS = {"pesten": ("verslag", "algemeen"), "bedreiging": ("verslag", "wapen_aanslag"),
                  "seksuele_intimidatie": ("beelden", "vraag_foto", "grensoverschrijdend")}


def about_the_harm(doc: _Doc, category: str, hits: list[_Hit]) -> None:
    """Report words in a sentence that is a lesson, campaign or news item about the harm: *mogelijk*, not flagged."""
    for hit in hits:
        if hit.group in _REPORT_GROUPS[category]:
            s, e = doc.sentence(hit.start, following=1, preceding=1)  # the topic may be named a sentence away
            if _ABOUT_THE_HARM.search(doc.f, s, e):
                hit.scale(REPORTED, "bericht")


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
        if hit.group == "wapen" and REPORT.search(doc.f, s, e):
            hit.scale(REPORTED, "bericht")  # "voorlichting over messen op school", "leerling met mes aangehouden"
        if disowned_quote(doc, s, e):
            hit.scale(DAMPING, "geciteerd")  # "walgelijk dat iemand schreef dat alle moslims dood moeten"
        elif hyperbole_about_self(doc, s, e):
            hit.scale(DAMPING, "overdrijving")  # "mijn moeder vermoordt me als ze mijn rapport ziet lol"
        if "spel" in hit.flags or "game" in hit.flags:
            s, e = doc.sentence(hit.start, following=1)
            context = _INNOCENT_CONTEXT if "spel" in hit.flags else _GAME_CONTEXT
            # A game named in the sentence before counts too ("mee lasergamen? ik schiet jullie af"); a sports day
            # before does not ("Leuke sportdag gehad. Ik maak die directeur af." is a threat).
            before = doc.sentence(hit.start, preceding=1)
            if context.search(doc.f, s, e) or _GAME_CONTEXT.search(doc.f, before[0], s):
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
