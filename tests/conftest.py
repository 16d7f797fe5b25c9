"""Shared fixtures: a real HTTP server on 127.0.0.1 with scripted answers, and sleeps that do not sleep."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.testing.server import LocalServer, Reply, SeenRequest, running_server

__all__ = ["LocalServer", "Reply", "SeenRequest", "feed_bytes", "rss_feed"]

DEMO_DATA = Path(__file__).resolve().parent.parent / "monitor" / "demo_data"


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    with running_server() as server:
        yield server


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retries back off with time.sleep; record the waits instead of sleeping (as praw's test suite does)."""
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    return waits


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MONITOR_CONFIG", "MONITOR_DATA_DIR", "MONITOR_LOG_LEVEL", "MONITOR_PSEUDONYM_KEY"):
        monkeypatch.delenv(name, raising=False)


def feed_bytes(name: str) -> bytes:
    return (DEMO_DATA / name).read_bytes()


def rss_feed(items: list[dict[str, str]], title: str = "Testfeed") -> bytes:
    """A small RSS 2.0 document; item values are inserted as given (escape them yourself)."""
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>']
    for item in items:
        parts.append("<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in item.items()) + "</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")
