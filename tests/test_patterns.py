"""Evidence rules per protocol category (models/patterns/): positives, hard negatives, personal data, masking."""

from __future__ import annotations

import re

import pytest

from models.patterns import CATEGORIES, LEXICON_DIR, Evidence, bsn_valid, find_evidence, fold, iban_valid, mask

POSITIVE = 0.5  # the strongest evidence of a positive example reaches at least this weight
NEGATIVE = 0.3  # ... of a negative example stays below this one


def strongest(text: str, category: str, **kwargs: bool) -> float:
    return max((ev.weight for ev in find_evidence(text, **kwargs)[category]), default=0.0)


def assert_positive(text: str, category: str, **kwargs: bool) -> None:
    evidence = find_evidence(text, **kwargs)[category]
    assert max((ev.weight for ev in evidence), default=0.0) >= POSITIVE, (text, evidence)


def assert_negative(text: str, category: str, **kwargs: bool) -> None:
    evidence = find_evidence(text, **kwargs)[category]
    assert max((ev.weight for ev in evidence), default=0.0) < NEGATIVE, (text, evidence)


# ---------------------------------------------------------------------------------------------------------------
# API


def test_every_category_is_present_even_for_empty_text() -> None:
    for text in ("", "   ", "😂"):
        result = find_evidence(text)
        assert tuple(result) == CATEGORIES
        assert all(evidence == [] for evidence in result.values())


def test_lexicons_are_cc0_and_load() -> None:
    files = sorted(LEXICON_DIR.glob("*.txt"))
    assert len(files) >= 15
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "CC0" in text, path.name
        assert any(line.strip() and not line.startswith("#") for line in text.splitlines()), path.name


def test_evidence_is_frozen_and_weight_checked() -> None:
    ev = Evidence("pesten.verslag", (0, 6), "gepest", 0.8)
    with pytest.raises(AttributeError):
        ev.weight = 0.1  # type: ignore[misc]
    with pytest.raises(ValueError, match="weight"):
        Evidence("x", None, "", 1.5)


def test_snippets_of_non_personal_evidence_are_the_matched_text() -> None:
    text = "Mijn zoon wordt al wéken GEPEST, die juf is zo dom en niemand reageert 😡"
    result = find_evidence(text)
    for category, evidence in result.items():
        if category == "persoonsgegevens":
            continue
        for ev in evidence:
            assert ev.span is not None
            assert text[ev.span[0] : ev.span[1]] == ev.snippet
            assert 0.0 < ev.weight <= 1.0


def test_folding_handles_case_diacritics_apostrophes_and_elongation() -> None:
    assert fold("Conciërge ’s Ochtends GEPESTTTT") == "concierge 's ochtends gepest"
    assert_positive("mijn kind wordt gepesttt 😢", "pesten")
    assert_positive("Hij wordt GEPEST", "pesten")
    assert_positive("super juf!!! ❤️❤️❤️", "compliment")


def test_emoji_span_covers_variation_selector() -> None:
    text = "Bedankt ❤️"
    (heart,) = [ev for ev in find_evidence(text)["compliment"] if ev.rule.startswith("compliment.emoji")]
    assert heart.snippet == "❤️"


# ---------------------------------------------------------------------------------------------------------------
# persoonsgegevens


PHONE_FORMATS = [
    "06-12345678",
    "06 1234 5678",
    "0612345678",
    "06 12 34 56 78",
    "06-1234 5678",
    "06.12.34.56.78",
    "06 - 12345678",
    "(06) 12345678",
    "+31 6 12345678",
    "+31612345678",
    "+31 (0)6 12345678",
    "+31-6-12345678",
    "+31 6 1234 5678",
    "0031 6 12345678",
    "0031612345678",
    "079-1234567",
    "010 123 4567",
    "020-123 45 67",
    "0294-123456",
    "0294 12 34 56",
    "(079) 123 45 67",
    "+31 79 123 4567",
    "020/1234567",
]


@pytest.mark.parametrize("number", PHONE_FORMATS)
def test_phone_number_formats(number: str) -> None:
    text = f"app hem maar op {number} vanavond"
    evidence = find_evidence(text)["persoonsgegevens"]
    assert len(evidence) == 1, evidence
    (ev,) = evidence
    assert ev.rule == "telefoonnummer"
    assert ev.span is not None
    assert text[ev.span[0] : ev.span[1]] == number
    assert ev.weight >= 0.7
    digits = re.sub(r"\D", "", number)
    assert digits not in re.sub(r"\D", "", ev.snippet)
    assert "*" in ev.snippet
    assert mask(text) == "app hem maar op [telefoonnummer] vanavond"


