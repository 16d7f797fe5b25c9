"""RSS and Atom feeds (local news, school blogs, Google News/Alerts searches) through feedparser.

The bytes are fetched with a timeout and a size cap (feedparser has neither), with conditional requests
(ETag / Last-Modified) so an unchanged feed costs one small 304 answer. Paged feeds (RFC 5005, ``<atom:link
rel="next">``) are followed up to ``max_pages``.

Identity (the ``native_id``, so the same article from two feeds is stored once; all feed connectors share the
platform "rss"), see :func:`entry_identity`:

1. the canonical URL of the item's link (``connectors/links.py``: tracking parameters dropped, Google Alerts and
   older Google News links unwrapped), unless the link is a site's front page or several items of one feed page
   share it (then it says nothing about the item);
2. for a Google News item whose link is opaque (newer ids cannot be decoded offline): ``title:<publisher
   site>|<publication date>|<headline>``, from ``<source url>``, the day of ``pubDate`` and the headline without
   its " - Publisher" suffix, folded. Only headlines of at least three words and 15 characters qualify; others
   keep the opaque link, which Google keeps stable across queries. Same site + same day + same headline is the
   same article; anything less is not merged (a duplicate is better than a lost post);
3. else the guid (Atom id), else a hash of title and summary.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
import re
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import feedparser
from pydantic import AnyHttpUrl, Field

from connectors.base import Connector, ConnectorSettings, MappingError, PayloadError
from connectors.http import HttpOptions, HttpResult, get_bytes, make_session
from connectors.links import (
    canonical_url,
    has_article_path,
    is_google_news_link,
    is_web_url,
    normalise_title,
    site_key,
    strip_publisher,
)
from connectors.text import html_to_text
from monitor.config import School
from monitor.records import Page, Post, Query, RawPost, now_utc
from monitor.words import compiled, rewrite

log = logging.getLogger(__name__)

MEDIA_TYPES = ("image/", "video/")
SEEN_CAP = 500  # item hashes kept in the cursor of a paged feed
MIN_TITLE_WORDS = 3
MIN_TITLE_CHARS = 15


class FeedSettings(ConnectorSettings):
    """What every feed-based connector has: limits for the download."""

    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    max_bytes: int = Field(default=5_000_000, gt=0, le=100_000_000)
    retries: int = Field(default=3, ge=0, le=10)


class RssSettings(FeedSettings):
    url: AnyHttpUrl
    max_pages: int = Field(default=1, ge=1, le=100)


class RssConnector(Connector):
    name: ClassVar[str] = "rss"
    platform: ClassVar[str] = "rss"
    version: ClassVar[str] = "2"  # 2: identity is the canonical link (connectors/links.py), no longer the guid
    Settings: ClassVar[type[ConnectorSettings]] = RssSettings
    credentials: ClassVar[str] = "geen (openbare feed)"
    description: ClassVar[str] = "RSS- of Atom-feed (regionaal nieuws, schoolblogs, forums)"

    def __init__(self, source_name: str, settings: ConnectorSettings) -> None:
        super().__init__(source_name, settings)
        assert isinstance(settings, FeedSettings)
        self.options = HttpOptions(
            read_timeout=settings.timeout_seconds,
            max_bytes=settings.max_bytes,
            retries=settings.retries,
        )
        self.session = make_session(self.options, source_name)

    @property
    def url(self) -> str:
        assert isinstance(self.settings, RssSettings)
        return str(self.settings.url)

    def queries(self, schools: Sequence[School]) -> list[Query]:
        return [Query(id="feed", text=self.url, school_ids=tuple(s.id for s in schools))]

    @property
    def max_pages(self) -> int:
        return self.settings.max_pages if isinstance(self.settings, RssSettings) else 1

    def fetch(self, query: Query, cursor: Mapping[str, Any]) -> Iterator[Page]:
        headers = {}
        if cursor.get("etag"):
            headers["If-None-Match"] = str(cursor["etag"])
        if cursor.get("last_modified"):
            headers["If-Modified-Since"] = str(cursor["last_modified"])
        result = get_bytes(self.session, query.text, self.options, headers)
        if result.status == 304:
            log.info("%s: feed ongewijzigd (304)", self.source_name)
            yield Page([], dict(cursor))
            return
        parsed = self._parse(result, query.text, first=True)
        new_cursor = {
            "etag": result.headers.get("ETag") or result.headers.get("etag"),
            "last_modified": result.headers.get("Last-Modified") or result.headers.get("last-modified"),
        }
        new_cursor = {k: v for k, v in new_cursor.items() if v}
        if self.max_pages <= 1:
            yield Page(self._raws(parsed, query), new_cursor)
            return
        yield from self._paged(query, cursor, new_cursor, result, parsed)

    def _paged(
        self,
        query: Query,
        cursor: Mapping[str, Any],
        new_cursor: dict[str, Any],
        result: HttpResult,
        parsed: Mapping[str, Any],
    ) -> Iterator[Page]:
        """Follow ``rel="next"`` while pages bring items not seen in earlier runs, up to ``max_pages``.

        Every page but the last carries the old cursor, so a run that breaks off halfway starts again from the
        first page next time (dedupe drops what was stored); the last page carries the new ETag and seen items.
        """
        known_list = [str(h) for h in cursor.get("seen") or []]
        known = set(known_list)
        seen_now: list[str] = []
        visited = {query.text, result.url}
        page_number = 1
        while True:
            items = self._raws(parsed, query)
            fresh = [raw for raw in items if _item_hash(raw.native_id) not in known]
            seen_now.extend(_item_hash(raw.native_id) for raw in items)
            next_url = self._next_link(parsed, result.url)
            more = bool(fresh) and next_url is not None and next_url not in visited
            if not more or page_number >= self.max_pages:
                notices: tuple[str, ...] = ()
                if more:
                    notices = (
                        f"{query.text}: na {self.max_pages} pagina's gestopt terwijl er nog nieuwe items waren; "
                        "oudere items zijn overgeslagen. Verhoog max_pages als dat vaker gebeurt.",
                    )
                seen = list(dict.fromkeys([*seen_now, *known_list]))[:SEEN_CAP]
                yield Page(fresh, {**new_cursor, "seen": seen}, notices=notices)
                return
            yield Page(fresh, dict(cursor))
            assert next_url is not None
            visited.add(next_url)
            page_number += 1
            result = get_bytes(self.session, next_url, self.options)
            parsed = self._parse(result, next_url, first=False) if result.status != 304 else {"entries": []}

    def _parse(self, result: HttpResult, url: str, first: bool) -> Mapping[str, Any]:
        parsed: Mapping[str, Any] = feedparser.parse(result.content, response_headers=_lower(result.headers))
        entries = parsed.get("entries", [])
        if not entries and (parsed.get("bozo") or not parsed.get("version")):
            problem = feed_problem(parsed.get("bozo_exception")) or "leeg of onbekend formaat"
            where = "" if first else " (een vervolgpagina)"
            raise PayloadError(f"{url}{where} is geen leesbare RSS- of Atom-feed ({problem}). Controleer het adres.")
        if parsed.get("bozo"):
            problem = feed_problem(parsed.get("bozo_exception"))
            log.warning("%s: feed is niet helemaal geldig (%s); gelezen wat kon", self.source_name, problem)
        return parsed

    def _next_link(self, parsed: Mapping[str, Any], base: str) -> str | None:
        """The RFC 5005 ``rel="next"`` link of a feed page, if it stays on the same server."""
        feed = parsed.get("feed") or {}
        for link in feed.get("links") or []:
            if link.get("rel") == "next" and link.get("href"):
                target = urljoin(base, str(link["href"]))
                here, there = urlsplit(base), urlsplit(target)
                if (here.scheme, here.netloc) != (there.scheme, there.netloc):
                    log.warning(
                        "%s: volgende pagina %s staat op een andere server; niet gevolgd", self.source_name, target
                    )
                    return None
                return target
        return None

    def _raws(self, parsed: Mapping[str, Any], query: Query) -> list[RawPost]:
        fetched_at = now_utc()
        entries = list(parsed.get("entries", []))
        links = Counter(_canonical_link(entry) for entry in entries)
        shared = frozenset(link for link, count in links.items() if link and count > 1)
        language = (parsed.get("feed") or {}).get("language")
        raws = [self._raw(entry, query, fetched_at, shared) for entry in entries]
        for raw in raws:  # the channel's <language> holds for every item that does not say otherwise
            if isinstance(language, str) and language and "feed_language" not in raw.payload:
                raw.payload["feed_language"] = language
        return raws

    def _raw(
        self, entry: Mapping[str, Any], query: Query, fetched_at: datetime, shared: frozenset[str] = frozenset()
    ) -> RawPost:
        payload = _jsonable(dict(entry))
        return self.raw_post(entry_identity(entry, shared), payload, query.text, fetched_at)

    def to_post(self, raw: RawPost) -> Post:
        entry = raw.payload
        text = self._text(entry)
        if not text.strip():
            raise MappingError("item zonder titel en tekst")
        return Post(
            platform=self.platform,
            native_id=raw.native_id,
            url=_canonical_link(entry) or None,
            created_at=_entry_time(entry),
            fetched_at=raw.fetched_at,
            text=text,
            author=self._author(entry),
            has_media=self._has_media(entry),
            language=entry_language(entry),
            source=raw.source,
            query=raw.query,
        )

    def _text(self, entry: Mapping[str, Any]) -> str:
        title = html_to_text(str(entry.get("title") or ""))
        body = body_text(entry)
        return title if not body or body == title else (f"{title}\n\n{body}" if title else body)

    def _author(self, entry: Mapping[str, Any]) -> str | None:
        return entry.get("author") or None

    def _has_media(self, entry: Mapping[str, Any]) -> bool:
        return _has_media(entry)

    def close(self) -> None:
        self.session.close()


def entry_identity(entry: Mapping[str, Any], shared_links: frozenset[str] = frozenset()) -> str:
    """The native id of a feed item (rules in the module docstring); the same for every feed connector."""
    link = _canonical_link(entry)
    if link and is_google_news_link(link):
        return google_news_key(entry) or link
    if link and link not in shared_links and has_article_path(link):
        return link
    ident = entry.get("id") or entry.get("guid")
    if ident:
        return str(ident)
    digest = hashlib.sha256(f"{entry.get('title', '')}|{entry.get('summary', '')}".encode()).hexdigest()
    return "sha256:" + digest[:32]


def google_news_key(entry: Mapping[str, Any]) -> str | None:
    """``title:<site>|<day>|<headline>`` for a Google News item, or None when that would not be safe."""
    source = entry.get("source") or {}
    publisher_url = str(source.get("href") or "") if isinstance(source, Mapping) else ""
    if not publisher_url:
        return None
    publisher = str(source.get("title") or "") or None
    headline = normalise_title(strip_publisher(html_to_text(str(entry.get("title") or "")), publisher))
    if len(headline.split()) < MIN_TITLE_WORDS or len(headline) < MIN_TITLE_CHARS:
        return None
    published = _entry_time(entry)
    day = published.date().isoformat() if published else ""
    return f"title:{site_key(publisher_url)}|{day}|{headline}"


def _canonical_link(entry: Mapping[str, Any]) -> str:
    link = str(entry.get("link") or "").strip()
    if not link:
        return ""
    canonical = canonical_url(link)
    return canonical if is_web_url(canonical) else ""


def _item_hash(native_id: str) -> str:
    return hashlib.sha256(native_id.encode()).hexdigest()[:16]


def body_text(entry: Mapping[str, Any]) -> str:
    contents = entry.get("content") or []
    html = ""
    if contents and isinstance(contents, list):
        html = str(contents[0].get("value") or "")
    if not html:
        html = str(entry.get("summary") or entry.get("description") or "")
    return html_to_text(html)


def _entry_time(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(tuple(value)), UTC)
            except (TypeError, ValueError, OverflowError):
                continue
    return None


def _has_media(entry: Mapping[str, Any]) -> bool:
    """A photo or video with the item: an ``<enclosure>`` (feedparser computes ``enclosures`` from the links with
    rel="enclosure"; the stored entry only has the links), ``media:content``/``media:thumbnail``, or an image in the
    item's HTML."""
    enclosures = [*(entry.get("enclosures") or []),
                  *(link for link in entry.get("links") or [] if isinstance(link, Mapping)
                    and link.get("rel") == "enclosure")]
    for enclosure in enclosures:
        kind = str(enclosure.get("type", ""))
        if kind.startswith(MEDIA_TYPES) or (not kind and _IMAGE_FILE.search(str(enclosure.get("href", "")))):
            return True
    if entry.get("media_content") or entry.get("media_thumbnail"):
        return True
    html = " ".join(str(c.get("value") or "") for c in entry.get("content") or [] if isinstance(c, Mapping))
    return bool(_IMG_TAG.search(html + str(entry.get("summary") or "")))


