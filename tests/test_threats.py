"""Dutch threat grammar (models/patterns/threats.py): explicit threats are found whatever sits between verb and
particle; idioms, game talk and ordinary school life are not."""

from __future__ import annotations

import pytest

from models.patterns import find_evidence

FLAG = 0.7  # the bedreiging threshold's neighbourhood: a strong rule alone must clear it


def threat_weight(text: str) -> float:
    return max((e.weight for e in find_evidence(text)["bedreiging"]), default=0.0)


@pytest.mark.parametrize(
    "text",
    [
        "Ik maak die directeur van het Dennenrode College af.",
        "Morgen kom ik met een mes naar het Dennenrode College, let maar op.",
        "ik steek meester Bart morgen neer",
        "we slaan die brugger na school in elkaar",
        "ik schiet die hele klas overhoop",
        "ik ga die mentor afmaken",
        "ik wil alle docenten van het Zilvermeer doden",
        "juf Sanne moet dood",
        "die conrector moet echt dood",
        "ik hoop dat juf Sanne doodgaat",
        "dood aan die conrector",
        "ik steek die school in de fik",
        "vanavond gaat het Zilvermeer in brand",
        "er ligt een bom in de aula",
        "ik blaas die school op",
        "ik maak je kapot wallah",
        "k steek je neer",
        "ik sla je kop in elkaar",
        "ik neem maandag het pistool van m'n oom mee naar school",
        "ik leg die gymleraar om",
        "i will kill you all at school tomorrow",
        "im gonna shoot up the school",
        "Ik ga die leerkracht kapotslaan",
        "ik ga Daan vermoorden",
    ],
)
def test_explicit_threats_are_strong_evidence(text: str) -> None:
    assert threat_weight(text) >= FLAG, find_evidence(text)["bedreiging"]


@pytest.mark.parametrize(
    "text",
    [
        "Mijn dochter heeft het erg naar haar zin op het Dennenrode College.",
        "die toets was moordend",
        "ik ga dood van het lachen",
        "ik lach me dood om meester Bart",
        "ik maak je af met Fortnite vanavond",
        "ik maak mijn werkstuk vanavond af",
        "we maken het schooljaar goed af",
        "maak je huiswerk af",
        "die wiskundetoets maakt me kapot",
        "het schoolfeest was de bom",
        "schiet op, de bus gaat zo",
        "we hebben ze ingemaakt, 5-0 tegen het Stedelijk",
        "brandoefening vandaag op school",
        "ik wil de tijd doden in het tussenuur",
        "de school wil pesten uitroeien",
        "ik steek mijn hand op in de les",
        "ik ga niet dood maar het was wel zwaar",
    ],
)
def test_idioms_and_school_life_are_not_threats(text: str) -> None:
    assert threat_weight(text) < 0.5, find_evidence(text)["bedreiging"]


def test_threat_evidence_points_at_the_threat() -> None:
    text = "Leuke sportdag gehad. Ik maak die directeur van het Dennenrode College af."
    (hit,) = [e for e in find_evidence(text)["bedreiging"] if e.weight >= FLAG]
    assert hit.rule == "bedreiging.scheidbaar_werkwoord"
    assert text[hit.span[0] : hit.span[1]].startswith("maak die directeur") if hit.span else False


def test_a_weapon_at_school_without_intent_is_only_for_a_human_look() -> None:
    weight = threat_weight("Leerling met mes aangehouden bij school in Zwolle")
    assert 0.3 <= weight < FLAG


# Violent intent (models/patterns/violence.py): an act, a target near it and a sign it is meant. Sentences written
# for this test, in shapes the fixed verb frames miss.
@pytest.mark.parametrize(
    "text",
    [
        "die conciërge komt vanavond niet levend thuis",
        "meester Jan ligt morgen in het ziekenhuis, reken maar",
        "de brugklassers worden na de les geklapt",
        "wij gaan die sukkel uit 2c afkloppen bij de fietsen",
        "ik verzuip die gymleraar in het zwembad",
        "de docent Frans moet dood, echt waar",
        "ik ga met een knuppel achter die mentor aan",
        "volgende week vliegt de aula van het Baken de lucht in",
        "wie die rector in elkaar trapt krijgt 20 euro van me",
        "op de sportdag ga ik iedereen neersteken",
        "ik hoop dat de hele klas van meneer Kok verongelukt op schoolreis",
        "na school pak ik je, en dan ga je het voelen",
        "kill all teachers at het Baken",
    ],
)
def test_violent_intent_in_free_word_order_is_strong_evidence(text: str) -> None:
    assert threat_weight(text) >= 0.8, (text, find_evidence(text)["bedreiging"])


@pytest.mark.parametrize(
    "text",
    [
        "de klok slaat drie en de les is voorbij",
        "ouders slaan alarm over de drukte bij de school",
        "ik sla de eerste les over morgen",
        "die docent klapt uit de school over het nieuwe rooster",
        "we gaan de koppen bij elkaar steken met de mentor",
        "vanavond ga ik mijn werkstuk afmaken en dan slapen",
        "ik lag dubbel, ik ging dood van het lachen bij de juf",
        "we zijn ingemaakt door het Baken, 5-0",
        "ik heb die mentor gisteren gesproken, hij was heel aardig",
        "bij natuurkunde liet de docent een ballon ontploffen, te gek",
        "ik maak je af in Fortnite vanavond",
    ],
)
def test_violent_words_in_ordinary_school_life_are_not_strong(text: str) -> None:
    assert threat_weight(text) < 0.8, (text, find_evidence(text)["bedreiging"])


