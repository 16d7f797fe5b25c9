"""Dutch place names, to tell one "De Wegwijzer" from another.

Many schools share a name; a post that puts the name right next to another place ("De Wegwijzer in Zwolle-Zuid",
"De Wegwijzer (Zwolle)") is about another school, unless it names the school's own town too. The list holds the
woonplaatsen and gemeenten of the BAG (``plaatsen.txt``, with its source). Places that are also everyday Dutch words
or common surname parts ("Best", "Een", "Echt", "Dieren", "Veen") are left out, and a place only counts when it is
written with a capital, as names are: "best leuk" is no place.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources

# Place names that are also ordinary words or surname parts; they would veto real posts.
COMMON_WORDS = frozenset({
    "aalst", "amen", "ane", "baak", "balk", "bant", "beek", "beers", "bergen", "bern", "best", "boer", "born",
    "broek", "buren", "dieren", "doorn", "echt", "ee", "een", "eind", "elim", "ens", "erm", "est", "gieten", "goes",
    "groet", "hall", "halle", "haren", "heel", "heide", "helden", "hem", "hoek", "hoeven", "hoorn", "horn", "horst",
    "kaag", "kats", "leek", "lent", "lies", "linde", "linden", "loo", "loon", "made", "marken", "mill", "monster",
    "nederland", "neer", "nes", "noorden", "oranje", "punt", "putten", "reek", "rien", "sluis", "spui", "veen",
    "vries", "waal", "well", "wier", "wijk",
})
# Words that may stand between a school's name and the place it is in: "De Wegwijzer in Zwolle", "... uit Zwolle".
LINKS = frozenset({"in", "uit", "te", "aan", "bij", "op", "de", "het", "den", "van"})
# Words that may stand between a place written first and the school's name: "Zwolle - basisschool De Wegwijzer".
SCHOOL_TYPES = frozenset({"basisschool", "school", "obs", "cbs", "rkbs", "pcbs", "ikc", "kindcentrum", "sbo", "so",
                          "vso", "openbare", "christelijke", "katholieke"})
WINDOW = 3  # how many tokens after the name a place may come and still belong to it


@cache
def places() -> dict[str, list[tuple[str, ...]]]:
    """First folded token -> the folded token sequences of the place names that start with it."""
    from monitor.matching import fold

    text = resources.files("monitor.places").joinpath("plaatsen.txt").read_text(encoding="utf-8")
    index: dict[str, list[tuple[str, ...]]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        tokens = tuple(fold(line).split())
        if tokens and " ".join(tokens) not in COMMON_WORDS:
            index.setdefault(tokens[0], []).append(tokens)
    return index


def place_at(tokens: Sequence[str], cased: Sequence[str], i: int) -> tuple[str, int]:
    """The place name starting at token ``i`` (written with a capital) and its length in tokens; ("", 0) if none."""
    best: tuple[str, int] = ("", 0)
    if not cased[i][:1].isupper():
        return best
    for candidate in places().get(tokens[i], []):
        n = len(candidate)
        if tuple(tokens[i:i + n]) == candidate and n > best[1]:
            best = (" ".join(candidate), n)
    return best


def places_next_to(tokens: Sequence[str], cased: Sequence[str], start: int, end: int) -> dict[str, str]:
    """Places right after the name at tokens [start, end) (up to WINDOW tokens on, only link words between) or
    right before it: folded name -> the name as written."""
    found: dict[str, str] = {}
    i = end
    while i < min(len(tokens), end + WINDOW):
        name, n = place_at(tokens, cased, i)
        if name:
            found[name] = " ".join(cased[i:i + n])
            break
        if tokens[i] not in LINKS:
            break
        i += 1
    for j in range(max(0, start - WINDOW - 2), start):  # "Zwolle: De Wegwijzer", "Zwolle - basisschool De ..."
        name, n = place_at(tokens, cased, j)
        if name and j + n <= start and all(t in SCHOOL_TYPES for t in tokens[j + n:start]):
            found[name] = " ".join(cased[j:j + n])
    return found
