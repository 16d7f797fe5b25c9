"""Dutch for messages: counted nouns ("1 bericht", never "1 bericht(en)"), numbers with thousands dots, and other
libraries' English texts rewritten."""

from __future__ import annotations

import re

NOUNS = {
    "bericht": "berichten",
    "rij": "rijen",
    "digest": "digests",
    "veiligheidsmelding": "veiligheidsmeldingen",
    "veiligheidssignaal": "veiligheidssignalen",
    "adres": "adressen",
    "school": "scholen",
    "bron": "bronnen",
    "probleem": "problemen",
    "waarschuwing": "waarschuwingen",
    "punt": "punten",
    "tekst": "teksten",
    "taak": "taken",
}


def count(n: int, noun: str) -> str:
    """``n`` with ``noun`` in the singular for exactly one, else its plural from :data:`NOUNS`."""
    return f"{n} {noun if n == 1 else NOUNS.get(noun, noun)}"


def number(n: int) -> str:
    """A whole number the Dutch way, with dots between thousands: 5.000.000."""
    return f"{n:,}".replace(",", ".")


def rewrite(text: str, phrases: list[tuple[re.Pattern[str], str]]) -> str:
    """``text`` with each (compiled pattern, replacement) applied in order: a library's English, in Dutch."""
    for pattern, dutch in phrases:
        text = pattern.sub(dutch, text)
    return text


def compiled(phrases: list[tuple[str, str]], flags: int = 0) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(pattern, flags), dutch) for pattern, dutch in phrases]