def test_whatsapp_links_are_phone_numbers() -> None:
    for text in ("appen kan: https://wa.me/31612345678", "api.whatsapp.com/send?phone=31612345678"):
        (ev,) = find_evidence(text)["persoonsgegevens"]
        assert ev.rule == "telefoonnummer"
        assert not re.search(r"\d", mask(text).replace("api.whatsapp.com", ""))


def test_phone_snippet_keeps_only_the_ends() -> None:
    (ev,) = find_evidence("Zijn nummer is 06-12345678")["persoonsgegevens"]
    assert ev.snippet == "06-******78"
    assert ev.weight >= 0.9


@pytest.mark.parametrize(
    "text",
    [
        "Op 12-03-2024 10:00 begint de ouderavond",
        "Het toetsrooster: 06-05-2024 14:00 wiskunde",
        "Bestelnummer 1234567 is verzonden",
        "bel 06-1234567 (een cijfer te weinig)",
        "Klantnummer 06123456789012",
        "Het examen is om 09.00 - 12.00 uur",
        "order 0123456789 is verzonden",
        "Sportdag 06.07.2024, neem je gymspullen mee",
        "ISBN 978-90-01-12345-6",
    ],
)
def test_not_phone_numbers(text: str) -> None:
    assert [ev for ev in find_evidence(text)["persoonsgegevens"] if ev.rule.startswith("telefoon")] == []


@pytest.mark.parametrize(
    "text",
    [
        "Bel de school op 079-1234567 als je kind ziek is",
        "Ziekmelden kan via 010 123 4567 voor 8 uur",
        "Receptie: 020-123 45 67",
        "Vragen? Neem contact op met de school, 0294-123456",
        "De administratie is bereikbaar op (079) 123 45 67",
        "Het algemene nummer van het Vechtdal College is 0523 123 456",
    ],
)
def test_school_public_number_is_weak(text: str) -> None:
    evidence = find_evidence(text)["persoonsgegevens"]
    assert [ev.rule for ev in evidence] == ["telefoonnummer_school"]
    assert evidence[0].weight < 0.1
    assert_negative(text, "persoonsgegevens")


def test_business_numbers_are_weak() -> None:
    (ev,) = find_evidence("Bel gratis 0800-1234567 of de school op 088 123 4567")["persoonsgegevens"][:1]
    assert ev.rule == "telefoonnummer_zakelijk"
    assert_negative("Bel gratis 0800-1234567 voor info", "persoonsgegevens")


def test_email_personal_and_role() -> None:
    evidence = find_evidence("mail sanne.jansen@hotmail.com of info@lorentzlyceum.nl")["persoonsgegevens"]
    assert [(ev.rule, ev.snippet) for ev in evidence] == [
        ("email", "s***@***.com"),
        ("email_rol", "info@***.nl"),
    ]
    assert evidence[0].weight >= 0.9
    assert evidence[1].weight < NEGATIVE
    assert_negative("Vragen? Mail administratie@devechtdal.nl", "persoonsgegevens")
    assert_positive("het mailadres van die leraar is b.devries@klimop-school.nl", "persoonsgegevens")


@pytest.mark.parametrize("number", ["111222333", "123456782", "1112.22.333", "111 222 333", "111.222.333"])
def test_bsn_valid_numbers_are_found(number: str) -> None:
    assert bsn_valid(number)
    text = f"Het BSN van mijn dochter is {number}, kan iemand helpen?"
    evidence = [ev for ev in find_evidence(text)["persoonsgegevens"] if ev.rule == "bsn"]
    assert len(evidence) == 1
    assert evidence[0].weight >= 0.9
    assert not re.search(r"\d", evidence[0].snippet)
    assert "[bsn]" in mask(text)
    assert not re.search(r"\d", mask(text))


@pytest.mark.parametrize("number", ["123456789", "111222334", "000000000", "12345678a", "1234567890", ""])
def test_bsn_invalid_numbers(number: str) -> None:
    assert not bsn_valid(number)


