"""The sentences of an immediate safety alert, in Dutch (default) and English (``language = "en"``).

The protocol's steps, the advice per category and the category names are the safety digest's own
(``monitor/digest/texts.py``), so an alert and the weekly safety e-mail never say different things.
"""

from __future__ import annotations

from typing import Any

NL: dict[str, Any] = {
    "subject": "Direct bekijken: {category} over {school} ({ref})",
    "title": "Veiligheidssignaal",
    "acute": "Bij acuut gevaar: bel 112.",
    "intro": "Vertrouwelijk, alleen voor de veiligheidscontactpersoon van {school}. De monitor vond zojuist een "
             "openbaar bericht dat is gemarkeerd als {categories}. Een mens moet het nu bekijken; het kan ook een "
             "vals alarm zijn.",
    "post": "Het bericht",
    "posted": "Geplaatst",
    "source": "Bron",
    "link": "Link",
    "no_link": "(geen link)",
    "bad_link": "(de link is niet veilig en is weggelaten)",
    "no_text": "(geen tekst)",
    "why": "Waarom gemarkeerd",
    "why_words": "gevonden: \"{words}\"",
    "why_model": "alleen de score van het model, geen woorden of patronen gevonden",
    "score": "score",
    "what_now": "Wat nu",
    "never_online": "Reageer niet online op het bericht, ook niet vanaf een eigen account.",
    "ref": "Kenmerk",
    "once": "U krijgt deze melding één keer. Het bericht staat ook in het wekelijkse veiligheidsoverzicht.",
}

EN: dict[str, Any] = {
    "subject": "Look now: {category} about {school} ({ref})",
    "title": "Safety signal",
    "acute": "In acute danger: call 112.",
    "intro": "Confidential, only for the safety contact of {school}. The monitor just found a public post flagged "
             "as {categories}. A person must look at it now; it can also be a false alarm.",
    "post": "The post",
    "posted": "Posted",
    "source": "Source",
    "link": "Link",
    "no_link": "(no link)",
    "bad_link": "(the link is not safe and was left out)",
    "no_text": "(no text)",
    "why": "Why it was flagged",
    "why_words": "found: \"{words}\"",
    "why_model": "only the model's score, no words or patterns found",
    "score": "score",
    "what_now": "What now",
    "never_online": "Do not reply to the post online, not from a personal account either.",
    "ref": "Reference",
    "once": "You get this alert once. The post is also in the weekly safety digest.",
}


def alert_texts(language: str) -> dict[str, Any]:
    return EN if language == "en" else NL
