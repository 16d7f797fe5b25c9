"""Which school a post is about: true and false positives, with the two demo schools from the example config."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import feedparser
import pytest

from connectors.rss import RssConnector, RssSettings
from monitor.config import Config, School, load_config
from monitor.matching import Matcher, SchoolResult, fold
from monitor.records import Match, Query
from monitor.setup import example_config_text

REGENBOOG = "regenboog-zoetermeer"
ZILVERMEER = "zilvermeer-almere"

DEMO_DIR = Path(str(files("monitor").joinpath("demo_data")))


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    file = tmp_path_factory.mktemp("config") / "monitor.toml"
    file.write_text(example_config_text(), encoding="utf-8")
    return load_config(file)


@pytest.fixture(scope="module")
def matcher(config: Config) -> Matcher:
    return Matcher(config.schools)


def verdicts(matcher: Matcher, text: str) -> dict[str, SchoolResult]:
    return {r.school_id: r for r in matcher.explain(text)}


def matched(matcher: Matcher, text: str) -> set[str]:
    return {m.school_id for m in matcher.match(text)}


# --- names ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "school", "rule"),
    [
        ("Het Zilvermeer College opent een nieuwe vleugel", ZILVERMEER, "naam 'Zilvermeer College'"),
        ("IKC De Regenboog viert zijn verjaardag", REGENBOOG, "naam 'IKC De Regenboog'"),
        ("Afscheid van de directeur van OBS De Regenboog", REGENBOOG, "naam 'OBS De Regenboog'"),
    ],
)
def test_distinctive_name_matches_on_its_own(matcher: Matcher, text: str, school: str, rule: str) -> None:
    assert matched(matcher, text) == {school}
    assert verdicts(matcher, text)[school].rule == rule


@pytest.mark.parametrize(
    "text",
    [
        "Vandaag is er feest bij De Regenboog.",
        "Zomerfeest bij De Regenboog in Gouda, iedereen welkom",
        "De Regenboog",
    ],
)
def test_common_name_without_context_does_not_match(matcher: Matcher, text: str) -> None:
    assert matched(matcher, text) == set()
    rule = verdicts(matcher, text)[REGENBOOG].rule
    assert "zonder context" in rule
    assert "'De Regenboog'" in rule


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("De Regenboog in Zoetermeer zoekt vrijwilligers", "Zoetermeer"),
        ("Juf Anna van De Regenboog gaat met pensioen", "juf"),
        ("Meester Kees van De Regenboog zingt een lied", "meester"),
        ("Groep 8 van De Regenboog gaat op kamp naar Texel", "groep 8"),
        ("Alle ouders van De Regenboog kregen een brief", "ouders"),
        ("Nieuw speelplein bij De Regenboog in Meerzicht", "Meerzicht"),  # an include term
        ("Fijne kerst van De Regenboog #school", "school"),  # a context word written as a hashtag
    ],
)
def test_common_name_with_context_matches_and_says_which(matcher: Matcher, text: str, context: str) -> None:
    assert matched(matcher, text) == {REGENBOOG}
    assert verdicts(matcher, text)[REGENBOOG].rule == f"naam 'De Regenboog' met context '{context}'"


def test_single_word_alias_needs_context(matcher: Matcher) -> None:
    assert matched(matcher, "Drukte bij het Zilvermeer bij Assen op de laatste warme dag") == set()
    assert matched(matcher, "Zilvermeer in Almere wint de sportdag") == {ZILVERMEER}
    assert verdicts(matcher, "Zilvermeer in Almere")[ZILVERMEER].rule == "naam 'Zilvermeer' met context 'Almere'"
    assert matched(matcher, "bro waarom is zilvermeer zo extra met huiswerk") == {ZILVERMEER}


def test_no_name_no_match(matcher: Matcher) -> None:
    text = "Tekort aan kinderopvang in Meerzicht, Zoetermeer: ouders boos"  # context, but no school name
    assert matched(matcher, text) == set()
    assert verdicts(matcher, text)[REGENBOOG].rule == "geen naam, account of hashtag van deze school gevonden"


# --- exclude terms ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "school", "term"),
    [
        ("Gemeente Zoetermeer hijst de regenboogvlag bij het stadhuis", REGENBOOG, "regenboogvlag"),
        ("De regenboogvlag hangt weer, meldt @ikcderegenboog", REGENBOOG, "regenboogvlag"),
        ("#DeRegenboogZoetermeer bij de regenboogvlag", REGENBOOG, "regenboogvlag"),
        ("IKC De Regenboog en de school hijsen de Regenboogvlag", REGENBOOG, "regenboogvlag"),
        ("Speeltuin De Regenboog in Zoetermeer krijgt een klimtoren", REGENBOOG, "speeltuin De Regenboog"),
        ("Zilvermeer College-leerlingen zwemmen in de recreatieplas", ZILVERMEER, "recreatieplas"),
    ],
)
def test_exclude_term_always_wins(matcher: Matcher, text: str, school: str, term: str) -> None:
    result = verdicts(matcher, text)[school]
    assert not result.matched
    assert result.rule == f"uitgesloten door '{term}'"


def test_exclude_term_only_vetoes_its_own_school(matcher: Matcher) -> None:
    assert matched(matcher, "Leerlingen van het Zilvermeer College schilderen een regenboogvlag") == {ZILVERMEER}


# --- handles and hashtags --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Nieuwsbrief staat online, zie @ikcderegenboog",
        "Volg @IKCDeRegenboog voor de foto's",
        "Bedankt @ikcDEregenboog!",
        "@ikcderegenboog: wanneer is de nieuwsbrief?",
    ],
)
def test_handle_matches_case_insensitively(matcher: Matcher, text: str) -> None:
    assert matched(matcher, text) == {REGENBOOG}
    assert verdicts(matcher, text)[REGENBOOG].rule == "account @ikcderegenboog"


def test_handle_inside_email_address_is_not_a_mention(matcher: Matcher) -> None:
    assert matched(matcher, "Mail naar info@ikcderegenboog.example") == set()


def test_longer_handle_is_another_account(matcher: Matcher) -> None:
    assert matched(matcher, "Volg @ikcderegenboogfan voor memes") == set()


@pytest.mark.parametrize(
    "handle",
    ["@ikc_deregenboog", "@ikc.deregenboog", "@ikcderegenboog@mastodon.example"],
)
def test_handles_with_underscore_dot_or_instance_match(handle: str) -> None:
    # The config accepts these forms, so the matcher must find them too.
    school = School(id="r", name="Brede School Meerzicht", handles=[handle])
    matcher = Matcher([school])
    assert matched(matcher, f"Lees het bericht van {handle.upper()} over de studiedag") == {"r"}
    assert verdicts(matcher, f"zie {handle}.")["r"].rule == f"account {handle}"
    assert matched(matcher, "Lees het bericht van @ikc over de studiedag") == set()


@pytest.mark.parametrize(
    ("text", "school", "rule"),
    [
        ("Wat een magische avond #DeRegenboogZoetermeer", REGENBOOG, "hashtag #DeRegenboogZoetermeer"),
        ("lampionnen!! #deregenboogzoetermeer", REGENBOOG, "hashtag #DeRegenboogZoetermeer"),
        ("kunstweek = beste week #zilvermeercollege", ZILVERMEER, "hashtag #zilvermeercollege"),
        ("#ZilvermeerCollege!", ZILVERMEER, "hashtag #zilvermeercollege"),
    ],
)
def test_hashtag_matches_on_its_own(matcher: Matcher, text: str, school: str, rule: str) -> None:
    assert matched(matcher, text) == {school}
    assert verdicts(matcher, text)[school].rule == rule


def test_hashtags_are_derived_from_name_and_town() -> None:
    school = School(id="z", name="Zilvermeer College", town="Almere")  # no hashtags configured
    matcher = Matcher([school])
    assert verdicts(matcher, "kunstweek #zilvermeercollege")["z"].rule == "hashtag #ZilvermeerCollege"
    assert verdicts(matcher, "open dag #ZilvermeerCollegeAlmere")["z"].rule == "hashtag #ZilvermeerCollegeAlmere"
    assert matched(matcher, "open dag #zilvermeercollegefan") == set()


def test_derived_hashtag_of_common_name_needs_context(matcher: Matcher) -> None:
    assert matched(matcher, "zomer! #deregenboog") == set()
    assert matched(matcher, "juf is jarig #deregenboog") == {REGENBOOG}
    assert verdicts(matcher, "juf is jarig #deregenboog")[REGENBOOG].rule == "naam '#DeRegenboog' met context 'juf'"
    # With the town appended the derived hashtag is specific enough on its own.
    assert matched(matcher, "open dag #IKCDeRegenboogZoetermeer") == {REGENBOOG}


# --- folding and word boundaries ----------------------------------------------------------------------------------


def test_fold() -> None:
    assert fold("Zílvermeer-Cóllege!") == "zilvermeer college"
    assert fold("  IKC   De\tRegenboog\n") == "ikc de regenboog"
    assert fold("Volg @IKCDeRegenboog #DeRegenboog") == "volg @ikcderegenboog #deregenboog"
    assert fold("info@school.example") == "info school example"  # '@' inside a word is no handle
    assert fold("ŒUVRE naïef café") == "œuvre naief cafe"


@pytest.mark.parametrize(
    "text",
    [
        "De zílvermeer cóllege is top",
        "ZILVERMEER COLLEGE WINT",
        "zilvermeer   college",
        "Zilvermeer-college wint debatwedstrijd",
        "Zilvermeer_College",
        "(Zilvermeer College)",
    ],
)
def test_name_is_case_diacritics_and_punctuation_insensitive(matcher: Matcher, text: str) -> None:
    assert matched(matcher, text) == {ZILVERMEER}
    assert verdicts(matcher, text)[ZILVERMEER].rule == "naam 'Zilvermeer College'"


def test_context_is_case_and_diacritics_insensitive(matcher: Matcher) -> None:
    assert matched(matcher, "JÚF ANNA VAN DE REGENBOOG") == {REGENBOOG}
    assert matched(matcher, "De Regenboog in ZOETERMEER") == {REGENBOOG}


def test_hyphenated_common_name_with_context(matcher: Matcher) -> None:
    assert verdicts(matcher, "De Regenboog-school sluit vroeg")[REGENBOOG].rule == (
        "naam 'De Regenboog' met context 'school'"
    )


@pytest.mark.parametrize(
    "text",
    [
        "De Regenboog kreeg bezoek van de burgemeester",  # 'burgemeester' is not 'meester'
        "De Regenboog: een schoolmeesterachtig verhaal",  # nor 'schoolmeesterachtig' 'school'
        "De Regenboog heeft groep 80 kippen",  # 'groep 80' is not 'groep 8'
        "De Regenboog in Zoetermeerse stijl",  # 'Zoetermeerse' is not the town
        "De Regenboog groep8",
    ],
)
def test_context_words_count_only_as_whole_words(matcher: Matcher, text: str) -> None:
    assert matched(matcher, text) == set()
    assert "zonder context" in verdicts(matcher, text)[REGENBOOG].rule


@pytest.mark.parametrize(
    "text",
    [
        "Regenboogvlag wappert in Zoetermeer, zegt de juf",
        "De regenboogtrui voor de juf",
        "Zilvermeerstraat in Almere afgesloten voor de school",  # 'Zilvermeerstraat' is not 'Zilvermeer'
        "Het Zilvermeerse college van B&W",  # not 'Zilvermeer College'
        "Zilvermeercolleges in Almere",
    ],
)
def test_names_count_only_as_whole_words(text: str) -> None:
    schools = [
        School(id="r", name="De Regenboog", town="Zoetermeer"),  # no exclude terms: the word boundary must do it
        School(id="z", name="Zilvermeer College", town="Almere", aliases=["Zilvermeercollege", "Zilvermeer"]),
    ]
    matcher = Matcher(schools)
    assert matched(matcher, text) == set()
    for result in matcher.explain(text):
        assert result.rule == "geen naam, account of hashtag van deze school gevonden"


def test_ambiguous_name_is_no_context_for_itself() -> None:
    # 'Het Lyceum' is a common name that contains the school word 'lyceum'; it still needs other context.
    matcher = Matcher([School(id="l", name="Het Lyceum", town="Zeist")])
    assert matched(matcher, "Open dag bij Het Lyceum in Delft") == set()
    assert verdicts(matcher, "Open dag bij Het Lyceum in Zeist")["l"].rule == "naam 'Het Lyceum' met context 'Zeist'"
    assert matched(matcher, "Het Lyceum: leerlingen winnen prijs") == {"l"}
    assert matched(matcher, "Het Lyceum en een ander lyceum") == {"l"}  # a second 'lyceum' is real context


def test_explicit_ambiguous_and_distinctive() -> None:
    matcher = Matcher(
        [
            School(id="a", name="OBS De Bron", ambiguous=["OBS De Bron"], town="Leiden"),
            School(id="d", name="De Wilgen", distinctive=["De Wilgen"]),
        ]
    )
    assert matched(matcher, "Feest bij OBS De Bron in Gouda") == set()
    assert matched(matcher, "Feest bij OBS De Bron in Leiden") == {"a"}
    assert matched(matcher, "Feest bij De Wilgen") == {"d"}


def test_a_common_name_next_to_another_town_is_another_school(matcher: Matcher) -> None:
    text = "Ervaringen met basisschool De Regenboog in Groningen? Juf Sanne van groep 5 schijnt top te zijn"
    assert matched(matcher, text) == set()
    assert verdicts(matcher, text)[REGENBOOG].rule == (
        "naam 'De Regenboog' staat bij een andere plaats (Groningen) en niet bij Zoetermeer; dat is een andere school")


@pytest.mark.parametrize(
    "text",
    [
        "Open dag op basisschool De Wegwijzer in Zwolle-Zuid",
        "De Wegwijzer (Zwolle) zoekt een nieuwe juf",
        "Zwolle - basisschool De Wegwijzer houdt open dag",
        "Basisschool De Wegwijzer Den Helder sluit de deuren",
        "Leerlingen van De Wegwijzer uit Zwolle winnen de quiz",
    ],
)
def test_another_place_next_to_the_name_vetoes_it(text: str) -> None:
    wegwijzer = Matcher([School(id="wegwijzer", name="De Wegwijzer", town="Harderwijk", include=["Hierden"])])
    assert wegwijzer.match(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Open dag op basisschool De Wegwijzer in Harderwijk, niet die in Zwolle",  # its own town is named
        "Basisschool De Wegwijzer in Hierden",  # an include term is one of its own places
        "Juf van De Wegwijzer ging met de klas naar Zwolle",  # a trip: the place is not next to the name
        "Het is best leuk op basisschool De Wegwijzer",  # 'best' is a word here, and the town Best is left out
        "Basisschool De Wegwijzer in zwolle",  # a place is written with a capital; this stays a match (safety)
        "Basisschool De Wegwijzer in de wijk Stadsweiden",
    ],
)
def test_the_own_town_a_trip_or_a_plain_word_do_not_veto(text: str) -> None:
    wegwijzer = Matcher([School(id="wegwijzer", name="De Wegwijzer", town="Harderwijk", include=["Hierden"])])
    assert [m.school_id for m in wegwijzer.match(text)] == ["wegwijzer"]


def test_a_school_without_a_town_is_never_vetoed_by_a_place() -> None:
    anywhere = Matcher([School(id="wegwijzer", name="De Wegwijzer")])
    assert [m.school_id for m in anywhere.match("Basisschool De Wegwijzer in Zwolle")] == ["wegwijzer"]


@pytest.mark.parametrize(
    "text",
    [
        "Mijn kind wordt gepest op het Zilver\u00admeer College",  # soft hyphen, as news sites hyphenate
        "Mijn kind wordt gepest op het Zilver\u200bmeer College",  # zero-width space
        "Mijn kind wordt gepest op het Zilv\u0435rmeer College",  # one Cyrillic 'е'
        "Mijn kind wordt gepest op het Ζilvermeer Сollege",  # Greek capital Zeta, Cyrillic capital Es
        "Mijn kind wordt gepest op het \uff3a\uff49\uff4c\uff56\uff45\uff52\uff4d\uff45\uff45\uff52 College",  # wide
    ],
)
def test_invisible_characters_look_alikes_and_full_width_letters_still_match(matcher: Matcher, text: str) -> None:
    assert matched(matcher, text) == {ZILVERMEER}


# --- Matcher ----------------------------------------------------------------------------------------------------------


BOTH = "Staking: IKC De Regenboog in Zoetermeer en het Zilvermeer College in Almere gaan dicht"


def test_post_about_both_schools(matcher: Matcher) -> None:
    assert matcher.match(BOTH) == [
        Match(REGENBOOG, "naam 'IKC De Regenboog'"),
        Match(ZILVERMEER, "naam 'Zilvermeer College'"),
    ]


def test_match_restricted_to_school_ids(matcher: Matcher) -> None:
    assert [m.school_id for m in matcher.match(BOTH, [ZILVERMEER])] == [ZILVERMEER]
    assert [m.school_id for m in matcher.match(BOTH, (REGENBOOG,))] == [REGENBOOG]
    assert matcher.match(BOTH, []) == []
    assert [m.school_id for m in matcher.match(BOTH, None)] == [REGENBOOG, ZILVERMEER]
    assert matcher.match("Juf Anna van De Regenboog", [ZILVERMEER]) == []


def test_explain_gives_a_verdict_for_every_school(matcher: Matcher) -> None:
    results = matcher.explain("Juf Anna van De Regenboog")
    assert [r.school_id for r in results] == [REGENBOOG, ZILVERMEER]
    assert [r.matched for r in results] == [True, False]
    assert all(r.rule for r in results)
    assert [r.school_id for r in matcher.explain("x", iter([ZILVERMEER]))] == [ZILVERMEER]


def test_empty_text(matcher: Matcher) -> None:
    assert matcher.match("") == []
    assert matcher.match("   \n ") == []


# --- demo feeds ---------------------------------------------------------------------------------------------------

R, Z = frozenset({REGENBOOG}), frozenset({ZILVERMEER})
NONE: frozenset[str] = frozenset()
BOTH_SCHOOLS = R | Z

# The table in monitor/demo_data/README.md, per feed: entry id (RSS guid / Atom id) -> matched schools.
EXPECTED: dict[str, dict[str, frozenset[str]]] = {
    "regionieuws.xml": {
        "omroeprandstadregio-1016": NONE,
        "omroeprandstadregio-1015": Z,
        "omroeprandstadregio-1014": Z,
        "omroeprandstadregio-1013": R,
        "omroeprandstadregio-1012": NONE,
        "omroeprandstadregio-1011": Z,
        "omroeprandstadregio-1010": R,
        "omroeprandstadregio-1009": BOTH_SCHOOLS,
        "omroeprandstadregio-1008": Z,
        "omroeprandstadregio-1007": Z,
        "omroeprandstadregio-1006": NONE,
        "omroeprandstadregio-1005": NONE,
        "omroeprandstadregio-1004": NONE,
        "omroeprandstadregio-1003": Z,
        "omroeprandstadregio-1002": R,
        "omroeprandstadregio-1001": R,
    },
    "ouderforum.atom": {
        "tag:ouderforum.example,2026:topic-4879": NONE,
        "tag:ouderforum.example,2026:topic-4874": Z,
        "tag:ouderforum.example,2026:topic-4871": Z,
        "tag:ouderforum.example,2026:topic-4867": R,
        "tag:ouderforum.example,2026:topic-4863": R,
        "tag:ouderforum.example,2026:topic-4860": R,
        "tag:ouderforum.example,2026:topic-4856": Z,
        "tag:ouderforum.example,2026:topic-4850": NONE,  # De Regenboog next to Groningen: another school
        "tag:ouderforum.example,2026:topic-4845": Z,
        "tag:ouderforum.example,2026:topic-4841": R,
        "tag:ouderforum.example,2026:topic-4836": Z,
        "tag:ouderforum.example,2026:topic-4830": Z,
        "tag:ouderforum.example,2026:topic-4822": R,
        "tag:ouderforum.example,2026:topic-4817": R,
        "tag:ouderforum.example,2026:topic-4811": NONE,
    },
    "schoolnieuws-zilvermeer.xml": {
        "CBMiANBgJiUR_Ag0QSz2Cys2KGHHJV8tGJN8R3olVEVKEgPbhUXbcY_ZmaAwcTyi92tEZtHAU1yx0gE": Z,
        "CBMiD81KwI-gkhl9mhHfDlbJEDcygWdHRqXG9wRkncniICwwZkQLBR-jSs001SyPd1yT-c_kOp980gE": Z,
        "CBMieTW7C2h2sF0kV0vZEI5Na8GJGVe5VBuUQdTzZEEkqPUe_vIzX_y1Ps3lG8OCKvKjfkBHZtdR0gE": Z,
        "CBMiBE5yf6N4P8_iHVT-BDCmFjrli3p6myagn9f-m3LJCOh3azylil5kPufg_Yhp84__ZAZLP-Ma0gE": Z,
        "CBMi2KyB262RFsm_uMG76eCZhSK-tCKDDMzl387dOzt6QcMJfF3B7ULHsustiCJzQulmgNOao7Tl0gE": Z,
        "CBMiI5JhMW5QWgNKuumiyfD2npSvJdDCJT91PRCCSsXJw01DmhLypdhu4_MNh3GFYhh7j62VWRhl0gE": Z,
        "CBMiyHS8KemfLmcpDWzbHKoqZ6TY7AeUNP706qBxXpAvSsGRxy2EC0J24p52L9ye1yuMRjZci4B20gE": Z,
        "CBMiOSGHGqCIHj6UgwFCrJCZRFL2cP4zfrUDA-qcxtDzrje8CkywlchB5vDRoNDJ6hwn_sykDTC50gE": Z,
        "CBMiTS9LZoz8SOYFnTbpEya_h945uoGfNUUEd7wc5hSmO72gq0hmUyt5Q4CnDPI9baLh4SD9Uoi70gE": Z,
        "CBMicRQw9hZOk4A9k0KLwfq4D0HiE7sZdokwfehgbUN8MDiK0CGEJkMe9GseKYzLSz0rR-aacVmy0gE": Z,
    },
}


def feed_texts(feed: str) -> dict[str, str]:
    """Entry id -> post text, made exactly as the pipeline makes it (feedparser -> RawPost -> to_post)."""
    parsed = feedparser.parse((DEMO_DIR / feed).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    connector = RssConnector("demo", RssSettings(url=f"https://demo.example/{feed}"))
    query = Query(id="feed", text=f"https://demo.example/{feed}")
    fetched_at = datetime(2026, 11, 21, tzinfo=UTC)
    try:
        texts: dict[str, str] = {}
        seen_ids: set[str] = set()
        for entry in parsed.entries:
            raw = connector._raw(entry, query, fetched_at)
            assert raw.native_id not in seen_ids, f"duplicate id {raw.native_id}"
            seen_ids.add(raw.native_id)
            texts[str(entry.get("id"))] = connector.to_post(raw).text
        return texts
    finally:
        connector.close()


@pytest.mark.parametrize("feed", sorted(EXPECTED))
def test_demo_feed_matches_readme(matcher: Matcher, feed: str) -> None:
    texts = feed_texts(feed)
    assert set(texts) == set(EXPECTED[feed])
    got = {entry_id: frozenset(matched(matcher, text)) for entry_id, text in texts.items()}
    assert got == EXPECTED[feed]


def test_demo_feeds_are_all_covered() -> None:
    feeds = {p.name for p in DEMO_DIR.iterdir() if p.suffix in (".xml", ".atom")}
    assert feeds == set(EXPECTED)
    assert sum(len(items) for items in EXPECTED.values()) == 41  # 'Total: 41 items' in the README


def test_expected_table_agrees_with_readme() -> None:
    readme = (DEMO_DIR / "README.md").read_text(encoding="utf-8")
    verdict = {
        "none": NONE,
        REGENBOOG: R,
        ZILVERMEER: Z,
        "both": BOTH_SCHOOLS,
        f"{REGENBOOG} (ambiguous)": R,
    }
    documented: dict[str, frozenset[str]] = {}
    for entry_id, word in re.findall(r"^- `([^`]+)` .*?→ \*\*([^*]+)\*\*", readme, flags=re.MULTILINE):
        documented[entry_id] = verdict[word.strip()]
    flat = {entry_id: ids for items in EXPECTED.values() for entry_id, ids in items.items()}
    assert documented == flat