def test_bsn_elfproef_arithmetic() -> None:
    # 111222333: 9+8+7 + 6*2+5*2+4*2 + 3*3+2*3 - 3 = 66 = 6*11 -> valid
    # 123456789: 9+16+21+24+25+24+21+16 - 9 = 147 = 13*11 + 4 -> invalid; 123456782 -> 154 = 14*11 -> valid
    assert bsn_valid("111222333")
    assert not bsn_valid("123456789")
    assert bsn_valid("123456782")


def test_bsn_weight_depends_on_keyword() -> None:
    (without,) = find_evidence("nummer 111222333")["persoonsgegevens"]
    (with_cue,) = find_evidence("burgerservicenummer 111222333")["persoonsgegevens"]
    assert without.weight < with_cue.weight
    assert find_evidence("Ordernummer 123456789 is verzonden")["persoonsgegevens"] == []


@pytest.mark.parametrize(
    "iban",
    [
        "NL91ABNA0417164300",
        "NL91 ABNA 0417 1643 00",
        "nl91abna0417164300",
        "BE68539007547034",
        "DE89370400440532013000",
    ],
)
def test_iban_valid(iban: str) -> None:
    assert iban_valid(iban)
    text = f"Maak het geld over naar {iban} graag"
    (ev,) = find_evidence(text)["persoonsgegevens"]
    assert ev.rule == "iban"
    assert ev.span is not None
    assert text[ev.span[0] : ev.span[1]] == iban
    assert mask(text) == "Maak het geld over naar [iban] graag"


@pytest.mark.parametrize(
    "iban", ["NL91ABNA0417164301", "NL00ABNA0417164300", "NL91ABNA041716430", "XX91ABNA0417164300"]
)
def test_iban_invalid(iban: str) -> None:
    assert not iban_valid(iban)
    assert [ev for ev in find_evidence(f"rekening {iban}")["persoonsgegevens"] if ev.rule == "iban"] == []


def test_address_with_postcode_and_town() -> None:
    text = "Ze woont op Kerkstraat 12, 1234 AB Delft, ga maar langs"
    (ev,) = find_evidence(text)["persoonsgegevens"]
    assert ev.rule == "adres"
    assert ev.weight >= 0.9
    assert ev.snippet == "Kerkstraat **, **** ** Delft"
    assert mask(text) == "Ze woont op [adres], ga maar langs"


@pytest.mark.parametrize(
    "text",
    [
        "Hij woont op de Burgemeester Visserstraat 3a",
        "adres van die leraar: van goghlaan 14",
        "Ze woont Dorpsweg 112 hoor",
        "postcode 2611 AB",
        "Zijn adres is Hoofdstraat 7-2",
        "ze woont ergens in 3521AB",
    ],
)
def test_address_positive(text: str) -> None:
    assert_positive(text, "persoonsgegevens")
    assert not re.search(r"\d", mask(text))


def test_school_address_is_weak() -> None:
    for text in (
        "De open dag is op de nieuwe locatie, Stationsweg 4",
        "Vanaf 1 januari is de ingang aan de Stationsweg 4 dicht",
        "Het Lorentz Lyceum, Kerkstraat 12, 1234 AB Delft",
    ):
        evidence = find_evidence(text)["persoonsgegevens"]
        assert [ev.rule for ev in evidence] == ["adres_school"], evidence
        assert_negative(text, "persoonsgegevens")
        assert "[adres]" in mask(text)


@pytest.mark.parametrize(
    "text",
    [
        "In 2024 en 2025 gaan we op kamp",
        "Op het schoolplein 3 jongens aan het vechten",
        "Die laptop heeft 1024 MB geheugen",
        "we liepen de hele Kerkstraat af",
        "Onderweg 10 minuten vertraging",
        "De bus stopt bij Marktplein 5 minuten",
    ],
)
def test_address_negative(text: str) -> None:
    assert [ev for ev in find_evidence(text)["persoonsgegevens"] if ev.rule in ("adres", "postcode")] == []


@pytest.mark.parametrize(
    "text",
    [
        "Daan heeft een 3 voor wiskunde gehaald, wat een sukkel",
        "Sanne uit 2b heeft adhd en krijgt medicijnen",
        "Wist je dat Noor haar ouders gescheiden zijn?",
        "Mohammed blijft zitten, zegt zijn broer",
        "Lotte heeft autisme en daarom mag ze altijd eerder weg",
        "iedereen weet dat Fenna in een pleeggezin woont",
        "Zijn nummer is 06-12345678, bel hem maar",
        "mail haar op sanne.jansen@hotmail.com",
        "Het BSN van mijn dochter is 111222333",
        "Maak het geld over naar NL91ABNA0417164300",
    ],
)
def test_persoonsgegevens_positive(text: str) -> None:
    assert_positive(text, "persoonsgegevens")


