"""Shared builders for store rows in tests: posts with labels, without running connectors or the model."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.config import Config, load_config
from monitor.setup import example_config_text
from monitor.store import Store
from monitor.store.schema import iso_week

if TYPE_CHECKING:
    from rich.console import Capture

MONDAY_W47 = datetime(2026, 11, 16, 9, tzinfo=UTC)  # ISO week 2026-W47 in Dutch time


def example_config(tmp_path: Path, extra: str = "") -> Config:
    """The example configuration (two fictional schools), with ``extra`` TOML appended."""
    path = tmp_path / "monitor.toml"
    path.write_text(example_config_text() + "\n" + extra, encoding="utf-8")
    return load_config(path)


@contextmanager
def wide_capture() -> Iterator[Capture]:
    """What the CLI prints through ``monitor.report.out``, 200 columns wide (tables do not wrap); the console's own
    width setting is restored afterwards, so later tests still follow COLUMNS."""
    from monitor.report import out

    saved = out._width  # None: follow the terminal / COLUMNS; reading out.width would pin it
    out.width = 200
    try:
        with out.capture() as captured:
            yield captured
    finally:
        out._width = saved


def post_row(
    n: int,
    school_id: str,
    text: str,
    created_at: datetime = MONDAY_W47,
    source: str = "regionieuws",
    platform: str = "rss",
    **extra: Any,
) -> dict[str, Any]:
    row = {"post_key": f"{platform}:{n}", "platform": platform, "native_id": str(n),
           "url": f"https://nieuws.example/{n}", "created_at": created_at, "fetched_at": created_at,
           "author": f"p-{n % 7:04x}", "text": text, "language": "nl", "has_media": False, "reply_to": None,
           "quote_of": None, "source": source, "query": "q", "school_id": school_id, "match_rule": "naam"}
    row.update(extra)
    return row


def label_row(
    post_key: str,
    created_at: datetime,
    sentiment: str,
    flagged: Iterable[str] = (),
    score: float = 0.9,
    evidence: Iterable[str] = (),
) -> dict[str, Any]:
    categories = {name: {"score": 0.9, "flagged": True, "evidence": list(evidence)} for name in flagged}
    others = [s for s in ("negatief", "neutraal", "positief") if s != sentiment]
    probabilities = {sentiment: score, **dict.fromkeys(others, (1 - score) / 2)}
    return {"post_key": post_key, "model_id": "test-model", "language": "nl", "sentiment": sentiment,
            "sentiment_score": score, "probabilities": json.dumps(probabilities), "categories": json.dumps(categories),
            "scored_at": created_at + timedelta(hours=1), "week": iso_week(created_at)}


def seed(store: Store, posts: list[dict[str, Any]], labels: list[dict[str, Any]] | None = None) -> None:
    """Store posts (and labels) in one transaction, then compute the weekly aggregates as the pipeline does."""
    from monitor.aggregates import refresh_weekly

    with store.transaction() as tx:
        tx.add_posts(posts)
        if labels:
            tx.append_labels(labels)
    refresh_weekly(store)


def labelled(
    n: int, school_id: str, text: str, sentiment: str, flagged: Iterable[str] = (),
    created_at: datetime = MONDAY_W47, **extra: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A post row and its label row."""
    post = post_row(n, school_id, text, created_at, **extra)
    return post, label_row(post["post_key"], created_at, sentiment, flagged)
