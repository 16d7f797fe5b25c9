"""The digest as people read it: hostile post text stays inert, empty sections say so, Dutch and English."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from monitor.digest import run_digests
from monitor.digest.build import gather, read_shared
from monitor.digest.clean import clean_text, safe_url
from monitor.digest.render import CHART_CID, render_board, render_safety, render_school
from monitor.digest.texts import EN, NL
from tests.digest_helpers import (
    BAD_URL,
    BIDI,
    HOSTILE,
    REGENBOOG,
    W47,
    ZILVERMEER,
    assert_inert,
    item,
    seed_items,
    setup,
)

PNG = b"\x89PNG\r\n\x1a\n"
BOARD = '[digest.board]\nname = "Stichting Test"\nrecipients = ["bestuur@stichting.example"]\n'


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://nieuws.example/a?b=1#c", "https://nieuws.example/a?b=1#c"),
        ("HTTP://nieuws.example/", "HTTP://nieuws.example/"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        (" javascript:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("data:text/html;base64,PHNjcmlwdD4=", None),
        ("vbscript:msgbox(1)", None),
        ("//evil.example/x", None),
        ("https://", None),
        ("https://nieuws.example/\u202egnp.exe", None),
        ("https://nieuws.example/a b", None),
        ("", None),
        (None, None),
    ],
)
def test_only_plain_http_urls_become_links(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_clean_text_strips_tricks_and_cuts_at_a_word() -> None:
    assert clean_text("a\u202eb\u2066c\u2069 d\u200be\x00f\n\n  g") == "abc de f g"
    long = "woord " * 100
    cut = clean_text(long)
    assert len(cut) <= 280 and cut.endswith("woord…")
    assert clean_text(None) == ""


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Any, Any]:
    config, store = setup(tmp_path, BOARD)
    seed_items(store, [
        item(1, REGENBOOG, HOSTILE, "negatief", ("ervaring", "onjuistheid"), url=BAD_URL),
        item(2, REGENBOOG, HOSTILE + " compliment", "positief", ("compliment",), url="jAvAscript:void(0)"),
        item(3, REGENBOOG, "Pesten " + HOSTILE, "negatief", ("pesten",), url=BAD_URL),
        item(4, ZILVERMEER, HOSTILE, "negatief", ("bedreiging",), url="https://x.example/\"><script>alert(1)</script>"),
    ])
    return config, store


def test_hostile_post_is_inert_in_every_html_and_text_part(hostile: tuple[Any, Any]) -> None:
    config, store = hostile
    results = run_digests(config, store, week=W47)
    assert [(r.school_id, r.kind) for r in results] == [
        (REGENBOOG, "digest"), (REGENBOOG, "veiligheid"), (ZILVERMEER, "digest"), (ZILVERMEER, "veiligheid"),
        ("bestuur", "bestuur")]
    shared = read_shared(store, W47, config.digest.history_weeks)
    for school in config.schools:
        data = gather(config, store, school, W47, shared)
        for rendered in (render_school(config, data, "x.html"), render_safety(config, data)):
            for html in (rendered.html, rendered.html_file):
                audit = assert_inert(html)
                if school.id == REGENBOOG:  # the markup is shown as text, so staff can see what was posted
                    assert "<script>alert('x')</script>" in audit.body_text
            assert not any(c in rendered.text for c in BIDI + "\x1b")
            assert "javascript:" not in rendered.text.lower()
            if school.id == REGENBOOG:
                assert "(geen geldige link)" in rendered.text
    main = results[0].html_path.read_text(encoding="utf-8")
    assert main.count("(geen geldige link)") == 2  # onjuistheden (negative too, but listed once), goed nieuws
    safety = results[1].html_path.read_text(encoding="utf-8")
    assert "Pesten Kijk &lt;script&gt;" in safety and "(geen geldige link)" in safety
    assert_inert(safety)
    zilvermeer_safety = results[3].html_path.read_text(encoding="utf-8")
    audit = assert_inert(zilvermeer_safety)
    hrefs = [v for _, name, v in audit.attrs if name == "href"]
    assert hrefs == ['https://x.example/"><script>alert(1)</script>']  # one attribute value, quotes escaped
    for result in results:
        assert_inert(result.html_path.read_text(encoding="utf-8"))
        text = result.html_path.with_suffix(".txt").read_text(encoding="utf-8")
        assert "javascript:" not in text.lower() and not any(c in text for c in BIDI)


def test_author_pseudonym_never_appears(hostile: tuple[Any, Any]) -> None:
    config, store = hostile
    authors = set(store.read_posts(columns=["author"])["author"])
    for result in run_digests(config, store, week=W47):
        for path in (result.html_path, result.html_path.with_suffix(".txt")):
            content = path.read_text(encoding="utf-8")
            assert not any(author in content for author in authors), path


def test_email_html_references_the_inline_chart_and_file_embeds_it(tmp_path: Path) -> None:
    config, store = setup(tmp_path)
    seed_items(store, [item(1, REGENBOOG, "Fijne school", "positief")])
    data = gather(config, store, config.school(REGENBOOG), W47, read_shared(store, W47, 4))
    rendered = render_school(config, data, "x.html")
    assert rendered.images[CHART_CID].startswith(PNG)
    assert f'src="cid:{CHART_CID}"' in rendered.html and "data:image" not in rendered.html
    encoded = base64.b64encode(rendered.images[CHART_CID]).decode()
    assert f'src="data:image/png;base64,{encoded}"' in rendered.html_file
    assert rendered.subject == "Weekoverzicht IKC De Regenboog, week 47 (16 t/m 22 november 2026)"


def test_empty_week_says_so_in_every_section(tmp_path: Path) -> None:
    config, store = setup(tmp_path)
    results = run_digests(config, store, week=W47, school_id=REGENBOOG)
    main_html = results[0].html_path.read_text(encoding="utf-8")
    main_text = results[0].html_path.with_suffix(".txt").read_text(encoding="utf-8")
    for content in (main_html, main_text):
        for sentence in ("summary_none", "safety_none", "discuss_none", "inaccuracies_none", "good_none"):
            assert NL[sentence] in content, sentence
        assert NL["open_none"].format(weeks=4) in content
        for heading in ("h_summary", "h_safety", "h_discuss", "h_inaccuracies", "h_good", "h_open", "h_coverage"):
            assert NL[heading] in content
        assert "Instagram: geen openbare zoekfunctie" in content
    positions = [main_html.index(NL[h]) for h in ("h_summary", "h_safety", "h_discuss", "h_inaccuracies", "h_good",
                                                 "h_open", "h_coverage")]
    assert positions == sorted(positions)
    for content in (results[1].html_path.read_text(encoding="utf-8"),
                    results[1].html_path.with_suffix(".txt").read_text(encoding="utf-8")):
        assert NL["safety_none"] in content and NL["protocol_steps"][0] in content


def test_uncertain_labels_are_marked(tmp_path: Path) -> None:
    config, store = setup(tmp_path)
    seed_items(store, [
        item(1, REGENBOOG, "Mooie musical, echt genoten", "onzeker", ("compliment",), score=0.45),
        item(2, REGENBOOG, "Heel goed geregeld", "positief", score=0.95),
        item(3, REGENBOOG, "Geweldig hoor, wéér uitval", "positief", ("compliment", "ervaring"), score=0.95),
    ])
    data = gather(config, store, config.school(REGENBOOG), W47, read_shared(store, W47, 4))
    marks = {i.text: i.uncertain for i in data.sections.good}
    assert marks == {"Mooie musical, echt genoten": True, "Heel goed geregeld": False,
                     "Geweldig hoor, wéér uitval": True}
    rendered = render_school(config, data, "x.html")
    assert rendered.html.count('class="unsure"') == 3  # the two uncertain items and the explanation below them
    assert "[ONZEKER]" in rendered.text


def test_english_variant_and_texts_complete(tmp_path: Path) -> None:
    def shape(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [shape(v) for v in value]
        return type(value).__name__

    assert shape(NL) == shape(EN)
    config, store = setup(tmp_path, language="en")
    seed_items(store, [item(1, REGENBOOG, "Te veel huiswerk", "negatief", ("ervaring",),
                            evidence=("ervaring.belasting: te veel huiswerk",))])
    results = run_digests(config, store, week=W47, school_id=REGENBOOG)
    html = results[0].html_path.read_text(encoding="utf-8")
    assert "1. Summary" in html and "Homework and test load" in html and "Samenvatting" not in html
    assert '<html lang="en">' in html


def test_board_digest_has_counts_but_no_texts_or_links(hostile: tuple[Any, Any]) -> None:
    config, store = hostile
    shared = read_shared(store, W47, 4)
    schools = [gather(config, store, s, W47, shared) for s in config.schools]
    assert config.digest.board is not None
    rendered = render_board(config, config.digest.board, schools, W47)
    audit = assert_inert(rendered.html)
    assert "a" not in audit.tags
    for content in (rendered.html, rendered.text):
        assert "Kijk" not in content and "x.example" not in content and "nieuws.example" not in content
        assert "IKC De Regenboog" in content and "Zilvermeer College" in content