@pytest.mark.parametrize(
    "text",
    [
        "Bel de school op 079-1234567 als je kind ziek is",
        "Vragen? Mail info@lorentzlyceum.nl",
        "Het Vechtdal College kreeg een onvoldoende van de inspectie",
        "Klas 3B had gisteren een toets, de cijfers komen vrijdag",
        "Juf Anna is ziek, dus de les valt uit",
        "Ik geef deze school een 3 voor communicatie",
        "We zaten met 30 leerlingen in de klas",
        "Wat een ziek goede musical was het!",
    ],
)
def test_persoonsgegevens_negative(text: str) -> None:
    assert_negative(text, "persoonsgegevens")


@pytest.mark.parametrize(
    "text",
    [
        "lol de cijferlijst van 4b is gelekt en daan heeft een 1.9 voor duits",
        "Het gaat om Ruben S. uit 6c, hij woont bij zijn oma sinds zijn ouders vastzitten.",
        "Ik noem geen namen, het is Arne V. uit het vierde leerjaar. Zijn ouders zijn aan het scheiden.",
        "iedereen weet dat senna in een pleeggezin woont",
        "Ze heet Yasmina B., 15 jaar, BSN 281764093, ze is haar pas kwijt",
        "Erin zat een ID van Milan de Ruiter, geboren 14-03-2010",
        "de klaslijst met rijksregisternummers: 86.04.12-345.67 stond erbij",
        "Welke ouder rijdt in een grijze Volvo met kenteken AB-123-C?",
        "de jongen die het briefje schreef woont op de Hoefslag 14",
        "ik weet waar je woont hoor, nummer 9 op de Populierenlaan",
        "snap van emma uit 2a is emmaa.k_2011 als je haar wil toevoegen",
        "Hier de lijst met rijders: Marco (06-31313131), Ingrid (06-24242424)",
    ],
)
def test_persoonsgegevens_more_forms(text: str) -> None:
    assert_positive(text, "persoonsgegevens")


@pytest.mark.parametrize(
    "text",
    [
        "max 3 toetsen per dag, anders krijg je stress en adhd-achtige klachten",
        "wat een lot, een onvoldoende voor iedereen",
        "Wij wonen in Voorhout en de school is ver",
        "Ik woon er letterlijk 200 meter vandaan",
        "ik snap niet waarom het is zoals het is",
        "Route A12 en dan de N-201 nemen",
        "Rapportavond 12-03-2024, geboren of niet",
        "Het algemene nummer (0591-724300) geeft na 4 uur alleen een bandje",
        "The general number (0591-724300) just plays a message after 4pm",
    ],
)
def test_persoonsgegevens_more_negatives(text: str) -> None:
    assert_negative(text, "persoonsgegevens")


def test_school_cue_after_the_number_stays_in_its_sentence() -> None:
    text = "Op de gsm zat een sticker 'Lars, tel 0496 12 87 45'. Ligt bij het secretariaat."
    (ev,) = find_evidence(text)["persoonsgegevens"]
    assert ev.rule == "telefoonnummer"


def test_new_kinds_are_masked() -> None:
    text = (
        "kenteken AB-123-C, geboren 14-03-2010, BSN 281764093, snap is emmaa.k_2011, "
        "rijksregisternummer 86.04.12-345.67, hij woont op de Hoefslag 14"
    )
    masked = mask(text)
    assert not re.search(r"\d", masked), masked
    for placeholder in ("[kenteken]", "[geboortedatum]", "[bsn]", "[account]", "[rijksregisternummer]", "[adres]"):
        assert placeholder in masked


def test_pupil_snippet_masks_the_name() -> None:
    evidence = find_evidence("Daan heeft adhd")["persoonsgegevens"]
    assert [ev.rule for ev in evidence] == ["leerling_gegevens.gezondheid"]
    assert "Daan" not in evidence[0].snippet
    assert evidence[0].snippet.startswith("D***")


