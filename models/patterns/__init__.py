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

__all__ = [
    "CATEGORIES",
    "LEXICON_DIR",
    "Evidence",
    "bsn_valid",
    "find_evidence",
    "fold",
    "iban_valid",
    "mask",
]

from models.patterns.categories import (
    _NEGATABLE,
    _bedreiging,
    _beeldmateriaal,
    _compliment,
    _ervaring,
    _kleineren,
    _onjuistheid,
    _pesten,
    _to_evidence,
    about_the_harm,
)
from models.patterns.document import _apply_negation, _dedupe, _Doc, _lexicon_hits
from models.patterns.evidence import CATEGORIES, LEXICON_DIR, Evidence
from models.patterns.folding import fold
from models.patterns.lexicon import _CATEGORY_LEXICONS
from models.patterns.person_data import _personal_evidence
from models.patterns.personal import bsn_valid, iban_valid, mask
from models.patterns.threats import threat_hits


def hyperbole_or_news(text: str) -> bool:
    """An idiom or plain news the learned model mistakes for a threat or bullying ("ik ga dood van het lachen",
    "die toets was moordend", "meldt de politie"); see lexicons/overdrijving.txt."""
    from models.patterns.folding import fold
    from models.patterns.lexicon import _HYPERBOLE

    return bool(_HYPERBOLE.search(fold(text or "")))


def quoted_to_condemn(text: str) -> bool:
    """A sentence quotes or reports someone's threat to condemn, report or defuse it ("walgelijk dat iemand schreef
    dat alle moslims dood moeten"); see models/patterns/not_a_threat.py."""
    from models.patterns.not_a_threat import disowned_quote

    doc = _Doc(text or "")
    return any(disowned_quote(doc, s, e) for s, e in doc.sentences)


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
        hits["bedreiging"] = _dedupe(hits["bedreiging"] + threat_hits(doc), keep_stronger_inside=True)
        _bedreiging(doc, hits["bedreiging"])
        _beeldmateriaal(doc, hits["beeldmateriaal"], has_media)
        for category in ("pesten", "bedreiging", "seksuele_intimidatie"):
            about_the_harm(doc, category, hits[category])
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
