"""Weekly aggregates: counts per school/week/source, updated by the pipeline, kept when posts are purged."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from monitor.aggregates import read_weekly, refresh_weekly
from monitor.store import Store
from tests.factories import MONDAY_W47, labelled, post_row, seed


def _count(frame, school: str, week: str, measure: str, value: str) -> int:  # type: ignore[no-untyped-def]
    hit = frame[(frame.school_id == school) & (frame.week == week) & (frame.measure == measure)
                & (frame.value == value)]
    return int(hit["posts"].sum())


def test_counts_per_sentiment_category_and_unlabelled(tmp_path: Path) -> None:
    store = Store(tmp_path)
    pairs = [labelled(1, "a", "gepest", "negatief", ["pesten", "ervaring"]),
             labelled(2, "a", "top", "positief", ["compliment"]),
             labelled(3, "b", "nieuws", "neutraal")]
    seed(store, [p for p, _ in pairs] + [post_row(4, "a", "nog niet gelabeld")], [lab for _, lab in pairs])
    weekly = read_weekly(store)
    assert _count(weekly, "a", "2026-W47", "totaal", "") == 3
    assert _count(weekly, "a", "2026-W47", "sentiment", "negatief") == 1
    assert _count(weekly, "a", "2026-W47", "sentiment", "ongelabeld") == 1
    assert _count(weekly, "a", "2026-W47", "categorie", "pesten") == 1
    assert _count(weekly, "b", "2026-W47", "totaal", "") == 1
    assert set(read_weekly(store, school_id="b")["school_id"]) == {"b"}


def test_refresh_replaces_a_week_and_keeps_weeks_without_posts(tmp_path: Path) -> None:
    store = Store(tmp_path)
    old = MONDAY_W47 - timedelta(weeks=30)
    seed(store, [post_row(1, "a", "oud", old), post_row(2, "a", "nieuw")])
    with store.transaction() as tx:
        tx.add_posts([post_row(3, "a", "nog een")])
    refresh_weekly(store, ["2026-W47"])
    refresh_weekly(store, ["2026-W47"])  # re-running is safe: the week is replaced, not added to
    with store.transaction() as tx:
        tx.delete_posts(["rss:1"])  # as the retention purge does
    refresh_weekly(store)
    weekly = read_weekly(store)
    assert _count(weekly, "a", "2026-W47", "totaal", "") == 2
    assert _count(weekly, "a", "2026-W17", "totaal", "") == 1, "a purged week keeps its counts"