def test_unnamed_child_is_weak_evidence() -> None:
    evidence = find_evidence("mijn zoon heeft dyslexie")["persoonsgegevens"]
    assert [ev.rule for ev in evidence] == ["gevoelig_zonder_naam.gezondheid"]
    assert evidence[0].weight < NEGATIVE


# ---------------------------------------------------------------------------------------------------------------
# mask


def test_mask_never_leaks_the_digits() -> None:
    text = (
        "Bel 06-12345678 of +31 6 87654321, mail d.devries@gmail.com, BSN 111222333, "
        "IBAN NL91 ABNA 0417 1643 00, adres Kerkstraat 12, 1234 AB Delft, postcode 5678 CD, "
        "school 079-1234567"
    )
    masked = mask(text)
    assert not re.search(r"\d", masked), masked
    assert "devries" not in masked
    for placeholder in ("[telefoonnummer]", "[e-mail]", "[bsn]", "[iban]", "[adres]", "[postcode]"):
        assert placeholder in masked
    assert masked.count("[telefoonnummer]") == 3


def test_mask_leaves_ordinary_text_alone() -> None:
    text = "Op 12-03-2024 om 19:30 is de ouderavond in lokaal 2.14, 30 leerlingen per klas."
    assert mask(text) == text


# ---------------------------------------------------------------------------------------------------------------
# pesten


@pytest.mark.parametrize(
    "text",
    [
        "Mijn zoon wordt al weken gepest in de brugklas",
        "ze sluiten haar elke pauze buiten en niemand wil met haar zitten",
        "Er is een haatpagina over een meisje uit 2c op insta",
        "hij wordt elke dag uitgescholden in de bus",
        "cyberpesten in de klassenapp en school doet niks",
        "m'n dochter is uit de groepsapp gegooid",
        "wollah ze pesten hem echt elke dag bro",
        "my son is being bullied and nobody does anything",
    ],
)
def test_pesten_positive(text: str) -> None:
    assert_positive(text, "pesten")


@pytest.mark.parametrize(
    "text",
    [
        "Mijn zoon wordt hier gelukkig niet gepest",
        "Hier wordt niemand gepest, top school",
        "Ik heb de pest aan wiskunde",
        "Ik werd vroeger ook gepest, maar op deze school hebben ze het goed aangepakt",
        "De school heeft een goed pestprotocol",
        "Week tegen pesten: alle klassen maakten een poster",
        "pestweer vandaag, regen en wind",
        "ze pesten hem niet meer sinds de mentor ingreep",
    ],
)
def test_pesten_negative(text: str) -> None:
    assert_negative(text, "pesten")


def test_negation_lowers_but_keeps_evidence() -> None:
    (ev,) = find_evidence("Mijn zoon wordt niet gepest")["pesten"]
    assert ev.rule.endswith("+ontkend")
    assert 0 < ev.weight < NEGATIVE


# ---------------------------------------------------------------------------------------------------------------
# kleineren


@pytest.mark.parametrize(
    "text",
    [
        "die juf is zo dom",
        "meester Bart is echt een loser",
        "wat een kankerjuf",
        "De mentor van 3b is zo incompetent",
        "Die leraar is gewoon achterlijk",
        "wat een domme docent 🤡",
        "Mevrouw Jansen is een waardeloze lerares",
        "je bent echt lelijk",
        "die gozer uit 4havo is een mongool",
        "wat is die meester dom zeg",
    ],
)
def test_kleineren_positive(text: str) -> None:
    assert_positive(text, "kleineren")


@pytest.mark.parametrize(
    "text",
    [
        "ik ben zo dom, ik vergat mijn gymspullen",
        "die toets was echt dom",
        "Dom dat de kantine dicht is",
        "de juf is echt niet dom hoor",
        "stomme regel dat petten niet mogen",
        "Dat was een stomme toets",
        "Onze juf is super",
        "Een domme fout kan iedereen maken",
    ],
)
def test_kleineren_negative(text: str) -> None:
    assert_negative(text, "kleineren")


# ---------------------------------------------------------------------------------------------------------------
# bedreiging


@pytest.mark.parametrize(
    "text",
    [
        "ik maak je af morgen",
        "Ik weet waar die juf woont",
        "morgen gaat het knallen op school",
        "Er is een bommelding op het Lorentz Lyceum",
        "hij zei dat hij die meester ging neersteken",
        "Mijn dochter is bedreigd door een jongen uit 4vwo",
        "als je dat nog een keer doet sla ik je kapot",
        "we pakken hem na school",
        "wacht maar tot maandag, dan ben je er geweest",
        "ik steek je neer",
    ],
)
def test_bedreiging_positive(text: str) -> None:
    assert_positive(text, "bedreiging")


