"""Dutch threat grammar: explicit threats that a word list misses because Dutch splits its verbs around the target.

"Ik maak die directeur van het Dennenrode College af": the verb ``maak`` and its particle ``af`` enclose the person
threatened, so the rules here look for a verb frame and then check what stands in the gap: a person (pronoun, a
role such as directeur or juf, a group, a capitalised name, a body part) makes it a threat; a thing ("ik maak mijn
werkstuk af", "schiet nou eens op") does not. Other frames: a modal with a killing verb at the end ("ik ga die mentor
afmaken", "ik wil alle docenten doden"), "moet dood" and death wishes, a weapon with a place and a time or intent
("morgen kom ik met een mes naar school"), arson and bombs aimed at a place, and English threats.

Hits carry the ``spel`` flag, so a game or sports word nearby damps them ("ik maak je af met Fortnite"); idioms
("ik ga dood van het lachen", "die toets was moordend", "het feest was de bom") never match a frame.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from models.patterns.document import _Doc, _Hit
from models.patterns.lexicon import _word_set


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SPEL = frozenset({"spel"})
_GAME_ONLY = frozenset({"game"})  # damped by a game nearby ("in Fortnite"), not by a sports day or a match
# Killing words that no sports idiom uses: a sports day or a match nearby does not damp them, a game does.
_LETHAL = (
    r"vermoord\w*|neerknall\w*|neergeknald|afknall\w*|afgeknald|neerschiet\w*|neergeschoten|neerstek\w*|"
    r"neergestoken|vergass\w*|vergast|doodschiet\w*|doodgeschoten|doodstek\w*|doodgestoken|mes\s+in|keel\s+door\w*|"
    r"vol\s+lood|dood\s+(?:hebben|zien|willen|wil)|neer\s+(?:knallen|schieten|steken)|dood\s+(?:schieten|steken)"
)
_LETHAL_ACT = re.compile(rf"(?<![\w'])(?:{_LETHAL})(?![\w'])")
STRONG = 0.92  # a frame with a person in it: flagged whatever the learned score says
WEAPON_AT_PLACE = 0.6  # a weapon at school without intent or time ("leerling met mes aangehouden"): for a human

_PRONOUNS = _words("je jou jij u hem haar jullie hen hun ze iedereen allemaal jullie ge gij")
_SUBJECTS = _words("ik k we wij")  # inverted order: "morgen sla ik je knock-out"
_SELF = _words("me mij mezelf mijzelf ons onszelf zichzelf")
_POSSESSIVES = _words("je jouw jullie zijn z'n haar d'r hun uw")
_PERSON_STEMS = tuple(
    _words(
        "juf juffrouw juffie meester meesters leraar leraren lerares leraressen leerkracht docent docente "
        "mentor rector conrector directeur directrice directie concierge teamleider coordinator gymleraar "
        "gymjuf gymdocent leerling scholier kind kinderen jongen meisje meid gast gozer vent wijf wijven hoer "
        "slet homo mongool kankerlijer klasgenoot klasgenoten brugger bruggers brugpieper eersteklasser "
        "onderbouwer bovenbouwer vriend vriendin moeder vader ouder broer zus zusje broertje man vrouw mannen "
        "vrouwen mensen klas klassen buurman buurvrouw agent bestuur bestuurder teacher teachers principal "
        "kids jood joden moslim moslims christen christenen homo's homos lesbo lesbo's trans transgender "
        "zwarten neger negers marokkaan marokkanen turk turken pool polen surinamer surinamers buitenlander "
        "buitenlanders allochtoon allochtonen immigrant immigranten vluchteling vluchtelingen asielzoeker "
        "asielzoekers gehandicapte gehandicapten autist autisten ouderen"
    )
)
_BODY = _words("kop hoofd smoel bek gezicht tanden neus benen knieen nek keel harses schedel")
_PLACES = _words(
    "school scholen college lyceum gymnasium atheneum klas lokaal aula kantine schoolplein gymzaal gebouw "
    "campus mediatheek lerarenkamer docentenkamer personeelskamer kleedkamer fietsenstalling plein speelplaats "
    "les kluisje hoofdingang ingang uitreiking diploma-uitreiking sporthal veldje schoolreis"
)
_ADVERBS = _words(
    "morgen straks vandaag vanavond vanmiddag nog wel echt gewoon helemaal persoonlijk eens zeker nu "
    "meteen maandag dinsdag woensdag donderdag vrijdag zaterdag zondag na in de pauze even allemaal ook "
    "zelf dan toch maar eerst"
)
_DETERMINERS = _words("die dat de het deze dit een alle elke iedere onze jullie mijn m'n die hele")

_WORD = r"[\w'’-]+"
_GAP = rf"(?P<gap>(?:{_WORD}\s+){{0,6}}{_WORD})"


def _frame(verbs: str, particles: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{verbs})\s+{_GAP}\s+(?P<tail>{particles})(?!\w)")


# Separable verbs: the verb, the target, then the particle.
_SEPARABLE = tuple(
    _frame(v, p)
    for v, p in (
        ("maak|maakt|maken|maakte|maakten", "af|dood|kapot|koud"),
        ("steek|steekt|steken|stak|staken", "neer|dood|overhoop|lek|kapot"),
        (
            "sla|slaat|slaan|sloeg|sloegen|mep|mept|meppen|ram|ramt|rammen|timmer|timmert|timmeren|trap|trapt|trappen",
            r"in\s+(?:elkaar|mekaar)|kapot|dood|neer|verrot|bont\s+en\s+blauw|tot\s+moes|knock-?out|in\s+coma|het\s+ziekenhuis\s+in",
        ),
        ("schiet|schieten|schoot|knal|knalt|knallen", "neer|dood|overhoop|kapot|af|lek"),
        ("leg|legt|leggen", "om"),
        ("hang|hangt|hangen|knoop|knoopt|knopen", "op"),  # "hang al die verraders op"; a coat is not a person
        ("zet|zetten", r"tegen\s+de\s+muur"),
        ("snij|snijdt|snijden|hak|hakt|hakken", r"de\s+keel\s+door|kapot|in\s+stukken|in\s+mootjes|de\s+kop\s+af"),
        ("jaag|jaagt|jagen", r"een\s+kogel\s+door\s+(?:de|z'n|zijn|haar|je|hun)\s+(?:kop|hoofd|harses)"),
    )
)
# Verbs aimed at a place as well as a person.
_AT_PLACE = (
    _frame("blaas|blaast|blazen", "op"),
    _frame("steek|steekt|steken|zet|zetten|stak|zette", r"in\s+de\s+fik|in\s+brand|in\s+de\s+hens"),
)
_KILL_STRONG = (
    r"vermoorden|doodmaken|dood\s+maken|doodsteken|dood\s+steken|neersteken|neer\s+steken|neerschieten|"
    r"neer\s+schieten|doodschieten|dood\s+schieten|overhoopschieten|overhoop\s+schieten|afslachten|vergassen|"
    r"onthoofden|verkrachten|abstechen|neerknallen|afknallen|wurgen|kelen|doodslaan|dood\s+slaan|lynchen|"
    r"executeren|kapotsteken|vermoordn|neerstekn|neersteke|kapotsteke|kapot\s+steke|afmaken|af\s+maken|doden|kapotslaan|kapot\s+slaan|in\s+(?:elkaar|mekaar)\s+slaan|"
    r"in\s+(?:elkaar|mekaar)\s+trappen|in\s+(?:elkaar|mekaar)\s+meppen|in\s+(?:elkaar|mekaar)\s+timmeren|kapotmaken|kapot\s+maken|ophangen|"
    r"opknopen|uitroeien|aanvallen|neersteken|verzuipen|verdrinken|opblazen|op\s+blazen|in\s+de\s+fik\s+steken|"
    r"in\s+brand\s+steken|afschieten|kapotschoppen|kapot\s+schoppen|kapottrappen|kapot\s+trappen|doodschoppen|"
    r"dood\s+schoppen|doodtrappen|dood\s+trappen|in\s+(?:elkaar|mekaar)\s+schoppen|afslachten|uitmoorden|"
    r"dood\s+(?:hebben|zien|hebbe)|ombrengen|om\s+zeep\s+helpen|koud\s+maken|koudmaken|neermaaien|"
    r"wegvagen|vernietigen|verbranden|onthoofden|martelen|doodmartelen|executeren|fusilleren|platbranden|"
    r"plat\s+branden|afbranden|af\s+branden|in\s+de\s+fik\s+zetten|in\s+brand\s+zetten|verkrachten"
)
_MODAL = (
    r"ga|gaan|gaat|zal|zullen|zult|wil|willen|wilt|moet|moeten|kom|komen|zou|zouden|kan|kunnen|mag|mogen|"
    r"ben\s+van\s+plan|zijn\s+van\s+plan|ga\s+ik|gaan\s+we|gaan\s+wij|zal\s+ik|wil\s+ik"
)
_MODAL_FRAME = re.compile(rf"(?<!\w)(?:{_MODAL})\s+(?:om\s+)?{_GAP}\s+(?:te\s+)?(?P<tail>{_KILL_STRONG})(?!\w)")
_PLACE_VERBS = re.compile(
    r"opblazen|op\s+blazen|in\s+de\s+fik|in\s+brand|ophangen|aanvallen|platbranden|plat\s+branden|afbranden|af\s+branden"
)
_NOT_KILLED = _words(
    "tijd verveling bacterien bacteriën virus virussen onkruid vliegen muggen sfeer gesprek pesten "
    "racisme discriminatie armoede"
)

# Killed, as a participle: "moeten vernietigd worden", "zouden opgehangen moeten worden".
_KILLED = (
    r"vergast|afgemaakt|vermoord|opgehangen|opgeknoopt|doodgeschoten|neergeschoten|afgeschoten|neergeknald|"
    r"afgeknald|afgeslacht|uitgeroeid|uitgemoord|vernietigd|verbrand|ge[eë]xecuteerd|gefusilleerd|gelyncht|onthoofd|"
    r"doodgeslagen|doodgestoken|neergestoken|gemarteld|weggevaagd|omgebracht|kapotgeslagen|in\s+elkaar\s+geslagen"
)
_MUST_DIE = re.compile(
    r"(?<!\w)(?:moet|moeten|mag|mogen|zou|zouden|horen|hoort)\s+(?:(?:echt|gewoon|allemaal|nu|ook|maar|eens|wel|gerust|"
    r"best|van\s+mij|wat\s+mij"
    r"\s+betreft|stuk\s+voor\s+stuk|een\s+voor\s+een|en\s+masse|massaal|direct|meteen)\s+)*"
    r"(?:dood|sterven|creperen|verrekken|branden\s+in\s+de\s+hel|(?:in|naar)\s+de\s+(?:gaskamer|oven)|"
    rf"(?:{_KILLED})\s+(?:moeten\s+|te\s+)?worden|worden\s+(?:{_KILLED}))"
    r"(?!\w)"
)
_DEATH_WISH = re.compile(
    r"(?<!\w)(?:ik\s+hoop\s+dat|hopelijk|ik\s+wens\s+dat)\s+" + _GAP + r"\s+(?P<tail>doodgaat|dood\s+gaat|sterft|"
    r"crepeert|verrekt|kanker\s+krijgt|onder\s+een\s+(?:trein|auto|bus|tram|vrachtwagen)\s+(?:komt|valt)|"
    r"verongelukt|verdrinkt|in\s+de\s+hel\s+brandt|wordt\s+vermoord|wordt\s+doodgeschoten|neergestoken\s+wordt|"
    r"vermoord\s+wordt|doodgeschoten\s+wordt|doodgaan|dood\s+gaan|sterven|creperen|verrekken|kanker\s+krijgen|"
    r"verongelukken|verdrinken|verzuipen|in\s+de\s+hel\s+branden|(?:worden|wordt)\s+(?:" + _KILLED + r")|"
    r"(?:" + _KILLED + r")\s+(?:worden|wordt))(?!\w)"
    r"|(?<!\w)(?:dood\s+aan|death\s+to)\s+(?P<gap2>(?:[\w'’-]+\s+){0,3}[\w'’-]+)"
    r"|(?<!\w)(?:verdient|verdienen|verdien)\s+(?:het\s+)?(?:om\s+)?(?:de\s+dood|te\s+sterven|dood\s+te\s+gaan|"
    r"een\s+kogel|een\s+mes|de\s+kogel|(?:verkracht|vermoord|doodgeschoten|neergestoken|opgehangen|in\s+elkaar\s+"
    r"geslagen|afgemaakt|vergast)\s+te\s+worden)(?!\w)"
    r"|(?<!\w)een\s+kogel\s+(?:door|in)\s+(?:je|jouw|zijn|haar|hun|z'n|d'r)\s+(?:kop|hoofd|harses|lijf|kanker\s*kop)"
    r"|(?<!\w)(?:hang\s+jezelf\s+op|ga\s+je(?:zelf)?\s+ophangen|spring\s+(?:maar\s+)?(?:van|voor)\s+(?:een|de)\s+"
    r"(?:brug|flat|trein)|kill\s+your\s*self|kys)(?!\w)"
)
_GO_DIE = re.compile(
    r"(?<![\w'])(?<!ik\s)(?<!we\s)(?<!k\s)ga\s+(?:toch\s+|lekker\s+|maar\s+|gewoon\s+|jij\s+)?dood"
    r"(?!\s+van)(?!\w)"
)
_WEAPON = re.compile(
    r"(?<!\w)(?:mes|messen|pistool|pistolen|geweer|geweren|vuurwapen|vuurwapens|wapen|wapens|ak-?47|kalasj\w*|glock|"
    r"revolver|machete|bijl|honkbalknuppel|boksbeugel|stanleymes|bom|bommen|explosief|explosieven|molotov\w*|"
    r"brandbom|benzine|gun|guns|knife|rifle|bomb|bombs|strap|straps|(?:keuken|vlees|zak|kap|steek|slagers|jacht|"
    r"vlinder|bowie)mes|\w*geweer|(?:alarm|gas)pistool|hamer|zuur|jerrycan|baksteen|knuppel|handgranaat|granaat|"
    r"taser|vuurwerkbom|nunchaku|knuppels|hamers|bijlen|boksbeugels|granaten|handgranaten|munitie|kogels|"
    r"machetes|honkbalknuppels|vuurwerkbommen|klapper|klappers|aanstekers\s+en\s+spiritus|spiritus)(?!\w)"
)
_FIREARM_OR_BOMB = re.compile(
    r"(?<!\w)(?:bom|bommen|explosief|explosieven|brandbom|bomb|bombs|molotov\w*|pistool|pistolen|\w*geweer|"
    r"geweren|vuurwapen|vuurwapens|ak-?47|kalasj\w*|glock|revolver|strap|straps|gun|guns|rifle|handgranaat|granaat)(?!\w)"
)
_WHEN = re.compile(
    r"(?<!\w)(?:morgen|vandaag|vanavond|vanmiddag|vannacht|straks|maandag|dinsdag|woensdag|donderdag|vrijdag|"
    r"zaterdag|zondag|volgende\s+(?:week|keer)|laatste\s+schooldag|na\s+(?:school|de\s+les)|in\s+de\s+pauze|"
    r"om\s+\d{1,2}(?:[.:]\d\d)?\s*uur|\d{1,2}[:.]\d\d|tomorrow|monday|tuesday|"
    r"wednesday|thursday|friday|tonight)(?!\w)"
)
_INTENT = re.compile(
    r"(?<!\w)(?:ik|k|we|wij|i|i'm|ik\s+ga|we\s+gaan)\s+(?:\w+\s+){0,2}(?:kom|komen|neem|nemen|breng|brengen|ga|gaan|"
    r"zal|zullen|heb|hebben|leg|leggen|bring|take|will|gonna|plant|planten|verstop|verstoppen)(?!\w)"
    r"|(?<!\w)(?:ligt|liggen)\s+(?:\w+\s+){0,3}(?:een\s+)?(?:bom|bommen|explosief|explosieven)(?!\w)"
    r"|(?<!\w)(?:bom|bommen|explosief|explosieven)\s+(?:ligt|liggen|gelegd|geplaatst|verstopt)(?!\w)"
)
_PLACE_WORD = re.compile(r"(?<!\w)(?:" + "|".join(sorted(_PLACES, key=len, reverse=True)) + r")(?!\w)")
_NOT_A_WEAPON = re.compile(
    r"(?<!\w)(?:taart|brood|appel|fruit|koken|kookles|knutselen|techniek|handvaardigheid|snijplank|boter|"
    r"toneel\w*|musical|nep|speelgoed|water|de\s+bom\s+(?:was|is)|was\s+de\s+bom|is\s+de\s+bom|als\s+een\s+bom|"
    r"(?:is|was|echt|zo|super|gewoon)\s+(?:echt\s+|zo\s+)?(?:de\s+)?bom|waterpistool\w*|"
    r"geen\s+(?:\w+\s+)?(?:messen|mes|wapens|wapen|vuurwerk)|\w*verbod\w*|verboden|niet\s+toegestaan|"
    r"bom\s+(?:geld|duiten|huiswerk|werk)|knallend|bommetje)(?!\w)"
)
_ARSON_PLACE = re.compile(
    r"(?<!\w)(?:gaat|gaan|zal|zullen|moet|moeten|gaat\s+het)\s+(?:\w+\s+){0,4}(?:in\s+de\s+fik|in\s+brand|in\s+de\s+hens|"
    r"in\s+vlammen\s+op|de\s+lucht\s+in|ontploffen)(?!\w)"
)
_ENGLISH = re.compile(
    r"(?<!\w)(?:i'?ll|i\s+will|i'?m\s+(?:going\s+to|gonna)|i\s+am\s+going\s+to|gonna|we'?ll|we\s+will|we\s+are\s+going"
    r"\s+to|we're\s+gonna)\s+(?:\w+\s+)?(?:kill|shoot|stab|murder|bomb|blow\s+up|burn\s+down|beat\s+up|hurt)\s+"
    r"(?:you|him|her|them|everyone|everybody|all|the|that|this|my|his|ur|u)(?!\w)"
    r"|(?<!\w)shoot\s+up\s+(?:the|this|that|my|our)\s+school(?!\w)"
    r"|(?<!\w)bring(?:ing)?\s+a\s+(?:gun|knife|bomb)\s+to\s+school(?!\w)"
)


def _tokens(gap: str) -> list[str]:
    return re.findall(r"[\w'’-]+", gap)


def _capitalised_name(doc: _Doc, start: int, end: int) -> bool:
    """A word in the span that starts with a capital in the original text and does not open the sentence."""
    sentence_start = doc.sentence(start)[0]
    for m in re.finditer(r"[\w'’-]+", doc.f[start:end]):
        pos = start + m.start()
        if pos == sentence_start:
            continue
        original = doc.original_span(pos, pos + 1)[0]
        if original < len(doc.text) and doc.text[original].isupper():
            return True
    return False


_GROUPS = _word_set("groepen")  # "alle moslims", "elke lesbienne": whole words only


def _is_person(word: str) -> bool:
    if word in _GROUPS:
        return True
    return any(word == stem or (word.startswith(stem) and len(word) - len(stem) <= 3) for stem in _PERSON_STEMS)


def _target(doc: _Doc, gap_start: int, gap_end: int, places: bool = False) -> bool:
    """Is the gap a person (or, with ``places``, a place)? Pronoun alone (with adverbs), a role, a group, a
    capitalised name or a body part; never oneself, never a thing ("je huiswerk", "mijn werkstuk")."""
    words = [w.replace("’", "'") for w in _tokens(doc.f[gap_start:gap_end]) if w not in _SUBJECTS]
    if not words or any(w in _SELF for w in words[:2]):
        return False
    content = [w for w in words if w not in _ADVERBS and w not in _DETERMINERS]
    if words[0] in _PRONOUNS and all(w in _ADVERBS or w in _PRONOUNS for w in words[1:]):
        return True
    if any(_is_person(w) or w in _BODY for w in content):
        return True
    if places and any(w in _PLACES or w.endswith(("school", "college", "lyceum")) for w in content):
        return True
    if words[0] in _POSSESSIVES and len(words) > 1:
        return False  # "je huiswerk", "zijn fiets": a thing that belongs to someone
    return bool(content) and _capitalised_name(doc, gap_start, gap_end)


def _hits_in(
    doc: _Doc,
    pattern: re.Pattern[str],
    rule: str,
    start: int,
    end: int,
    places: bool = False,
    strong_only: bool = False,
) -> Iterator[_Hit]:
    for m in pattern.finditer(doc.f, start, end):
        gap_start, gap_end = m.span("gap")
        tail = m.group("tail")
        words = _tokens(m.group("gap"))
        if strong_only and any(w in _NOT_KILLED for w in words):
            continue
        is_place_verb = bool(_PLACE_VERBS.match(tail)) if strong_only else places
        if not _target(doc, gap_start, gap_end, places=is_place_verb):
            continue
        flags = _GAME_ONLY if _LETHAL_ACT.fullmatch(tail) else _SPEL
        yield _Hit(f"bedreiging.{rule}", STRONG, m.start(), m.end(), flags, rule)


def threat_hits(doc: _Doc) -> list[_Hit]:
    """Threat evidence from the grammar, sentence by sentence (folded positions)."""
    hits: list[_Hit] = []
    for start, end in doc.sentences:
        for pattern in _SEPARABLE:
            hits.extend(_hits_in(doc, pattern, "scheidbaar_werkwoord", start, end))
        for pattern in _AT_PLACE:
            hits.extend(_hits_in(doc, pattern, "plaats_aanval", start, end, places=True))
        hits.extend(_hits_in(doc, _MODAL_FRAME, "voornemen", start, end, strong_only=True))
        hits.extend(_death_wishes(doc, start, end))
        hits.extend(_weapons(doc, start, end))
        hits.extend(
            _Hit("bedreiging.engels", STRONG, m.start(), m.end(), _SPEL, "engels")
            for m in _ENGLISH.finditer(doc.f, start, end)
        )
    from models.patterns.violence import violence_hits  # violence builds on this module's target words

    return hits + arson_hits(doc) + violence_hits(doc)


def _death_wishes(doc: _Doc, start: int, end: int) -> Iterator[_Hit]:
    for m in _MUST_DIE.finditer(doc.f, start, end):
        before = doc.f[max(start, m.start() - 80) : m.start()]
        if _target(doc, m.start() - len(before), m.start()) or any(w in _PRONOUNS for w in _tokens(before)[-3:]):
            yield _Hit("bedreiging.moet_dood", STRONG, m.start(), m.end(), _SPEL, "moet_dood")
    for m in _DEATH_WISH.finditer(doc.f, start, end):
        if m.group("gap") is not None and not _target(doc, *m.span("gap")):
            continue
        yield _Hit("bedreiging.doodswens", STRONG, m.start(), m.end(), _SPEL, "doodswens")
    for m in _GO_DIE.finditer(doc.f, start, end):
        yield _Hit("bedreiging.doodswens", 0.75, m.start(), m.end(), _SPEL, "doodswens")


_WEAPON_EMOJI = re.compile("🔫|🔪|🧨|🗡")


def _weapons(doc: _Doc, start: int, end: int) -> Iterator[_Hit]:
    weapon = _WEAPON.search(doc.f, start, end)
    if weapon is None and _WEAPON_EMOJI.search(doc.f, start, end):
        # An emoji stands apart from its sentence ("vrijdag 3e uur lokaal 2.14, komen jullie allemaal? 🔫"): the
        # place and the time are looked for in the whole post.
        weapon, start, end = _WEAPON_EMOJI.search(doc.f, start, end), 0, len(doc.f)
    if weapon is None or _NOT_A_WEAPON.search(doc.f, start, end):
        return
    place = _PLACE_WORD.search(doc.f, start, end) or _capitalised_school(doc, start, end)
    intent = _INTENT.search(doc.f, start, end) or _WHEN.search(doc.f, start, end)
    firearm_or_bomb = _FIREARM_OR_BOMB.search(doc.f, start, end)
    found = [m for m in (weapon, place, intent) if m is not None]
    span = (min(m.start() for m in found), max(m.end() for m in found))  # covers what made it a threat
    if (place and intent) or (firearm_or_bomb and (place or intent)):
        yield _Hit("bedreiging.wapen_plaats_tijd", STRONG, *span, _SPEL, "wapen")
    elif place or intent:
        yield _Hit("bedreiging.wapen_op_school", WEAPON_AT_PLACE, *span, _SPEL, "wapen")


_PLACE_PREPOSITION = re.compile(r"(?<!\w)(?:naar|op|in|bij|binnen)\s+(?:het\s+|de\s+)?(?P<name>[\w'-]+)")


def _capitalised_school(doc: _Doc, start: int, end: int) -> re.Match[str] | None:
    """'naar het Dennenrode College', 'op De Regenboog': a capitalised name after a place preposition."""
    for m in _PLACE_PREPOSITION.finditer(doc.f, start, end):
        pos = m.start("name")
        original = doc.original_span(pos, pos + 1)[0]
        if original < len(doc.text) and doc.text[original].isupper():
            return m
    return None


def arson_hits(doc: _Doc) -> list[_Hit]:
    """'vanavond gaat het Zilvermeer in brand': a place set on fire or blown up, said as something to come."""
    hits = []
    for start, end in doc.sentences:
        for m in _ARSON_PLACE.finditer(doc.f, start, end):
            aimed = (
                _PLACE_WORD.search(doc.f, start, end)
                or _capitalised_school(doc, start, end)
                or _capitalised_name(doc, start, end)
            )
            if aimed and not re.search(r"brandoefening|oefening|brandweer|brandalarm", doc.f[start:end]):
                hits.append(_Hit("bedreiging.brand_aanslag", STRONG, m.start(), m.end(), _SPEL, "brand"))
    return hits
