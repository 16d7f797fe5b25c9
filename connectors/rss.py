"""RSS and Atom feeds (local news, school blogs, Google News/Alerts searches) through feedparser.

The bytes are fetched with a timeout and a size cap (feedparser has neither), with conditional requests
(ETag / Last-Modified) so an unchanged feed costs one small 304 answer.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import feedparser
from pydantic import AnyHttpUrl, Field

from connectors.base import Connector, ConnectorSettings, MappingError, PayloadError
from connectors.http import HttpOptions, get_bytes, make_session
from connectors.text import html_to_text
from monitor.config import School
from monitor.records import Page, Post, Query, RawPost, now_utc

log = logging.getLogger(__name__)

MEDIA_TYPES = ("image/", "video/")


class RssSettings(ConnectorSettings):
    url: AnyHttpUrl
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    max_bytes: int = Field(default=5_000_000, gt=0, le=100_000_000)
    retries: int = Field(default=3, ge=0, le=10)


class RssConnector(Connector):
    name: ClassVar[str] = "rss"
    platform: ClassVar[str] = "rss"
    version: ClassVar[str] = "1"
    Settings = RssSettings
    credentials: ClassVar[str] = "geen (openbare feed)"
    description: ClassVar[str] = "RSS- of Atom-feed (regionaal nieuws, schoolblogs, Google Nieuws/Alerts)"

    def __init__(self, source_name: str, settings: ConnectorSettings) -> None:
        super().__init__(source_name, settings)
        assert isinstance(settings, RssSettings)
        self.options = HttpOptions(
            read_timeout=settings.timeout_seconds,
            total_timeout=max(settings.timeout_seconds * 4, 60.0),
            max_bytes=settings.max_bytes,
            retries=settings.retries,
        )
        self.session = make_session(self.options)

    @property
    def url(self) -> str:
        assert isinstance(self.settings, RssSettings)
        return str(self.settings.url)

    def queries(self, schools: Sequence[School]) -> list[Query]:
        return [Query(id="feed", text=self.url, school_ids=tuple(s.id for s in schools))]

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
        parsed = feedparser.parse(result.content, response_headers=_lower(result.headers))
        entries = parsed.get("entries", [])
        if not entries and (parsed.get("bozo") or not parsed.get("version")):
            problem = parsed.get("bozo_exception") or "leeg of onbekend formaat"
            raise PayloadError(
                f"{query.text} is geen leesbare RSS- of Atom-feed ({problem}). Controleer het adres."
            )
        if parsed.get("bozo"):
            problem = parsed.get("bozo_exception")
            log.warning("%s: feed is niet helemaal geldig (%s); gelezen wat kon", self.source_name, problem)
        fetched_at = now_utc()
        items = [self._raw(entry, query, fetched_at) for entry in entries]
        new_cursor = {
            "etag": result.headers.get("ETag") or result.headers.get("etag"),
            "last_modified": result.headers.get("Last-Modified") or result.headers.get("last-modified"),
        }
        yield Page(items, {k: v for k, v in new_cursor.items() if v})

    def _raw(self, entry: Mapping[str, Any], query: Query, fetched_at: datetime) -> RawPost:
        payload = _jsonable(dict(entry))
        return RawPost(
            native_id=_entry_id(entry),
            payload=payload,
            source=self.source_name,
            query=query.text,
            fetched_at=fetched_at,
            connector=self.name,
            connector_version=self.version,
        )

    def to_post(self, raw: RawPost) -> Post:
        entry = raw.payload
        title = html_to_text(str(entry.get("title") or ""))
        body = _body(entry)
        text = title if not body or body == title else (f"{title}\n\n{body}" if title else body)
        if not text.strip():
            raise MappingError("item zonder titel en tekst")
        return Post(
            platform=self.platform,
            native_id=raw.native_id,
            url=entry.get("link") or None,
            created_at=_entry_time(entry),
            fetched_at=raw.fetched_at,
            text=text,
            author=(entry.get("author") or None),
            has_media=_has_media(entry),
            source=raw.source,
            query=raw.query,
        )

    def close(self) -> None:
        self.session.close()


def _entry_id(entry: Mapping[str, Any]) -> str:
    ident = entry.get("id") or entry.get("guid") or entry.get("link")
    if ident:
        return str(ident)
    digest = hashlib.sha256(f"{entry.get('title', '')}|{entry.get('summary', '')}".encode()).hexdigest()
    return "sha256:" + digest[:32]


def _body(entry: Mapping[str, Any]) -> str:
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
    for enclosure in entry.get("enclosures") or []:
        if str(enclosure.get("type", "")).startswith(MEDIA_TYPES):
            return True
    return bool(entry.get("media_content") or entry.get("media_thumbnail"))


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
