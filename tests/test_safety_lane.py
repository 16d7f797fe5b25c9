"""The safety lane's rules around the learned scores (models/classifier.py), without loading the encoder."""

from __future__ import annotations

import json

import pandas as pd

from models.classifier import (
    MODEL_ONLY,
    POSSIBLE_FACTOR,
    PostInput,
    consistent_sentiment,
    score_categories,
    segments,
)
from monitor.digest.sections import Thresholds, sort_posts

THRESHOLDS = {"bedreiging": 0.7, "persoonsgegevens": 0.5, "pesten": 0.85, "compliment": 0.7}


def test_a_grammar_threat_is_flagged_even_when_the_model_sees_nothing() -> None:
    result = score_categories(PostInput("Ik maak die directeur van het Dennenrode College af."), {}, THRESHOLDS, 0.5)
    threat = result["bedreiging"]
    assert threat.flagged and threat.evidence[0].startswith("bedreiging.scheidbaar_werkwoord")


def test_a_score_below_the_flag_but_above_the_lower_threshold_is_possible_and_says_it_is_the_model() -> None:
    p = 0.7 * POSSIBLE_FACTOR + 0.05
    result = score_categories(PostInput("Wat een dag was dat."), {"bedreiging": p}, THRESHOLDS, 0.5)
    threat = result["bedreiging"]
    assert not threat.flagged and threat.possible
    assert threat.evidence == (MODEL_ONLY,)


def test_a_high_model_score_alone_flags_a_threat_and_says_so() -> None:
    result = score_categories(PostInput("Wat een dag was dat."), {"bedreiging": 0.95}, THRESHOLDS, 0.5)
    assert result["bedreiging"].flagged and result["bedreiging"].evidence == (MODEL_ONLY,)


def test_personal_data_needs_pattern_evidence() -> None:
    text = "Mijn dochter heeft het erg naar haar zin op het Dennenrode College."
    result = score_categories(PostInput(text), {"persoonsgegevens": 0.99}, THRESHOLDS, 0.5)
    personal = result.get("persoonsgegevens")
    assert personal is None or not (personal.flagged or personal.possible)
    leak = score_categories(PostInput("bel Sanne op 06-12345678"), {"persoonsgegevens": 0.1}, THRESHOLDS, 0.5)
    assert leak["persoonsgegevens"].flagged


def test_non_safety_categories_are_never_possible() -> None:
    result = score_categories(PostInput("Fijne school"), {"compliment": 0.6}, THRESHOLDS, 0.5)
    assert not result["compliment"].possible


def test_segments_split_a_title_from_its_body() -> None:
    assert segments("Kop\n\nDe tekst eronder.") == ["Kop\n\nDe tekst eronder.", "Kop", "De tekst eronder."]
    assert segments("Eén alinea zonder titel.") == ["Eén alinea zonder titel."]
    assert segments("x" * 400 + "\n\nbody") == ["x" * 400 + "\n\nbody"]


def test_a_flagged_post_is_never_positive() -> None:
    probabilities = {"negatief": 0.1, "neutraal": 0.3, "positief": 0.6}
    assert consistent_sentiment("positief", probabilities, ["bedreiging"]) == "negatief"
    assert consistent_sentiment("positief", probabilities, ["beeldmateriaal"]) == "neutraal"
    assert consistent_sentiment("positief", probabilities, ["compliment"]) == "positief"


def test_a_possible_safety_post_is_listed_in_the_safety_section_marked_as_such() -> None:
    posts = pd.DataFrame({
        "post_key": ["a"], "platform": ["x"], "url": ["https://example.org/1"],
        "created_at": pd.to_datetime(["2026-11-23T10:00:00Z"]), "text": ["Pas maar op, jij."],
        "source": ["x"], "week": ["2026-W48"],
    })
    labels = pd.DataFrame({
        "post_key": ["a"], "sentiment": ["neutraal"], "sentiment_score": [0.6],
        "probabilities": [json.dumps({"negatief": 0.3, "neutraal": 0.6, "positief": 0.1})],
        "categories": [json.dumps({"bedreiging": {"score": 0.5, "flagged": False, "possible": True,
                                                  "evidence": ["bedreiging.verhuld: pas maar op"]}})],
        "scored_at": pd.to_datetime(["2026-11-24T10:00:00Z"]),
    })
    result = sort_posts(posts, labels, {}, Thresholds())
    (item,) = result.safety
    assert item.possible and item.group == "bedreiging"
    assert not result.discuss and not result.good