_IMG_TAG = re.compile(r"<img\b[^>]*\bsrc\s*=", re.IGNORECASE)
_IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp|mp4|mov|webm)(?:[?#]|$)", re.IGNORECASE)


def entry_language(entry: Mapping[str, Any]) -> str | None:
    """The item's language (xml:lang on its text), else the feed's ``<language>``; "nl-NL" becomes "nl"."""
    details = [entry.get("title_detail"), entry.get("summary_detail"), *(entry.get("content") or [])]
    for value in (*(d.get("language") for d in details if isinstance(d, Mapping)), entry.get("feed_language")):
        if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", value.strip()):
            return value.strip().split("-")[0].split("_")[0].lower()
    return None


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _jsonable(value: Any) -> Any:
    """feedparser's dicts hold struct_time values; turn them into lists so the payload is plain JSON."""
    if isinstance(value, time.struct_time):
        return list(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


# feedparser's notes about a feed it could still read, in Dutch (its own texts are English).
_FEED_PROBLEMS = [
    (r"document declared as (\S+), but parsed as (\S+)", r"de feed zegt tekencodering \1 te gebruiken, maar is \2; zo "
                                                          r"gelezen"),
    (r"(\S+) is not an XML media type", r"de server noemt de feed \1 in plaats van XML"),
    (r"document encoding unknown, I tried (.+)", r"tekencodering onbekend; geprobeerd: \1"),
    (r"^<unknown>:(\d+):(\d+): (.+)$", r"geen geldige XML op regel \1, teken \2 (\3)"),
    (r"not well-formed \(invalid token\)", "ongeldig teken"),
    (r"undefined entity", "onbekende entiteit"),
    (r"mismatched tag", "tags sluiten niet op elkaar aan"),
    (r"no element found", "het document houdt halverwege op"),
]
_FEED_PHRASES = compiled(_FEED_PROBLEMS)


def feed_problem(exc: object) -> str:
    """A feedparser bozo exception as a Dutch phrase ("" for none)."""
    return rewrite(str(exc), _FEED_PHRASES) if exc is not None else ""