@pytest.mark.parametrize(
    "text",
    [
        "ik maak je af met Fortnite",
        "Die toets maakte me af",
        "Het wordt een knallend feest op vrijdag!",
        "het gaat knallen op het eindfeest 🎉",
        "Bommetje in het zwembad tijdens het schoolkamp",
        "We hebben een bom geld uitgegeven aan het schoolreisje",
        "ik ga dood van het lachen",
        "Ik maak mijn huiswerk af",
        "maak je je huiswerk wel af?",
        "ik ga je echt missen juf",
        "De voorlopige aanslag van de belastingdienst",
    ],
)
def test_bedreiging_negative(text: str) -> None:
    assert_negative(text, "bedreiging")


def test_game_context_is_marked() -> None:
    evidence = find_evidence("ik maak je af met Fortnite")["bedreiging"]
    assert evidence and all(ev.rule.endswith("+spelcontext") for ev in evidence)


# ---------------------------------------------------------------------------------------------------------------
# seksuele_intimidatie


@pytest.mark.parametrize(
    "text",
    [
        "Hij stuurt meisjes uit de klas steeds dickpics",
        "er gaan naaktfoto's rond van een meisje uit 3b",
        "die gymleraar zat aan haar billen",
        "stuur me een foto van jezelf",
        "mijn dochter werd betast in de gang",
        "hij chanteert haar met nudes, dat is sextortion",
        "ongewenste opmerkingen over haar lichaam van een docent",
        "meester X heeft een relatie met een leerling",
        "ze wordt door een docent aangeraakt tegen haar zin, dat is seksuele intimidatie",
    ],
)
def test_seksuele_intimidatie_positive(text: str) -> None:
    assert_positive(text, "seksuele_intimidatie")


@pytest.mark.parametrize(
    "text",
    [
        "Seksuele voorlichting in groep 8 was goed geregeld",
        "Stuur even een foto van het rooster",
        "geen nudes delen, daar gaat de les over",
        "We hebben ongewenst bezoek gehad in de fietsenstalling",
        "naaktslakken in de schooltuin",
        "Ze maakte een sexy jurk voor de musical",
        "wie kan me een foto van de huiswerkopdracht sturen",
    ],
)
def test_seksuele_intimidatie_negative(text: str) -> None:
    assert_negative(text, "seksuele_intimidatie")


# ---------------------------------------------------------------------------------------------------------------
# beeldmateriaal


@pytest.mark.parametrize(
    "text",
    [
        "kijk dit filmpje van de klas",
        "Iemand heeft in de kleedkamer gefilmd en het op tiktok gezet",
        "De foto's van de musical staan op de site, wat mooi!",
        "Hij heeft een screenshot van haar snap rondgestuurd",
        "stiekem gefilmd tijdens gym",
        "hij heeft het op zijn story gezet",
        "Foto van de brugklas in de kleedkamer gaat rond",
    ],
)
def test_beeldmateriaal_positive(text: str) -> None:
    assert_positive(text, "beeldmateriaal")


def test_beeldmateriaal_attached_media() -> None:
    assert_positive("Kijk wat er gebeurde bij de kantine", "beeldmateriaal", has_media=True)
    assert_negative("Kijk wat er gebeurde bij de kantine", "beeldmateriaal", has_media=True, school_context=False)
    assert_negative("Kijk wat er gebeurde bij de kantine", "beeldmateriaal")
    (ev,) = find_evidence("", has_media=True)["beeldmateriaal"]
    assert ev.span is None
    assert ev.rule == "beeldmateriaal.bijlage"


@pytest.mark.parametrize(
    "text",
    [
        "Ik snap niks van wiskunde",
        "snap jij die opdracht?",
        "We keken een film in de les",
        "Fotosynthese is moeilijk",
        "Er zijn geen foto's gemaakt tijdens de ouderavond",
        "De kleedkamers zijn vies",
    ],
)
def test_beeldmateriaal_negative(text: str) -> None:
    assert_negative(text, "beeldmateriaal")


def test_kleedkamer_with_media_is_strong() -> None:
    evidence = find_evidence("er is een video gemaakt in de kleedkamer")["beeldmateriaal"]
    assert max(ev.weight for ev in evidence) >= 0.8


