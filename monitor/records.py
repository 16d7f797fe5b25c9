"""The normalised post record and the raw payload it came from.

Every connector maps its platform's items to :class:`Post`; the store keeps one row per (post, matched school).
Times are timezone-aware and stored in UTC.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def utc(moment: datetime) -> datetime:
    """Make a datetime timezone-aware UTC; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def now_utc() -> datetime:
    return datetime.now(UTC)


def post_key(platform: str, native_id: str) -> str:
    """The dedupe key: one post per (platform, native id)."""
    return f"{platform}:{native_id}"


@dataclass(frozen=True)
class Query:
    """What a connector searches for. ``id`` is stable, so per-query cursors survive restarts."""

    id: str
    text: str
    school_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class RawPost:
    """A platform item as fetched, with provenance. ``payload`` must be JSON-serialisable."""

    native_id: str
    payload: dict[str, Any]
    source: str
    query: str
    fetched_at: datetime
    connector: str
    connector_version: str

    def payload_json(self) -> str:
        return valid_text(json.dumps(self.payload, ensure_ascii=False, sort_keys=True, default=str))


@dataclass(frozen=True)
class Page:
    """One page of a fetch, committed in one transaction with its posts.

    ``cursor``: this query's state to save once the page's posts are stored (e.g. since_id, ETag).
    ``source_state``: source-wide state to save with it (e.g. X reads used this month), or None to leave it.
    ``notices``: things staff should know about this run that are not errors (a read cap reached, a gap).
    """

    items: list[RawPost]
    cursor: dict[str, Any]
    source_state: dict[str, Any] | None = None
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    school_id: str
    rule: str


@dataclass
class Post:
    """A normalised post. ``author`` holds the platform handle until privacy pseudonymises it.

    ``reply_to`` and ``quote_of`` hold the native id of the referenced post on the same platform."""

    platform: str
    native_id: str
    url: str | None
    created_at: datetime | None
    fetched_at: datetime
    text: str
    author: str | None = None
    language: str | None = None
    has_media: bool = False
    reply_to: str | None = None
    quote_of: str | None = None
    source: str = ""
    query: str = ""
    matches: list[Match] = field(default_factory=list)
    replaces: bool = False  # a newer version of an edited post: it replaces the stored one (text, labels)
    # Native ids it may be stored under already (an earlier import garbled its text): then it is a duplicate, or
    # with ``replaces`` it replaces those too.
    earlier_ids: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return post_key(self.platform, self.native_id)

    def rows(self) -> list[dict[str, Any]]:
        """One store row per matched school."""
        created = utc(self.created_at) if self.created_at else utc(self.fetched_at)
        base = {
            "post_key": self.key,
            "platform": self.platform,
            "native_id": self.native_id,
            "url": self.url,
            "created_at": created,
            "fetched_at": utc(self.fetched_at),
            "author": self.author,
            "text": self.text,
            "language": self.language,
            "has_media": self.has_media,
            "reply_to": self.reply_to,
            "quote_of": self.quote_of,
            "source": self.source,
            "query": self.query,
        }
        base = {k: valid_text(v) if isinstance(v, str) else v for k, v in base.items()}
        return [{**base, "school_id": m.school_id, "match_rule": m.rule} for m in self.matches]


def valid_text(value: str) -> str:
    """``value`` as storable UTF-8: a lone surrogate (e.g. a ``\\ud800`` escape in a JSON payload) becomes U+FFFD
    instead of failing the write of the whole page."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value
