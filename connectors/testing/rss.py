"""Fake feeds for the ``rss`` and ``google-news`` connectors, served from a LocalServer on 127.0.0.1.

``RssFake`` serves an RSS 2.0 feed at ``/feed.xml``: items newest first, ``page_size`` per page, later pages
linked the RFC 5005 way (``<atom:link rel="next" href=".../feed.xml?page=2"/>``), an ETag per page and 304 for a
matching ``If-None-Match``. Items carry a ``guid`` (the FakeItem id) and no ``<link>``, so the connector's native id
is the FakeItem id. A malformed item has no title and no description, which ``to_post`` rejects (MappingError).

``GoogleNewsFake`` serves ``/rss/search?q=...`` in Google News' format (headline `` - Publisher``, an opaque
``news.google.com/rss/articles/CBMi...`` link, ``<source url>``); it honours the quoted names and ``-terms`` of
``q``. It has the PlatformFake methods but is deliberately not a PlatformFake: Google News does not page
(``page_size`` is ignored), so the contract suite's pagination check cannot apply; ``tests/test_feeds.py`` covers
it. Both fakes need no credentials.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from datetime import UTC
from email.utils import format_datetime
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

from connectors.testing import FailureQueue, FakeItem, PlatformFake
from connectors.testing.server import LocalServer, Reply, SeenRequest

RSS_TYPE = "application/rss+xml; charset=utf-8"


class _FeedServing:
    """Shared bookkeeping: published items, scripted failures, request count, ETag/304 (not a PlatformFake itself)."""

    path: ClassVar[str]

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.items: list[FakeItem] = []
        self.page_size = 2
        self._failures = FailureQueue()
        self._requests = 0
        self._lock = threading.Lock()
        server.routes[self.path] = self._answer

    def publish(self, items: list[FakeItem], page_size: int = 2) -> None:
        with self._lock:
            self.items = sorted(items, key=lambda item: item.created_at, reverse=True)
            self.page_size = max(page_size, 1)

    def fail_next(self, reply: Reply, times: int = 1) -> None:
        self._failures.add(reply, times)

    def search_requests(self) -> int:
        return self._requests

    def _answer(self, seen: SeenRequest) -> Reply:
        with self._lock:
            self._requests += 1
            failure = self._failures.take()
            if failure is not None:
                return failure
            items = list(self.items)
        params = {k: v[-1] for k, v in parse_qs(urlsplit(seen.path).query).items()}
        try:
            body = self.render(items, params)
        except ValueError as exc:
            return Reply(400, str(exc).encode())
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if seen.headers.get("if-none-match") == etag:
            return Reply(304, headers={"ETag": etag})
        return Reply(200, body, {"Content-Type": RSS_TYPE, "ETag": etag})

    def render(self, items: list[FakeItem], params: dict[str, str]) -> bytes:
        raise NotImplementedError

    # Error answers as web servers send them for feeds (plain text or HTML, not JSON).
    def rate_limited_reply(self, wait: int) -> Reply:
        return Reply(429, b"Too Many Requests", {"Retry-After": str(wait), "Content-Type": "text/plain"})

    def server_error_reply(self) -> Reply:
        body = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
        return Reply(500, body, {"Content-Type": "text/html"})

    def unauthorized_reply(self) -> Reply:
        return Reply(401, b"Unauthorized", {"Content-Type": "text/plain", "WWW-Authenticate": 'Basic realm="feed"'})


class RssFake(_FeedServing, PlatformFake):
    type: ClassVar[str] = "rss"
    path: ClassVar[str] = "/feed.xml"

    def source_options(self, **overrides: Any) -> dict[str, Any]:
        # max_pages: enough to read everything that is published in tests and the demo.
        return {"url": self.server.url + self.path, "max_pages": 50, **overrides}

    def render(self, items: list[FakeItem], params: dict[str, str]) -> bytes:
        page_text = params.get("page", "1")
        if not page_text.isdigit() or int(page_text) < 1:
            raise ValueError(f"page must be a positive number, not {page_text!r}")
        page = int(page_text)
        start = (page - 1) * self.page_size
        chunk = items[start : start + self.page_size]
        url = self.server.url + self.path
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">',
            "<channel><title>Testfeed (nep)</title>",
            f"<link>{escape(self.server.url)}/</link><description>Nepfeed voor tests en de demo</description>",
            f'<atom:link rel="self" href={quoteattr(f"{url}?page={page}" if page > 1 else url)}/>',
        ]
        if page > 1:
            parts.append(f'<atom:link rel="first" href={quoteattr(url)}/>')
        if start + self.page_size < len(items):
            parts.append(f'<atom:link rel="next" href={quoteattr(f"{url}?page={page + 1}")}/>')
        for item in chunk:
            parts.append(_rss_item(item))
        parts.append("</channel></rss>")
        return "".join(parts).encode("utf-8")


def _rss_item(item: FakeItem) -> str:
    fields = [
        f'<guid isPermaLink="false">{escape(item.id)}</guid>',
        f"<pubDate>{format_datetime(item.created_at)}</pubDate>",
    ]
    if not item.malformed:
        fields.append(f"<dc:creator>{escape(item.author)}</dc:creator>")
        fields.append(f"<description>{escape(item.text)}</description>")
    return "<item>" + "".join(fields) + "</item>"


class GoogleNewsFake(_FeedServing):
    type: ClassVar[str] = "google-news"
    path: ClassVar[str] = "/rss/search"
    env: ClassVar[dict[str, str]] = {}
    auth_env: ClassVar[str | None] = None

    def source_options(self, **overrides: Any) -> dict[str, Any]:
        return {"api_url": self.server.url, **overrides}

    def queries_seen(self) -> list[str]:
        """The ``q`` parameter of every search request, in order."""
        out = []
        for request in self.server.hits(self.path):
            out.extend(parse_qs(urlsplit(request.path).query).get("q", []))
        return out

    def render(self, items: list[FakeItem], params: dict[str, str]) -> bytes:
        query = params.get("q", "")
        if not query.strip():
            raise ValueError("q is required")
        wanted, unwanted = _search_terms(query)
        chosen = [i for i in items if _matches(i.text, wanted, unwanted)]
        parts = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
            '<rss xmlns:media="http://search.yahoo.com/mrss/" version="2.0"><channel>',
            "<generator>NFE/5.0</generator>",
            f"<title>{escape(query)} - Google Nieuws</title>",
            f"<link>{escape(self.server.url)}/search</link><language>nl</language>",
            "<description>Google Nieuws</description>",
        ]
        parts += [_google_item(item) for item in chosen]
        parts.append("</channel></rss>")
        return "".join(parts).encode("utf-8")


def _search_terms(query: str) -> tuple[list[str], list[str]]:
    unwanted = [a or b for a, b in re.findall(r'(?<!\S)-"([^"]+)"|(?<!\S)-([^\s"]+)', query)]
    rest = re.sub(r'(?<!\S)-"[^"]+"|(?<!\S)-[^\s"]+', " ", query)
    wanted = re.findall(r'"([^"]+)"', rest)
    return [w.casefold() for w in wanted], [u.casefold() for u in unwanted if not u.startswith("when:")]


def _matches(text: str, wanted: list[str], unwanted: list[str]) -> bool:
    folded = text.casefold()
    if any(term in folded for term in unwanted):
        return False
    return not wanted or any(term in folded for term in wanted)


def opaque_article_id(item_id: str) -> str:
    """A newer-style Google News article id (``CBMi`` + an internal reference), which cannot be decoded offline."""
    reference = b"AU_yqL" + hashlib.sha256(item_id.encode()).hexdigest()[:40].encode()
    raw = b"\x08\x13\x22" + bytes([len(reference)]) + reference + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _google_item(item: FakeItem) -> str:
    publisher = item.author.lstrip("@") or "Onbekende uitgever"
    site = "https://www." + (re.sub(r"[^a-z0-9]+", "", publisher.lower()) or "uitgever") + ".example"
    article = opaque_article_id(item.id)
    link = f"https://news.google.com/rss/articles/{article}?oc=5"
    headline = " ".join(item.text.split())
    fields = [
        f"<link>{escape(link)}</link>",
        f'<guid isPermaLink="false">{escape(article)}</guid>',
        f"<pubDate>{format_datetime(item.created_at.astimezone(UTC), usegmt=True)}</pubDate>",
    ]
    if not item.malformed:
        description = (
            f'<a href="{escape(link)}" target="_blank">{escape(headline)}</a>'
            f'&nbsp;&nbsp;<font color="#6f6f6f">{escape(publisher)}</font>'
        )
        fields.insert(0, f"<title>{escape(headline)} - {escape(publisher)}</title>")
        fields.append(f"<description>{escape(description)}</description>")
        fields.append(f"<source url={quoteattr(site)}>{escape(publisher)}</source>")
    return "<item>" + "".join(fields) + "</item>"
