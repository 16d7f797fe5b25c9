"""Hostile post texts and links through the digest and the dashboard: nothing crashes, nothing renders active."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.store import Store
from tests.factories import MONDAY_W47, example_config, labelled, seed
from tests.test_hostile import texts

ATTACKS = [
    '<script>alert("x1")</script>', '<img src=x onerror=alert("x2")>', '"><svg onload=alert("x3")>',
    "</textarea><iframe src=//evil.example>", "{{ config }}{% for x in y %}", "\u202egnp.exe",
    "<a href=javascript:x4()>",
]
URLS = st.sampled_from([
    "javascript:alert('x5')", "data:text/html,<script>alert(1)</script>", "https://ok.example/\"onmouseover=alert(6)",
    "vbscript:msgbox", " JaVaScRiPt:alert(7)", "https://nieuws.example/1",
])


class ActiveContent(HTMLParser):
    """Collects what a browser would run or load from the attacks above (escaped text is fine)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        if tag in ("iframe", "svg", "object", "embed"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and ("alert" in value or "x4" in value):
                self.found.append(f"{tag} {name}={value}")
            if name in ("href", "src", "action", "formaction") and value.startswith(("javascript:", "vbscript:",
                                                                                      "data:text")):
                self.found.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and re.search(r'alert\("x\d"\)|alert\(1\)', data):
            self.found.append(f"script: {data[:80]}")


def active(page: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(page)
    parser.close()
    return parser.found


def hostile_store(directory: Path, text: str, url: str, link_posts: bool = False) -> tuple[object, Store]:
    extra = "link_posts = false" if not link_posts else "link_posts = true"
    config = example_config(directory)
    assert config.path is not None
    config.path.write_text(config.path.read_text().replace("link_posts = false", extra))
    from monitor.config import load_config

    config = load_config(config.path)
    store = Store(config.data_dir, fsync=False)
    rows = [labelled(i, "regenboog-zoetermeer", f"De Regenboog in Zoetermeer {body}", sentiment, flagged, url=url)
            for i, (body, sentiment, flagged) in enumerate([(text, "negatief", ["pesten"]),
                                                             (text, "positief", ["compliment"]),
                                                             (text, "onzeker", [])])]
    seed(store, [p for p, _ in rows], [label for _, label in rows])
    return config, store


@settings(max_examples=8)
@given(text=st.one_of(st.sampled_from(ATTACKS), texts).map(lambda t: t + " " + ATTACKS[0]), url=URLS)
def test_digest_renders_hostile_posts_inert(tmp_path_factory: pytest.TempPathFactory, text: str, url: str) -> None:
    from monitor.digest import run_digests
    from monitor.store.schema import iso_week

    config, store = hostile_store(tmp_path_factory.mktemp("digest"), text, url)
    results = run_digests(config, store, week=iso_week(MONDAY_W47))  # type: ignore[arg-type]
    assert results
    for result in results:
        page = result.html_path.read_text(encoding="utf-8")
        assert not active(page)
        assert "\u202e" not in page and "\u202e" not in result.html_path.with_suffix(".txt").read_text()


@settings(max_examples=5)
@given(text=st.one_of(st.sampled_from(ATTACKS), texts).map(lambda t: t + " " + ATTACKS[1]), url=URLS)
def test_dashboard_renders_hostile_posts_inert(tmp_path_factory: pytest.TempPathFactory, text: str, url: str) -> None:
    from dashboards.build import write_dashboard

    config, store = hostile_store(tmp_path_factory.mktemp("dashboard"), text, url, link_posts=True)
    index = write_dashboard(config, store)  # type: ignore[arg-type]
    for path in index.parent.rglob("*"):
        if path.is_file() and path.suffix == ".html":
            content = path.read_text(encoding="utf-8", errors="replace")
            assert not active(content), path.name
