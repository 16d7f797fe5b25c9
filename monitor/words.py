"""Counted Dutch nouns for messages: "1 bericht", "3 berichten", never "1 bericht(en)"."""

from __future__ import annotations

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
}


def count(n: int, noun: str) -> str:
    """``n`` with ``noun`` in the singular for exactly one, else its plural from :data:`NOUNS`."""
    return f"{n} {noun if n == 1 else NOUNS.get(noun, noun)}"


def number(n: int) -> str:
    """A whole number the Dutch way, with dots between thousands: 5.000.000."""
    return f"{n:,}".replace(",", ".")
