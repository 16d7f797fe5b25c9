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
