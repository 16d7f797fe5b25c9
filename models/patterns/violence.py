"""Violent intent: an act of violence, someone or something it is aimed at, and a sign that it is meant to happen.

The verb frames in :mod:`models.patterns.threats` catch the fixed Dutch shapes ("ik maak hem af"). Real threats are
freer: "meneer Peters gaat vandaag niet levend thuiskomen", "die brugklassers worden geklapt als ze nog 1x komen",
"ik verzuip die juf in de vijver". This rule is compositional, per sentence:

- an **act**: a violent verb in any form, or an outcome ("ligt morgen in het ziekenhuis", "heeft nog één week te
  leven"), or an attack on a place (a bomb, arson, a shooting);
- a **target** near it: a person (pronoun, role, group, capitalised name) for acts against people, a school or a
  part of one for attacks on places;
- a **sign of intent**: a first-person subject, a future or modal verb, a time ("morgen", "na de les"), a condition
  ("als ... dan"), a warning ("let maar op", "echt geen grap") or a bounty ("wie ... krijgt 50 euro").

All three give a strong hit. An act and a target without a sign of intent are reported ("leerling neergestoken bij
school") and weaker, as are reports: news words, the past tense, a film or a lesson damp the hit to *mogelijk*, so a
human still sees it. Idioms never match an act ("dood van het lachen", "die toets was moordend", "ik schiet in de
lach"); games and sports damp the hit through the ``spel`` flag.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from models.patterns.document import _Doc, _Hit
from models.patterns.threats import (
    _GAME_ONLY,
    _LETHAL,
    _LETHAL_ACT,
    _NOT_A_WEAPON,
    _WEAPON,
    STRONG,
    _capitalised_name,
    _is_person,
    _words,
)

_SPEL = frozenset({"spel"})
ACT_AND_TARGET = 0.6  # violence aimed at someone, without a sign it is meant: mogelijk, for a human to check
REPORTED = 0.5  # damping for news, the past tense, fiction and lessons


def _alternatives(*parts: str) -> str:
    return "|".join(p for part in parts for p in part.split())


# Acts against people, as regular expressions on folded text (space = \s+).
_KILL = _alternatives(
    r"vermoord\w* doodmak\w* dood_maken doodgemaakt doodstek\w* doodgestoken doodschiet\w* doodgeschoten doodsla\w*",
    r"doodgeslagen afmaken af_te_maken afgemaakt omleggen om_te_leggen omgelegd neerknall\w* neergeknald afknall\w*",
    r"afgeknald neerschiet\w* neergeschoten afschiet\w* afgeschoten neerstek\w* neergestoken kapotschiet\w*",
    r"kapotgeschoten kapotstek\w* kapotgestoken vergass\w* vergast verzuip\w* verzopen verdrinken wurg\w*",
    r"onthoofd\w* executeer\w* executeren lynch\w* afslacht\w* abstech\w* vol_lood kogel kogels opensnijd\w*",
    r"open_snijden opengesneden snij\w*_(?:\w+_){0,4}open keel_door\w* bloeden verscheur\w* ophang\w* opgehangen",
    r"opknop\w* opgeknoopt doden fucken murder stab moet\w*_(?:\w+_){0,2}(?:dood|kapot)(?!_van)",
    r"schiet\w*_(?:\w+_){0,3}kapot",
)
_HURT = _alternatives(
    r"in_(?:elkaar|mekaar)(?:_\w+)? inelkaar\w* kapotsla\w* kapotmak\w* kapotgeslagen",
    r"kapot_(?:slaan|schoppen|trappen|maken)",
    r"geslagen getikt geklapt afklopp\w* afklop afgeklopt geschopt getrapt gemept geramd gestoken een_lap pak_slaag",
    r"pijn_(?:doen|gaan_doen) te_grazen kopje_kleiner kopje_onder van_de_trap nek_(?:breek|breken|breekt)",
    r"mes_in beat_up hurt",
)
_OUTCOME = _alternatives(
    r"(?:ligt|liggen|komt|komen|beland\w*|eindig\w*|gaat|gaan)_(?:\w+_){0,3}in_het_ziekenhuis ziekenhuis_in",
    r"niet_(?:meer_)?levend niet_meer_thuis nog_(?:\w+_){0,3}te_leven",
    r"nooit_meer_(?:kan_|kunnen_|zal_)?(?:opstaat|rechtstaat|op_staat|lopen|praten|naar_school) niemand_meer_overeind",
    r"van_de_pijn",
    r"is_het_over_(?:voor|met) (?:gaan|gaat)_er_(?:\w+_){0,3}aan (?:gaan|gaat)_eraan er_geweest",
    r"(?:het_)?niet_overleven (?:het_)?niet_overleeft opwacht\w* opgewacht",
)
# Short verbs that are also nouns or idioms ("de trap", "een klap", "alarm slaan"): only with a person right before
# them (Dutch puts the object first: "ik ga hem slaan") or a pronoun right after ("ik sla je").
_SHORT_HURT = (
    "slaan sla slaat tikken tik klappen klap schoppen schop trappen trap meppen mep rammen ram steken prikken prik "
    "vullen"
)
# Attacks on a place.
_ATTACK = _alternatives(
    r"opblaz\w* opgeblazen ontploff\w* de_lucht_in in_de_fik in_brand in_de_hens afbrand\w* afgebrand",
    r"aanslag schietpartij schutter knalt_het bom bommen vuurwerkbom\w* explosie\w* benzine molotov\w*",
    r"schiet\w*_(?:\w+_){0,3}kapot eruit_schieten burn\w*_down blow\w*_up shoot\w*_up brand(?:t|en)?_(?:\w+_){0,5}af",
    r"school_shooting bommelding",
)


def _compile(alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w'])(?:" + alternatives.replace("_", r"\s+") + r")(?![\w'])")


_PERSON_ACT = _compile(f"{_KILL}|{_HURT}|{_OUTCOME}")
_HARD_ACT = _compile(f"{_LETHAL}|{_OUTCOME}")  # these need no person word next to them when a place is named
_PLACE_ACT = _compile(_ATTACK)
_SHORT_ACT = _compile(_alternatives(_SHORT_HURT))
# Acts that name their own target: "kill all teachers", "shoot up dennenrode", "i know where you live".
_AIMED_ACT = re.compile(
    r"(?<!\w)(?:kill\s+(?:all|every|you|him|her|them|the|those|these|u)|shoot\w*\s+up\s+\w+|"
    r"(?:wacht|wachten)\s+(?:die|de|je|jou|hem|haar|jullie|ze)\s+(?:\w+\s+){0,4}op(?=\s+(?:bij|na|om|voor|buiten|en)\b|"
    r"\s*[,.!]|\s*$)|i\s+know\s+where\s+(?:you|u|he|she|they)\s+live\w*)(?!\w)"
)
# Death wishes with the target anywhere in the sentence: "ik hoop dat de bus van groep 8 verongelukt".
_WISH = re.compile(r"(?<!\w)(?:ik\s+hoop|hoop\s+dat|hopelijk|ik\s+wens|i\s+hope)(?!\w)")
_WISHED_HARM = _compile(
    _alternatives(
        r"doodgaa\w* dood_gaa\w* sterft sterven verongelukt verongelukken creper\w* verbrand\w* verdrinkt",
        r"(?:you|u|he|she|they)_die",
    )
)
# Weapons: a weapon with a person and a sign of intent ("ik ga met een hamer achter die docent aan").
_ROLE_ENDINGS = ("leraar", "leraren", "lerares", "docent", "docenten", "juf", "meester", "leerling", "leerlingen")
_PERSON_WORDS = _words("meneer mevrouw mr mevr kleine kleintje sukkel loser eikel lul klootzak idioot debiel wie")
# Idioms that contain an act: a match inside one of these is not violence.
_IDIOM = re.compile(
    r"(?<!\w)(?:(?:is|was|echt|zo|super|gewoon)\s+(?:echt\s+|zo\s+)?(?:de\s+)?bom|alarm\s+(?:\w+\s+)?sla\w*|sla\w*\s+(?:\w+\s+)?alarm|(?:een\s+)?brug\s+(?:\w+\s+)?sla\w*|slag\s+sla\w*|"
    r"op\s+hol\s+\w+|sla\w*\s+(?:\w+\s+){0,3}over|nergens\s+op|de\s+plank\s+mis|uit\s+de\s+school\s+\w*klap\w*|"
    r"klap\w*\s+(?:\w+\s+)?uit\s+de\s+school|klap\w*\s+voor|handen\s+klap\w*|applaus|tik\w*\s+op|tikkertje|"
    r"de\s+trap\w*|trap(?:pen)?\s+(?:op|af)|van\s+de\s+trap\s+(?:gevallen|vallen|af)|de\s+kogel\s+is\s+door\s+de\s+kerk|"
    r"de\s+bom\s+(?:is|was)|is\s+de\s+bom|was\s+de\s+bom|als\s+een\s+bom|bom\s+(?:geld|duiten|huiswerk|werk)|"
    r"in\s+de\s+lach|dood\w*\s+(?:van|aan)\s+(?:de\s+|het\s+)?(?:lachen|verveling|stress|schaamte|honger|dorst|hitte|kou)|"
    r"sla\w*\s+(?:\w+\s+){0,3}doorheen|schop\w*\s+(?:\w+\s+){0,8}omhoog|vragen\s+(?:\w+\s+){0,6}afschiet\w*|"
    r"afschiet\w*\s+op|afmak\w*\s+met\s+(?:\w+\s+)?\w*vragen|"
    r"(?:sla|slaan|slaat)\s+(?:\w+\s+)?(?:toe|terug)\s+(?:bij|in)\s+de\s+(?:winkel|uitverkoop)|"
    r"kopje\s+(?:koffie|thee)|de\s+klok\s+sla\w*|in\s+brand\s+(?:gevlogen|gestoken\s+door)|brandweer)(?!\w)"
)

_TARGET_PRONOUNS = _words(
    "je jou jij u hem haar jullie hen hun iedereen allemaal m 'm ie you him her them everyone everybody"
)
_PLACE_TARGET = re.compile(
    r"(?<!\w)(?:\w*school|\w*scholen|\w*college|\w*lyceum|gymnasium|atheneum|klas|klassen|lokaal|lokalen|aula|"
    r"kantine|schoolplein|plein|gymzaal|gebouw|noodlokalen|campus|mediatheek|lerarenkamer|docentenkamer|"
    r"verdieping|gang|ingang|uitgang|fietsenstalling|kleedkamer|sporthal|ramen|brievenbus|uitreiking|"
    r"diploma-uitreiking|schoolfeest|musical|teachers|students|kids)(?!\w)"
)

_FIRST_PERSON = re.compile(r"(?<![\w'])(?:ik|k|'k|ikke|we|wij|i|i'm|i'll|we'll|me\s+and)(?![\w'])")
_FUTURE = re.compile(
    r"(?<![\w'])(?:ga|gaan|gaat|zal|zullen|zult|wordt|worden|komt|komen|wil|willen|moet|moeten|laat|laten|"
    r"gonna|will|should|going\s+to|wacht|wachten)(?![\w'])"
)
_TIME = re.compile(
    r"(?<!\w)(?:morgen|morgenochtend|overmorgen|vandaag|vanavond|vanmiddag|vannacht|straks|zometeen|zo\s+meteen|"
    r"maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|volgende\s+week|deze\s+week|na\s+school|"
    r"na\s+de\s+les|in\s+de\s+pauze|bij\s+de\s+uitgang|om\s+\d{1,2}(?:[.:]\d\d)?\s*uur|\d{1,2}[:.]\d\d|"
    r"sportdag|tijdens\s+de|op\s+de\s+laatste|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|"
    r"starting|vanaf\s+nu|elke\s+(?:dag|week)|nog\s+(?:een|1|een)\s+(?:keer|x|week))(?!\w)"
)
_WARNING = re.compile(
    r"(?<!\w)(?:let\s+(?:maar\s+)?op|pas\s+(?:maar\s+)?op|kijk\s+maar|wacht\s+maar|wacht\s+tot|noteer|"
    r"gewaarschuwd|geen\s+grap|niet\s+grappig\s+bedoeld|echt\s+waar|wollah|wallah|ik\s+zweer|zweer\s+het|"
    r"als\s+\w+|wie\s+\w+(?:\s+\w+){0,6}\s+krijgt|zeg\s+niet\s+dat|zet\s+dit|dan\s+\w+|pech\s+gehad|"
    r"hopelijk|i\s+know\s+where|see\s+you|kill\s+all|precies\s+voor\s+wie|voor\s+wie)(?!\w)|🔪|🔫|💣|🧨|🩸|☠|💀"
)
# Reports, not threats: news, the past, fiction, lessons, drills, prevention.
REPORT = re.compile(
    r"(?<!\w)(?:werd|werden|is\s+(?:gisteren|vorige|vorig)|gisteren|vorige\s+week|vorig\s+jaar|jaren\s+geleden|"
    r"politie|agenten?|verdachte|aangehouden|opgepakt|rechter|rechtbank|veroordeeld|slachtoffers?|"
    r"(?<!op\shet\s)(?<!naar\shet\s)nieuws|krant\w*|"
    r"artikel|maatschappijleer|bespreken|\d+\s*-\s*\d+|"
    r"film|serie|boek\w*|roman|toneel\w*|voorstelling|musical|les\s+over|geschiedenisles\w*|(?:bij|tijdens|met)\s+geschiedenis|tweede\s+wereldoorlog|"
    r"wereldoorlog|holocaust|genocide|jodenvervolging|"
    r"oefening|ontruimingsoefening|brandoefening|voorlichting|preventie|campagne|herdenking|documentaire|"
    r"podcast|vuurwerkverbod|waarschuwt|waarschuwen|ouders\s+gewaarschuwd|zorgen\s+over|zorgen\s+om|"
    r"\w*proef(?:je)?|experiment\w*|scheikunde\w*|natuurkunde\w*|dieren|muggen|vliegen|wespen|spin|onkruid|biologie|practicum)(?!\w)"
)
# The past: "ik heb die vrouw vermoord", "vandaag vermoordde ik een man" tell what happened, they threaten nothing.
_PAST_AUXILIARY = re.compile(r"(?<![\w'])(?:heb|hebt|heeft|hebben|had|hadden|was|waren|werd|werden)(?![\w'])")
_PAST_FORM = re.compile(r"\w*(?:dde|dden|tte|tten)|ge\w+|\w+ge\w+[dt]|vermoord|vergast|verzopen")
_WEAPON_EMOJI = re.compile("🔫|🔪|💣|🧨|🗡")
_WINDOW = 70  # characters each side of the act where the target must be


def _person_near(doc: _Doc, start: int, end: int, s: int, e: int) -> bool:
    lo, hi = max(s, start - _WINDOW), min(e, end + _WINDOW)
    words = re.findall(r"[\w'’-]+", doc.f[lo:hi])
    return any(_person_word(w) for w in words)


def _person_word(word: str) -> bool:
    return (
        word in _TARGET_PRONOUNS
        or word in _PERSON_WORDS
        or _is_person(word)
        or word.startswith("brugklas")
        or word.endswith(_ROLE_ENDINGS)
    )


def _person_or_place(doc: _Doc, start: int, end: int, s: int, e: int) -> bool:
    return _place_near(doc, start, end, s, e) or _person_near(doc, start, end, s, e)


def _place_near(doc: _Doc, start: int, end: int, s: int, e: int) -> bool:
    lo, hi = max(s, start - _WINDOW - 30), min(e, end + _WINDOW + 30)
    return bool(_PLACE_TARGET.search(doc.f, lo, hi)) or _capitalised_name(doc, lo, hi)


def _person_adjacent(doc: _Doc, start: int, end: int, s: int, e: int) -> bool:
    """For the short verbs: a person in the three words before ("ik ga hem slaan") or a pronoun right after."""
    before = re.findall(r"[\w'’-]+", doc.f[max(s, start - 40) : start])[-3:]
    after = re.findall(r"[\w'’-]+", doc.f[end : min(e, end + 20)])[:1]
    return any(_person_word(w) for w in before) or any(w in _TARGET_PRONOUNS for w in after)


def _intent(doc: _Doc, s: int, e: int) -> bool:
    return any(p.search(doc.f, s, e) for p in (_FIRST_PERSON, _FUTURE, _TIME, _WARNING))


def violence_hits(doc: _Doc) -> list[_Hit]:
    """Violent-intent evidence, sentence by sentence (folded positions)."""
    return [hit for s, e in doc.sentences for hit in _sentence_hits(doc, s, e)]


def _always(doc: _Doc, start: int, end: int, s: int, e: int) -> bool:
    return True


def _sentence_hits(doc: _Doc, s: int, e: int) -> Iterator[_Hit]:
    intent = _intent(doc, s, e)
    reported = bool(REPORT.search(doc.f, s, e))
    idioms = list(_IDIOM.finditer(doc.f, s, e))
    if _WISH.search(doc.f, s, e):
        for m in _WISHED_HARM.finditer(doc.f, s, e):
            if _person_near(doc, m.start(), m.end(), s, e) or _place_near(doc, m.start(), m.end(), s, e):
                yield _Hit("bedreiging.doodswens", STRONG, m.start(), m.end(), _SPEL, "doodswens")
    weapon = _WEAPON.search(doc.f, s, e) or _WEAPON_EMOJI.search(doc.f, s, e)
    if weapon and intent and not _NOT_A_WEAPON.search(doc.f, s, e) and _person_near(doc, s, e, s, e):
        yield _Hit("bedreiging.wapen_persoon", STRONG, weapon.start(), weapon.end(), _GAME_ONLY, "wapen")
    for pattern, rule, aimed in (
        (_PERSON_ACT, "geweld_persoon", _person_near),
        (_HARD_ACT, "geweld_persoon", _place_near),
        (_PLACE_ACT, "geweld_plaats", _person_or_place),
        (_SHORT_ACT, "geweld_persoon", _person_adjacent),
        (_AIMED_ACT, "geweld_persoon", _always),
    ):
        for m in pattern.finditer(doc.f, s, e):
            if any(i.start() <= m.start() and m.end() <= i.end() for i in idioms):
                continue
            if not aimed(doc, m.start(), m.end(), s, e):
                continue
            weight = STRONG if intent else ACT_AND_TARGET
            flags = _GAME_ONLY if _LETHAL_ACT.fullmatch(m.group()) else _SPEL
            hit = _Hit(f"bedreiging.{rule}", weight, m.start(), m.end(), flags, rule)
            if reported or (_PAST_FORM.fullmatch(m.group()) and _PAST_AUXILIARY.search(doc.f, s, e)):
                hit.scale(REPORTED, "bericht")
            elif re.fullmatch(r"\w*(?:dde|dden)", m.group()):
                hit.scale(REPORTED, "verleden")
            yield hit
