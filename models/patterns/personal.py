"""Persoonsgegevens: phone numbers, e-mail, BSN, IBAN, addresses, postcodes, plates, accounts; and ``mask``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.patterns.folding import fold
from models.patterns.lexicon import _EMAIL_ROLES, _GEEN_NAAM, _SCHOOL_NUMBER_CUE

_SEP = r"(?:[ \u00a0]?[.\-/][ \u00a0]?|[ \u00a0])?"
_PHONE_RE = re.compile(
    rf"""
    (?P<prefix>
        (?<![\w+@/=])(?:\+|00)[ \u00a0]?31[ \u00a0.\-]?(?:\(0\)[ \u00a0.\-]?)?   # +31 6..., 0031 6..., +31 (0)6...
      | (?:(?<=wa\.me/)|(?<=phone=)|(?<=phone=\+)|(?<=phone=%2B))31               # WhatsApp links: wa.me/316...
      | (?<![\w+@/=])\(?0                                                       # 06..., (079) ...
    )
    (?P<body>[1-9](?:\)?{_SEP}\d){{8}})
    (?!\d|[.,\-]\d)
    """,
    re.VERBOSE,
)
# Numbering plan: mobile 06, geographic area codes (2 digits, or 3 digits under these heads), non-geographic 08x/09x.
_DUTCH_PREFIXES = (
    "06",
    "010", "013", "015", "020", "023", "024", "026", "030", "033", "035", "036", "038", "040", "043", "045", "046",
    "050", "053", "055", "058", "070", "071", "072", "073", "074", "075", "076", "077", "078", "079",
    "011", "016", "017", "018", "022", "025", "029", "031", "032", "034", "041", "044", "047", "048", "049", "051",
    "052", "054", "056", "057", "059",
    "080", "084", "085", "087", "088", "090", "091", "097",
)  # fmt: skip
_DATE_LIKE = re.compile(r"\(?\d{2}[-/.]\d{2}[-/.](?:\d{4}|\d{2}(?![-/.]?\d))")
_BUSINESS_PREFIXES = ("0800", "0900", "0906", "0909", "088", "0970")
_PERSONAL_NUMBER_CUE = re.compile(
    r"(?<!\w)(?:mijn|m'n|zijn|z'n|haar|d'r|hun|prive|thuis)\s*(?:06|nummer|telefoonnummer|mobiel|tel)"
    r"|(?<!\w)(?:nummer|telefoonnummer|06)\s+van\s+(?!(?:de|het|onze|jullie|deze|die|school)\b)[a-z]"
    r"|(?<!\w)(?:app|bel|sms|whatsapp|bellen|appen)\s+(?:mij|me|hem|haar|ons)(?!\w)"
    r"|(?<!\w)(?:woont|thuisnummer|privenummer)(?!\w)",
    re.IGNORECASE,
)

_EMAIL_RE = re.compile(r"(?<![\w.+\-@%])[\w.+\-%]+@(?:[\w\-]+\.)+[a-zA-Z]{2,24}(?![\w@])")
_FREEMAIL = frozenset(
    {
        "gmail.com", "hotmail.com", "hotmail.nl", "outlook.com", "outlook.nl", "live.nl", "live.com", "icloud.com",
        "me.com", "yahoo.com", "ziggo.nl", "kpnmail.nl", "kpnplanet.nl", "planet.nl", "home.nl", "xs4all.nl",
        "msn.com", "telenet.be", "skynet.be", "proton.me", "protonmail.com", "gmx.net", "online.nl", "upcmail.nl",
    }
)  # fmt: skip

_BSN_RE = re.compile(
    r"(?<![\w.,\-+/@])(?:\d{9}|\d{4}[. \u00a0]\d{2}[. \u00a0]\d{3}|\d{3}[. \u00a0]\d{3}[. \u00a0]\d{3})(?!\w|[.,\-/]\d)"
)
_BSN_CUE = re.compile(
    r"(?<!\w)(?:bsn|bsn-nummer|burger\s*service\s*nummer|burgerservicenummer|sofi\s*-?\s*nummer|sofinummer|"
    r"citizen\s+service\s+number|persoonsnummer|pgn)(?!\w)",
    re.IGNORECASE,
)

_IBAN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ \u00a0]?[A-Za-z0-9]){10,32}")
_IBAN_LENGTHS = {
    "NL": 18, "BE": 16, "DE": 22, "FR": 27, "GB": 22, "ES": 24, "IT": 27, "LU": 20, "AT": 20, "CH": 21,
    "PL": 28, "TR": 26, "PT": 25, "IE": 22, "DK": 18, "SE": 24, "NO": 15, "FI": 18,
}  # fmt: skip
_NL_IBAN_SHAPE = re.compile(r"NL\d{2}[A-Z]{4}\d{10}")

_STREET_ANY_CASE = "straat|laan|gracht|steeg|singel|dreef|kade|plantsoen|boulevard|allee"
_STREET_CAPITAL_ONLY = (
    "weg|dijk|plein|hof|pad|park|markt|haven|wal|dam|veld|baan|ring|erf|kamp|hout|akker|weide|oord|brink"
)
_NOT_A_STREET = frozenset(
    {
        "schoolplein", "speelplein", "fietspad", "voetpad", "voetbalveld", "sportveld", "grasveld", "kunstgrasveld",
        "onderweg", "halverwege", "snelweg", "zijweg", "loopbaan", "ijsbaan", "atletiekbaan", "racebaan", "sportpark",
        "speelpark", "pretpark", "attractiepark", "schoolhof", "speelhof", "kerkhof", "ervaring", "vergadering",
        "verandering", "regering", "aflevering", "bezorging", "levering", "oefening", "wandeling",
    }
)  # fmt: skip
_LETTERS = "a-zà-öø-ÿ"
_CAPS = "A-ZÀ-ÖØ-Þ"
_ADDRESS_RE = re.compile(
    rf"""
    (?<![\w])
    (?P<street>[{_CAPS}][{_LETTERS}'\-]*(?:{_STREET_ANY_CASE}|{_STREET_CAPITAL_ONLY})
              |[{_LETTERS}][{_LETTERS}'\-]*(?:{_STREET_ANY_CASE}))
    [ \u00a0]+
    (?P<number>[1-9]\d{{0,3}}(?:[ \u00a0]?[a-zA-Z](?![\w])|-\d{{1,4}}|[ \u00a0]?(?:hs|bis|huis|bg|zw|rd)\b)?)
    (?![\w])
    (?:[,\u00a0 ]+(?P<postcode>[1-9]\d{{3}}[ \u00a0]?[A-Z]{{2}})(?![\w])
       (?:[,\u00a0 ]+(?P<town>[{_CAPS}][{_LETTERS}'\-]+(?:[ \u00a0\-][{_CAPS}][{_LETTERS}'\-]+)?))?)?
    """,
    re.VERBOSE,
)
_NOT_A_HOUSE_NUMBER = re.compile(
    r"[ \u00a0]*(?:minuten|min|uur|jaar|jaren|keer|leerlingen|kinderen|man|mensen|euro|procent|%|km|meter|m|dagen|"
    r"weken|maanden|stuks|x|graden|lln)(?!\w)",
    re.IGNORECASE,
)
_POSTCODE_RE = re.compile(r"(?<![\w])[1-9]\d{3}(?:[ \u00a0]?[A-Z]{2}|[a-z]{2})(?![\w])")
_NOT_POSTCODE_LETTERS = frozenset(
    {
        "SA", "SD", "SS", "KM", "KG", "MB", "GB", "KB", "TB", "ML", "CL", "DL", "MM", "CM", "PM", "AM", "HZ", "KW",
        "EU", "NL", "BE", "CO", "PC", "TV", "HD", "UK", "US", "OK", "AD", "BC", "MG", "GR", "CC", "PS", "XL", "XS",
        "ST", "ND", "RD", "TH",
    }
)  # fmt: skip
_SCHOOL_PLACE_CUE = re.compile(
    r"(?<!\w)(?:school|locatie|vestiging|ingang|hoofdingang|achteringang|gebouw|sporthal|gymzaal|aula|college|lyceum|"
    r"gymnasium|basisschool|obs|cbs|campus|ouderavond|open dag|informatieavond|dependance|noodlokalen)(?!\w)"
)
_RESIDENCE_CUE = re.compile(r"(?<!\w)(?:woont|woonde|wonen|woon|adres|huis|thuis|address|lives|woonachtig)(?!\w)")
# Only "adres" in the cue, a school named beside it and no person the address belongs to: the school's own address
# ("Nieuw adres vanaf 1 september: OBS De Kwikstaart, ..."), not "Adres van de rector van Stedelijk College: ...".
_HOME_CUE = re.compile(r"(?<!\w)(?:woont|woonde|wonen|woon|huis|thuis|lives|woonachtig|privé\w*|prive\w*)(?!\w)")
_OWNER_CUE = re.compile(
    r"(?<!\w)(?:van\s+(?:de|het|die|dat|onze|mijn|m'n)?\s*(?:rector|directeur|directrice|docent\w*|leraar|lerares|juf|"
    r"meester|mentor|conciërge|concierge|leerling\w*|jongen|meisje|moeder|vader|ouders|familie)|zijn|haar|hun|z'n|d'r)"
    r"(?!\w)"
)
_OWNER_NAME = re.compile(r"(?<!\w)(?:van|bij|of)\s+[A-Z][a-zà-ÿ]+\b(?![ \u00a0]+(?:College|Lyceum|Gymnasium|School))")


_RESIDENCE_ADDRESS_RE = re.compile(
    rf"(?i:(?<!\w)(?:woont|woonde|wonen|woon|(?:huis)?adres(?:\s+is|[^.:\n]{{0,40}}:))\s+(?:ergens\s+|nu\s+|gewoon\s+)?"
    rf"(?:op\s+|aan\s+|in\s+|bij\s+)?(?:de\s+|het\s+|'t\s+)?)"
    rf"(?P<place>[{_CAPS}][{_LETTERS}'\-]+(?:[ \u00a0][{_CAPS}][{_LETTERS}'\-]+)?)"
    rf"(?:[ \u00a0]+(?P<number>[1-9]\d{{0,3}}[a-zA-Z]?)(?![\w]))?"
)
# Dutch licence plates: three groups of letters or digits, six characters, at least one of each kind (AB-123-C).
_PLATE_RE = re.compile(r"(?<![\w\-])[A-Z0-9]{1,3}-[A-Z0-9]{1,3}-[A-Z0-9]{1,3}(?![\w\-])")
_PLATE_CUE = re.compile(r"(?<!\w)(?:kenteken|nummerplaat|auto|busje|bus|scooter|wagen|volvo|audi|bmw|rijdt|car)(?!\w)")
# A social media account given out: "snap van emma is emmaa.k_2011", "add me op insta: @noor.2010".
_ACCOUNT_RE = re.compile(
    r"(?i:(?<!\w)(?:snap|snapchat|insta|instagram|ig|tiktok|discord|telegram)(?:\s+[\w']+){0,4}?"
    r"\s*(?:is|=|:|->)\s*)(?P<handle>@?\w[\w.]{2,29}(?<!\.))"
)
_NUMBER_ON_STREET_RE = re.compile(
    rf"(?i:(?<!\w)(?:nummer|nr\.?|huisnummer)\s*)(?P<number>[1-9]\d{{0,3}}[a-zA-Z]?)(?i:\s+(?:op|aan|in)\s+(?:de\s+|het\s+)?)"
    rf"(?P<place>[{_CAPS}][{_LETTERS}'\-]*(?:{_STREET_ANY_CASE}|{_STREET_CAPITAL_ONLY}))(?!\w)"
)
_STREET_THEN_RESIDENCE_RE = re.compile(
    rf"(?<!\w)(?:op|aan|in)\s+(?:de\s+|het\s+)?(?P<place>[{_CAPS}][{_LETTERS}'\-]*(?:{_STREET_ANY_CASE}))"
    rf"(?:\s+\d{{1,4}}[a-z]?)?\s+(?:woont|woonde|wonen|woon)(?!\w)"
)


_RIJKSREGISTER_RE = re.compile(r"(?<![\w.])\d{2}\.?\d{2}\.?\d{2}[-.\s]?\d{3}\.?\d{2}(?![\w]|[.,\-]\d)")
_RIJKSREGISTER_CUE = re.compile(r"(?<!\w)(?:rijksregister\w*|insz|nationaal nummer|identiteitskaart)(?!\w)")
_BIRTH_DATE_RE = re.compile(
    r"(?i:(?<!\w)(?:geboren|geboortedatum|geb\.|born|date of birth|dob)\s*(?:op\s+|on\s+)?:?\s*)"
    r"(?P<date>\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)\d{2}|\d{1,2}\s+(?i:januari|februari|maart|april|mei|juni|juli|augustus|"
    r"september|oktober|november|december)\s+(?:19|20)\d{2})"
)


def bsn_valid(number: str) -> bool:
    """The elfproef (11-test) of a BSN: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 divisible by 11; not all zeros."""
    digits = re.sub(r"[\s.\-]", "", number)
    if len(digits) == 8:
        digits = "0" + digits
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True))
    return total % 11 == 0


def iban_valid(iban: str) -> bool:
    """ISO 13616 check (mod 97 == 1) and, for the countries we know, the length."""
    compact = re.sub(r"[\s\u00a0]", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact):
        return False
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _near(
    pattern: re.Pattern[str], text: str, start: int, end: int, before: int, after: int, sentence: bool = False
) -> bool:
    """The pattern occurs in the (folded) window around text[start:end]; with ``sentence``, the window after the
    match stops at the end of its sentence."""
    tail = text[end : end + after]
    if sentence:
        tail = re.split(r"[.!?\n]", tail, maxsplit=1)[0]
    return pattern.search(fold(text[max(0, start - before) : end] + tail)) is not None


def _mask_digits(s: str, keep_first: int = 0, keep_last: int = 0) -> str:
    positions = [i for i, c in enumerate(s) if c.isdigit()]
    keep = set(positions[:keep_first]) | (set(positions[-keep_last:]) if keep_last else set())
    return "".join("*" if (c.isdigit() and i not in keep) else c for i, c in enumerate(s))


@dataclass(frozen=True, slots=True)
class _Pii:
    kind: str  # placeholder name: telefoonnummer, e-mail, bsn, iban, adres, postcode
    start: int
    end: int
    rule: str
    weight: float
    snippet: str


def _phone_candidates(text: str) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _PHONE_RE.finditer(text):
        prefix, body = m["prefix"], m["body"]
        international = "31" in prefix
        if _DATE_LIKE.match(m.group(0)) or text[m.end() : m.end() + 1] == ":":
            continue
        start, end = m.start(), m.end()
        if prefix == "(0" and ")" not in body:
            start += 1  # "Marco (06-12345678)": the bracket is around the whole number
        elif body.count(")") > 1 or (")" in body and prefix != "(0"):
            continue
        groups = [g for g in re.split(r"[ \u00a0.\-/)]+", body) if g]
        first = len(groups[0]) + 1  # with the trunk zero
        if len(groups) > 1 and (
            first not in (2, 3, 4) or (first == 2 and groups[0] != "6") or any(len(g) < 2 for g in groups[1:])
        ):
            continue
        national = "0" + "".join(groups)
        if not national.startswith(_DUTCH_PREFIXES):
            continue
        keep_first = 3 if international else 2
        snippet = _mask_digits(text[start:end], keep_first=keep_first, keep_last=2)
        if national.startswith(_BUSINESS_PREFIXES):
            rule, weight = "telefoonnummer_zakelijk", 0.15
        elif national.startswith("06"):
            rule, weight = "telefoonnummer", 0.9
        else:
            rule, weight = "telefoonnummer", 0.7
        if _near(_PERSONAL_NUMBER_CUE, text, start, end, 40, 0):
            weight = max(weight, 0.95)
            rule = "telefoonnummer"
        elif _near(_SCHOOL_NUMBER_CUE, text, start, end, 80, 30, sentence=True):
            rule, weight = "telefoonnummer_school", 0.05
        found.append(_Pii("telefoonnummer", start, end, rule, weight, snippet))
    return found


def _email_candidates(text: str) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _EMAIL_RE.finditer(text):
        address = m.group(0)
        local, _, domain = address.rpartition("@")
        tld = domain.rsplit(".", 1)[-1]
        head = re.split(r"[._\-+]", fold(local))[0]
        if head in _EMAIL_ROLES or fold(local) in _EMAIL_ROLES:
            found.append(_Pii("e-mail", m.start(), m.end(), "email_rol", 0.15, f"{local}@***.{tld}"))
        else:
            weight = 0.9 if domain.lower() in _FREEMAIL else 0.8
            found.append(_Pii("e-mail", m.start(), m.end(), "email", weight, f"{local[:1]}***@***.{tld}"))
    return found


def _bsn_candidates(text: str, for_mask: bool) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _BSN_RE.finditer(text):
        cue = _near(_BSN_CUE, text, m.start(), m.end(), 40, 20)
        snippet = _mask_digits(m.group(0))
        if bsn_valid(m.group(0)):
            found.append(_Pii("bsn", m.start(), m.end(), "bsn", 0.95 if cue else 0.55, snippet))
        elif cue:  # called a BSN but fails the 11-test: a typo still leaks the number
            found.append(_Pii("bsn", m.start(), m.end(), "bsn_zonder_elfproef", 0.6, snippet))
    return found


def _rijksregister_valid(number: str) -> bool:
    digits = re.sub(r"\D", "", number)
    if len(digits) != 11:
        return False
    base, check = int(digits[:9]), int(digits[9:])
    return 97 - base % 97 == check or 97 - int("2" + digits[:9]) % 97 == check


def _national_number_candidates(text: str) -> list[_Pii]:
    """Belgian rijksregisternummer (YY.MM.DD-XXX.CC, check mod 97) for Flemish posts."""
    found: list[_Pii] = []
    for m in _RIJKSREGISTER_RE.finditer(text):
        cue = _near(_RIJKSREGISTER_CUE, text, m.start(), m.end(), 40, 20)
        if _rijksregister_valid(m.group(0)) or cue:
            found.append(
                _Pii(
                    "rijksregisternummer",
                    m.start(),
                    m.end(),
                    "rijksregisternummer",
                    0.9 if cue else 0.7,
                    _mask_digits(m.group(0)),
                )
            )
    return found


def _birth_date_candidates(text: str) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _BIRTH_DATE_RE.finditer(text):
        found.append(
            _Pii("geboortedatum", m.start("date"), m.end("date"), "geboortedatum", 0.7, _mask_digits(m["date"]))
        )
    return found


def _iban_candidates(text: str, for_mask: bool) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _IBAN_RE.finditer(text):
        raw = m.group(0)
        country = raw[:2].upper()
        length = _IBAN_LENGTHS.get(country)
        if length is None:
            continue
        count, cut = 0, 0
        for i, c in enumerate(raw):
            if c.isalnum():
                count += 1
                if count == length:
                    cut = i + 1
                    break
        if not cut:
            continue
        end = m.start() + cut
        if end < len(text) and text[end].isalnum():
            continue
        candidate = raw[:cut]
        compact = re.sub(r"[\s\u00a0]", "", candidate).upper()
        if iban_valid(compact) or (for_mask and _NL_IBAN_SHAPE.fullmatch(compact)):
            snippet = f"{compact[:2]}{'*' * (len(compact) - 4)}{compact[-2:]}"
            found.append(_Pii("iban", m.start(), end, "iban", 0.9, snippet))
    return found


def _address_candidates(text: str) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _ADDRESS_RE.finditer(text):
        street = m["street"]
        if fold(street) in _NOT_A_STREET or _NOT_A_HOUSE_NUMBER.match(text, m.end("number")):
            continue
        postcode = m["postcode"]
        if postcode and postcode[-2:].upper() in _NOT_POSTCODE_LETTERS:
            postcode = None
        end = m.end("town") if postcode and m["town"] else m.end("postcode") if postcode else m.end("number")
        rule, weight = "adres", 0.6 if street[:1].isupper() else 0.5
        school_place = _near(_SCHOOL_PLACE_CUE, text, m.start(), m.end(), 80, 20)
        if school_place and not _near(_HOME_CUE, text, m.start(), m.end(), 60, 0) \
                and not _near(_OWNER_CUE, text, m.start(), m.end(), 60, 0) \
                and not _OWNER_NAME.search(text, max(0, m.start() - 60), m.start()):
            rule, weight = "adres_school", 0.1  # the school's own, public address
        elif _near(_RESIDENCE_CUE, text, m.start(), m.end(), 60, 0):
            weight = 0.95
        elif school_place:
            rule, weight = "adres_school", 0.1  # the school's own, public address
        elif postcode:
            weight = 0.9
        snippet = f"{street} {'*' * len(m['number'])}"
        if postcode:
            snippet += ", **** **"
            if m["town"]:
                snippet += f" {m['town']}"
        found.append(_Pii("adres", m.start(), end, rule, weight, snippet))
    return found


def _postcode_candidates(text: str) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _POSTCODE_RE.finditer(text):
        if m.group(0)[-2:].upper() in _NOT_POSTCODE_LETTERS:
            continue
        rule, weight = "postcode", 0.5
        if _near(_RESIDENCE_CUE, text, m.start(), m.end(), 60, 0):
            weight = 0.8
        elif _near(_SCHOOL_PLACE_CUE, text, m.start(), m.end(), 80, 20):
            rule, weight = "postcode_school", 0.1
        found.append(_Pii("postcode", m.start(), m.end(), rule, weight, "**** **"))
    return found


def _residence_candidates(text: str) -> list[_Pii]:
    """Addresses given as "woont op de Hoefslag 14" (a street without a standard suffix) and "woont in de
    Lijsterstraat" (a street without a number)."""
    found: list[_Pii] = []
    for m in _RESIDENCE_ADDRESS_RE.finditer(text):
        place, number = m["place"], m["number"]
        if fold(place) in _GEEN_NAAM or fold(place) in _NOT_A_STREET:
            continue
        if number:
            snippet = f"{place} {'*' * len(number)}"
            found.append(_Pii("adres", m.start("place"), m.end("number"), "adres", 0.9, snippet))
        elif re.search(rf"(?:{_STREET_ANY_CASE})$", place):  # not -dam, -hout, -veld: those are often towns
            found.append(_Pii("adres", m.start("place"), m.end("place"), "adres_straat", 0.5, place))
    for m in _NUMBER_ON_STREET_RE.finditer(text):
        snippet = f"nummer {'*' * len(m['number'])} … {m['place']}"
        found.append(_Pii("adres", m.start(), m.end(), "adres", 0.85, snippet))
    for m in _STREET_THEN_RESIDENCE_RE.finditer(text):
        found.append(_Pii("adres", m.start("place"), m.end("place"), "adres_straat", 0.5, m["place"]))
    return found


def _plate_candidates(text: str) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _PLATE_RE.finditer(text):
        groups = m.group(0).upper().split("-")
        kinds = ["a" if g.isalpha() else "9" if g.isdigit() else "x" for g in groups]
        if "x" in kinds or "a" not in kinds or "9" not in kinds or sum(len(g) for g in groups) != 6:
            continue
        weight = 0.85 if _near(_PLATE_CUE, text, m.start(), m.end(), 40, 10) else 0.45
        snippet = "-".join("*" * len(g) for g in groups)
        found.append(_Pii("kenteken", m.start(), m.end(), "kenteken", weight, snippet))
    return found


def _account_candidates(text: str) -> list[_Pii]:
    found: list[_Pii] = []
    for m in _ACCOUNT_RE.finditer(text):
        handle = m["handle"]
        if not (handle.startswith("@") or re.search(r"[\d._]", handle)):
            continue  # handles given out carry a digit, dot or underscore; "snap je, het is moeilijk" does not
        snippet = f"{handle[:1]}***"
        found.append(_Pii("account", m.start("handle"), m.end("handle"), "account", 0.6, snippet))
    return found


def _pii_spans(text: str, for_mask: bool) -> list[_Pii]:
    """Non-overlapping personal data, the more specific kinds first (an IBAN contains what looks like a phone
    number, an address contains a postcode)."""
    taken: list[_Pii] = []
    for batch in (
        _iban_candidates(text, for_mask),
        _email_candidates(text),
        _national_number_candidates(text),
        _bsn_candidates(text, for_mask),
        _birth_date_candidates(text),
        _phone_candidates(text),
        _address_candidates(text),
        _residence_candidates(text),
        _postcode_candidates(text),
        _plate_candidates(text),
        _account_candidates(text),
    ):
        for item in batch:
            if all(item.end <= t.start or item.start >= t.end for t in taken):
                taken.append(item)
    return sorted(taken, key=lambda p: p.start)


def mask(text: str) -> str:
    """The text with phone numbers, e-mail addresses, BSNs, IBANs, street addresses (with house number and postcode)
    and postcodes replaced by placeholders such as ``[telefoonnummer]``. Masks generously: also the school's own
    number, role addresses, business numbers."""
    out: list[str] = []
    last = 0
    for item in _pii_spans(text, for_mask=True):
        out.append(text[last : item.start])
        out.append(f"[{item.kind}]")
        last = item.end
    out.append(text[last:])
    return "".join(out)
