"""Shared helpers for the digest tests: a seeded store, and an HTML auditor that lists every tag and attribute."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from monitor.config import Config, load_config
from monitor.store import Store
from tests.factories import MONDAY_W47, example_config, label_row, post_row, seed

W47 = "2026-W47"
REGENBOOG = "regenboog-zoetermeer"
ZILVERMEER = "zilvermeer-almere"
BIDI = "\u202e\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u200e\u200f\u200b\u200d\ufeff"
HOSTILE = (
    "Kijk <script>alert('x')</script> en <img src=x onerror=alert(1)> en "
    "<a href=\"javascript:alert(2)\">klik</a> <img src=\"http://tracker.example/p.gif\" width=1>"
    " juf \u202eredrom\u202c \u2066gevaar\u2069 zero\u200bwidth \x1b[31mrood"
)
BAD_URL = "javascript:alert(document.cookie)"


def setup(tmp_path: Path, extra: str = "", language: str = "nl") -> tuple[Config, Store]:
    """The example configuration (two schools) with ``extra`` TOML appended, in ``language``."""
    config = example_config(tmp_path, extra)
    if language != config.language:
        path = tmp_path / "monitor.toml"
        path.write_text(path.read_text(encoding="utf-8").replace('language = "nl"', f'language = "{language}"', 1),
                        encoding="utf-8")
        config = load_config(path)
    return config, Store(config.data_dir)


def item(
    n: int, school: str, text: str, sentiment: str, flagged: tuple[str, ...] = (), *, days: float = 0,
    evidence: tuple[str, ...] = (), score: float = 0.9, **extra: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A post (``days`` after Monday of W47; negative for earlier weeks) and its label."""
    created = MONDAY_W47 + timedelta(days=days)
    post = post_row(n, school, text, created, **extra)
    return post, label_row(post["post_key"], created, sentiment, flagged, score=score, evidence=evidence)


def seed_items(store: Store, items: list[tuple[dict[str, Any], dict[str, Any] | None]]) -> None:
    seed(store, [p for p, _ in items], [label for _, label in items if label is not None])


class TagAudit(HTMLParser):
    """Every element, attribute and text node of a document, to check that post text stayed text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []  # (tag, name, value)
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, name, value or "") for name, value in attrs]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def body_text(self) -> str:
        return " ".join(self.text)


SAFE_TAGS = {"html", "head", "meta", "title", "style", "body", "div", "h1", "h2", "h3", "p", "strong", "span", "code",
             "ul", "ol", "li", "a", "img", "table", "tr", "th", "td", "br"}


def assert_inert(html: str) -> TagAudit:
    """No element or attribute came from a post: only the template's own tags, links only to http(s)."""
    audit = TagAudit(html)
    assert set(audit.tags) <= SAFE_TAGS, set(audit.tags) - SAFE_TAGS
    assert audit.tags.count("style") == 1 and "script" not in audit.tags
    for tag, name, value in audit.attrs:
        assert not name.startswith("on"), (tag, name, value)
        assert "javascript:" not in value.lower(), (tag, name, value)
        if name == "href":
            assert value.startswith(("http://", "https://")), value
        if name == "src":
            assert tag == "img" and value.startswith(("cid:", "data:image/png;base64,")), value
    assert not any(c in html for c in BIDI + "\x1b")
    return audit