# ---------------------------------------------------------------------------------------------------------------
# onjuistheid


@pytest.mark.parametrize(
    "text",
    [
        "Ik hoorde dat de school volgend jaar dichtgaat",
        "Het Vechtdal College fuseert per 1 augustus met De Klimop",
        "Meester Henk is ontslagen op staande voet",
        "Er zijn dit jaar geen examens op het Lorentz Lyceum",
        "vanaf maandag geen telefoons meer op school",
        "Het slagingspercentage van die school is maar 60%, schijnt",
        "Schijnbaar gaat de locatie aan de Dorpsstraat dicht",
        "40% van de leerlingen is gezakt op die school",
    ],
)
def test_onjuistheid_positive(text: str) -> None:
    assert_positive(text, "onjuistheid")


@pytest.mark.parametrize(
    "text",
    [
        "Mijn ogen gaan dicht tijdens wiskunde",
        "De kantine is open tot 15.00",
        "Wat een mooie musical!",
        "De deur gaat dicht om 8:30, wees op tijd",
        "Volgens mij was de musical een groot succes",
        "Ik ben ontslagen bij mijn werk",
    ],
)
def test_onjuistheid_negative(text: str) -> None:
    assert_negative(text, "onjuistheid")


def test_rumour_raises_claim() -> None:
    plain = strongest("De school gaat dicht", "onjuistheid")
    rumour = strongest("Ik hoorde dat de school dicht gaat", "onjuistheid")
    assert rumour > plain


# ---------------------------------------------------------------------------------------------------------------
# compliment


@pytest.mark.parametrize(
    "text",
    [
        "Super juf! Bedankt voor alles ❤️",
        "Wat een geweldige musical, trots op onze kinderen",
        "Dankjewel meester Tom voor dit mooie jaar 🙏",
        "Chapeau voor hoe de school dit heeft aangepakt",
        "Topschool, echt een aanrader",
        "Proficiat aan alle geslaagden!",
        "Petje af voor de conciërge",
        "amazing teachers, thank you",
    ],
)
def test_compliment_positive(text: str) -> None:
    assert_positive(text, "compliment")


@pytest.mark.parametrize(
    "text",
    [
        "Top geregeld weer, 3e lesuitval deze week 👏",
        "Bedankt voor niks, school",
        "De musical was niet leuk",
        "Ze staan in de top 10 van slechtste scholen",
        "Niet echt geweldig geregeld, die ouderavond",
        "dank je de koekoek, weer geen antwoord",
    ],
)
def test_compliment_negative(text: str) -> None:
    assert_negative(text, "compliment")


def test_sarcasm_is_marked() -> None:
    evidence = find_evidence("Top geregeld weer, 3e lesuitval deze week 👏")["compliment"]
    assert evidence
    assert all(ev.rule.endswith("+sarcasme") for ev in evidence)


# ---------------------------------------------------------------------------------------------------------------
# ervaring


@pytest.mark.parametrize(
    "text",
    [
        "Alweer lesuitval, dit is de derde keer deze week",
        "Geen communicatie vanuit school, niemand reageert op mijn mails",
        "34 in een klas, hoe moet je dan les geven?",
        "Mijn kind voelt zich niet veilig op school",
        "De wc's zijn al weken kapot",
        "Veel te veel huiswerk in de brugklas",
        "ik ben er klaar mee, de school doet niks",
        "de leerkracht is echt nie oké, ambetant gedoe",
        "klassen van 32 leerlingen, belachelijk",
        "weer geen les vandaag",
    ],
)
def test_ervaring_positive(text: str) -> None:
    assert_positive(text, "ervaring")


@pytest.mark.parametrize(
    "text",
    [
        "Geen lesuitval meer sinds de nieuwe rector 👍",
        "Weer een geweldige sportdag gehad!",
        "Het weer was prima tijdens het schoolreisje",
        "Klassen van 22 leerlingen, heerlijk",
        "Mooie nieuwe wc's op school",
        "De school is helemaal niet onveilig",
    ],
)
def test_ervaring_negative(text: str) -> None:
    assert_negative(text, "ervaring")