@pytest.mark.parametrize(
    "text",
    [
        "een leerling werd gisteren neergestoken bij het station, meldt de politie",
        "in de film vermoordt de leraar een leerling",
        "ik heb die man vermoord, zei de verdachte tegen de rechter",
    ],
)
def test_reports_of_violence_are_for_a_human_look_not_a_flag(text: str) -> None:
    assert 0.0 < threat_weight(text) < 0.8, (text, find_evidence(text)["bedreiging"])


@pytest.mark.parametrize(
    "text",
    [
        "Ik steek elke lesbienne die ik tegenkom neer.",
        "Die vluchtelingen moeten vernietigd worden.",
        "Alle asielzoekers zouden opgehangen moeten worden.",
        "Ik hoop dat alle Turken verrekken.",
        "Hang al die christenen op.",
        "Zet die Marokkanen tegen de muur.",
        "Joden horen in de gaskamer.",
        "Ik wil alle trans personen dood hebben.",
        "Die conciërge moet je gewoon kapotschoppen.",
    ],
)
def test_threats_against_groups_and_normative_threats_are_strong(text: str) -> None:
    assert threat_weight(text) >= 0.9, text


@pytest.mark.parametrize(
    "text",
    [
        "Hang je jas op aan de kapstok.",
        "Ik maak vanavond de roman af voor Nederlands.",
        "Zeggen dat moslims dood moeten is walgelijk.",
        "Geweld tegen homo's moet stoppen.",
        "De oude school moet gesloopt worden.",
        "Ik heb niks tegen vluchtelingen.",
        "Zet de tafels tegen de muur voor het examen.",
    ],
)
def test_group_words_alone_or_a_thing_in_the_frame_are_not_threats(text: str) -> None:
    assert threat_weight(text) < 0.7, text


@pytest.mark.parametrize(
    "text",
    [
        "walgelijk dat iemand op twitter schreef dat alle moslims dood moeten",
        "hoe durf je te zeggen dat vluchtelingen moeten verdrinken??",
        "dat bericht dat iemand de school wou opblazen was nep, zegt de politie",
        "mijn vader vermoordt me als hij mijn rapport ziet lol",
        "die docent gaat ons vermoorden met die opdracht van 200 regels",
        "gaat iemand mee lasergamen na school? ik schiet jullie allemaal af haha",
        "nieuwe gymzaal is echt bom 💣",
    ],
)
def test_disowned_quotes_and_hyperbole_about_oneself_are_only_for_a_human_look(text: str) -> None:
    assert threat_weight(text) < 0.7, text


@pytest.mark.parametrize(
    "text",
    [
        "hij zei dat hij me morgen komt neersteken",  # a threat passed on, not disowned
        "mijn vader zei dat hij me vermoordt als ik het aan de juf vertel",  # no laugh: could be abuse
        "Leuke sportdag gehad. Ik maak die directeur van het Dennenrode College af.",
        "die docent geschiedenis ga ik afschieten vanaf het dak van de gymzaal",
    ],
)
def test_threats_next_to_those_words_stay_strong(text: str) -> None:
    assert threat_weight(text) >= 0.85, text


@pytest.mark.parametrize(
    "text",
    [
        "De conciërge van OBS De Vlinder mag wel dood.",
        "Al die feministen verdienen het om verkracht te worden",
        "🔪🔪🔪 Vossenberg Lyceum 🔪🔪🔪 dinsdag",
        "je bent gemarkeerd broer, zeg maar doei tegen je knieën",
        "Ik heb een lijst met 12 namen. Als ik van school word gegooid zijn zij de eerste.",
        "Er zal bloed vloeien op het Lindenhof College.",
        "Ze zouden die hele school moeten platbranden met alle leraren erin.",
        "Leuke tuin heeft hij trouwens, daar in de Berkstraat. Zou jammer zijn als daar iets mee gebeurt.",
        "hey verrader, je bent nergens meer veilig. niet op school, niet thuis",
        "vanaf nu kijkt ge beter over uwe schouder als ge naar huis fietst",
        "dit wordt je laatste week op het Zuiderpoort, geniet er maar van",
        "geen idee wat er vrijdag gebeurt maar ik zou niet in de kantine gaan zitten als ik jullie was",
    ],
)
def test_veiled_and_normative_threats_are_strong(text: str) -> None:
    assert threat_weight(text) >= 0.85, text


@pytest.mark.parametrize(
    "text",
    [
        "Nieuwsbrief: vanaf maandag mogen er geen messen meer mee naar school.",
        "Wie heeft die brownies bij de kantine gemaakt? Echt de bom",
        "Ik vermoord mijn broertje als hij nog 1x mijn oplader pakt lol",
        "de zon gaat branden vandaag op het schoolplein",
        "morgen neem ik afscheid van mijn klas, laatste dag op school",
        'Als iemand jou dreigt met "ik kom je halen": maak een screenshot en vertel het aan je mentor.',
        "zou jammer zijn als de musical niet doorgaat",
        "dit wordt mijn laatste schooljaar, ik ga het missen",
        "voor je eigen veiligheid: draag een helm op de fiets naar school",
    ],
)
def test_bans_praise_and_advice_are_not_strong(text: str) -> None:
    assert threat_weight(text) < 0.7, text
