"""Fake platforms for tests and the offline demo.

Each fake serves a platform's documented response format from a LocalServer on 127.0.0.1, so the real client
library (feedparser, tweepy, praw, Mastodon.py, atproto) runs against it. Every fake implements
:class:`PlatformFake` and lives in ``connectors/testing/<platform>.py``; the contract suite
(``tests/test_connector_contract.py``) runs the same checks over all of them. Nothing here talks to the internet.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from connectors.base import Connector
from connectors.testing.server import LocalServer, Reply
from monitor.records import Query, RawPost


@dataclass(frozen=True)
class FakeItem:
    """One post on the fake platform. ``malformed`` items are served broken (e.g. without id or text)."""

    id: str
    text: str
    author: str
    created_at: datetime  # tz-aware
    malformed: bool = False


class FailureQueue:
    """Scripted failures for a fake's search route, safe to use from the server's request threads."""

    def __init__(self) -> None:
        self._replies: list[Reply] = []
        self._lock = threading.Lock()

    def add(self, reply: Reply, times: int = 1) -> None:
        with self._lock:
            self._replies.extend([reply] * times)

    def clear(self) -> None:
        with self._lock:
            self._replies.clear()

    def take(self) -> Reply | None:
        """The next scripted failure, or None when the normal answer is due."""
        with self._lock:
            return self._replies.pop(0) if self._replies else None


class PlatformFake(ABC):
    """A platform served from ``server``. Items are served newest first, ``page_size`` per page."""

    type: ClassVar[str]  # the connector's registry name, e.g. "x"
    env: ClassVar[dict[str, str]] = {}  # credentials the connector reads from the environment
    auth_env: ClassVar[str | None] = None  # the variable a 401 message must name (None: no credentials)

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self._failures = FailureQueue()

    @abstractmethod
    def source_options(self, **overrides: Any) -> dict[str, Any]:
        """Connector settings (without name/type) pointing at the server; ``timeout_seconds`` etc. may be overridden."""

    @abstractmethod
    def publish(self, items: list[FakeItem], page_size: int = 2) -> None:
        """Serve these items from now on (replacing earlier ones), paginated the platform's way."""

    def fail_next(self, reply: Reply, times: int = 1) -> None:
        """The next ``times`` search/list requests get ``reply`` instead; afterwards the normal answers resume.
        A fake's search route calls ``self._failures.take()`` first."""
        self._failures.add(reply, times)

    def clear_failures(self) -> None:
        self._failures.clear()

    @abstractmethod
    def search_requests(self) -> int:
        """How many search/list requests the server has answered (pagination and retries are counted)."""

    def rate_limited_reply(self, wait: int) -> Reply:
        """A 429 answer in this platform's format, asking to come back in ``wait`` seconds."""
        return Reply(429, b'{"error": "rate limited"}', {"Retry-After": str(wait), "Content-Type": "application/json"})

    def server_error_reply(self) -> Reply:
        return Reply(500, b'{"error": "internal error"}', {"Content-Type": "application/json"})

    def unauthorized_reply(self) -> Reply:
        return Reply(401, b'{"error": "unauthorized"}', {"Content-Type": "application/json"})


SAMPLE_TIME = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def sample_items(
    count: int,
    start: int = 0,
    malformed: tuple[int, ...] = (),
    first_id: int = 1000,
    text: str = "Bericht {n} over het Zilvermeer College in Almere #zilvermeercollege",
) -> list[FakeItem]:
    """``count`` posts about a demo school, ten minutes apart, newest first; ``malformed`` picks broken ones."""
    return [
        FakeItem(
            id=f"{first_id + n}",
            text=text.format(n=n),
            author=f"ouder{n}",
            created_at=SAMPLE_TIME - timedelta(minutes=10 * n),
            malformed=n in malformed,
        )
        for n in range(start, start + count)
    ]


def demo_items(filename: str) -> list[FakeItem]:
    """The demo's posts for one platform (``monitor/demo_data/<filename>``, e.g. ``x.json``) as FakeItems."""
    import json
    from importlib.resources import files

    raw = json.loads(files("monitor").joinpath("demo_data", filename).read_text(encoding="utf-8"))
    return [
        FakeItem(str(r["id"]), str(r["text"]), str(r["author"]), datetime.fromisoformat(str(r["created_at"])))
        for r in raw
    ]


def fetch_pages(
    connector: Connector, query: Query, cursor: Mapping[str, Any] | None = None
) -> tuple[list[RawPost], dict[str, Any], list[str]]:
    """Run one fetch to the end: all raw posts, the last cursor and every notice."""
    found: list[RawPost] = []
    last: dict[str, Any] = dict(cursor or {})
    notices: list[str] = []
    for page in connector.fetch(query, cursor or {}):
        found.extend(page.items)
        last = page.cursor
        notices.extend(page.notices)
    return found, last, notices