def test_school_context_weakens_school_specific_categories() -> None:
    text = "Alweer lesuitval, niemand reageert"
    assert strongest(text, "ervaring", school_context=False) < strongest(text, "ervaring")
    assert strongest("Wat een geweldige dag", "compliment", school_context=False) < strongest(
        "Wat een geweldige dag", "compliment"
    )


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("niemand gaat naast haar zitten, ze stinkt", "pesten.uitsluiting"),
        ("we doen morgen allemaal alsof hij niet bestaat", "pesten.uitsluiting"),
        ("iedereen eruit uit de groep als Tom erbij komt", "pesten.uitsluiting"),
        ("die dikke van klas 2b past niet door de deur", "pesten.spot_uiterlijk"),
        ("de hele klas noemt haar 'de walrus'", "pesten.bijnaam"),
        ("wie mij bij de mentor verlinkt is er geweest", "bedreiging.dreigzin"),
    ],
)
def test_exclusion_nicknames_mockery_and_snitch_threats(text: str, rule: str) -> None:
    category = rule.split(".")[0]
    assert rule in [e.rule for e in find_evidence(text)[category]]


@pytest.mark.parametrize(
    "text",
    ["niemand kiest voor wiskunde B", "mijn moeder noemt hem een lieverd", "vanaf nu heet de kantine De Hoek",
     "we haten maandagen", "wie wil er mee naar de kantine"],
)
def test_ordinary_sentences_are_not_bullying(text: str) -> None:
    assert find_evidence(text)["pesten"] == [] and find_evidence(text)["bedreiging"] == []


def test_idioms_and_news_damp_only_the_learned_score() -> None:
    from models.classifier import PostInput, score_categories
    from models.patterns import hyperbole_or_news

    assert hyperbole_or_news("ik ga dood van het lachen") and hyperbole_or_news("meldt de politie")
    assert not hyperbole_or_news("ik maak je dood") and not hyperbole_or_news("wie verlinkt is dood")
    learned = {"bedreiging": 0.9}
    idiom = score_categories(PostInput("die toets was echt moordend"), learned, {"bedreiging": 0.75}, 0.5)
    assert not idiom["bedreiging"].flagged and idiom["bedreiging"].possible, "half the score: mogelijk, not a flag"
    threat = score_categories(PostInput("ik steek je morgen neer, moordend"), learned, {"bedreiging": 0.75}, 0.5)
    assert threat["bedreiging"].flagged, "a pattern hit is never damped"


@pytest.mark.parametrize(("text", "category"), [
    ("Gastles over sexting in de tweede klassen: wat doe je als iemand je om een naaktfoto vraagt?",
     "seksuele_intimidatie"),
    ("rechtszaak over de steekpartij bij het station vorig jaar begint volgende maand.", "bedreiging"),
    ("Onze leerlingenraad is een campagne gestart. Wat doe je als iemand wordt gepest?", "pesten"),
])
def test_a_lesson_campaign_or_news_about_a_harm_is_mogelijk_not_flagged(text: str, category: str) -> None:
    found = find_evidence(text)[category]
    assert found and all(e.rule.endswith("+bericht") and e.weight < 0.5 for e in found)


@pytest.mark.parametrize(("text", "category"), [
    ("ik steek je neer morgen bij de poort, bel de politie maar", "bedreiging"),
    ("stuur me een naaktfoto of ik zet je filmpje online", "seksuele_intimidatie"),
    ("mijn zoon wordt gepest op school, wat moet ik doen?", "pesten"),
])
def test_threats_requests_and_reports_of_bullying_keep_their_weight(text: str, category: str) -> None:
    assert max(e.weight for e in find_evidence(text)[category]) >= 0.8


@pytest.mark.parametrize(("text", "rule"), [
    ("Nieuw adres vanaf 1 september: OBS De Kwikstaart, Lisdoddeweg 7, 1901 XK Castricum.", "adres_school"),
    ("Het Lindenhof Gymnasium: Adres: Eikenlaan 15, 2313 EP Leiden.", "adres_school"),
    ("Adres van de rector van Stedelijk College Oost: Kerkweg 118, 3741 PL Eikendaal.", "adres"),
    ("adres van Tim: Kerkweg 12, vlakbij school", "adres"),
    ("Lisa uit 2b, haar adres is Kerkweg 12, naast de school", "adres"),
])
def test_a_schools_own_address_is_not_a_leak_but_a_persons_beside_a_school_is(text: str, rule: str) -> None:
    assert [e.rule for e in find_evidence(text)["persoonsgegevens"] if e.rule.startswith("adres")] == [rule]
