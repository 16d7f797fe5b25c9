"""Table layouts of the Parquet store.

Each table is a set of immutable Parquet files under ``<data_dir>/store/<table>/<partition>/``; which files are
part of the table is decided by the manifest alone (see ``manifest.py``), so a half-written file is never read.

posts       one row per (post, matched school); partitioned by school and ISO week (Europe/Amsterdam) of creation
raw         the platform payload per stored post, with provenance; partitioned by ISO week of fetching
post_index  (post_key, school_id, week): the dedupe index and a map to find any post without a full scan
labels      model output keyed by (post_key, model_id); partitioned by week of the post; appended, newest wins
reviews     append-only review events (never edited in place)
runs        one row per collection run of a source: counts and errors, for ``monitor status``
state       per source/query cursor (JSON), replaced as a whole on each commit
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pyarrow as pa

SCHEMA_VERSION = 1
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")

TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class TableSpec:
    name: str
    schema: pa.Schema
    partition_by: tuple[str, ...] = ()
    key: tuple[str, ...] = ()
    compact_after: int = 8  # files per partition before they are merged into one

    @property
    def columns(self) -> list[str]:
        return list(self.schema.names)


POSTS = TableSpec(
    "posts",
    pa.schema(
        [
            ("post_key", pa.string()),
            ("platform", pa.string()),
            ("native_id", pa.string()),
            ("url", pa.string()),
            ("created_at", TS),
            ("fetched_at", TS),
            ("author", pa.string()),
            ("text", pa.string()),
            ("language", pa.string()),
            ("has_media", pa.bool_()),
            ("reply_to", pa.string()),
            ("quote_of", pa.string()),
            ("source", pa.string()),
            ("query", pa.string()),
            ("school_id", pa.string()),
            ("match_rule", pa.string()),
            ("week", pa.string()),
        ]
    ),
    partition_by=("school_id", "week"),
    key=("post_key", "school_id"),
)

RAW = TableSpec(
    "raw",
    pa.schema(
        [
            ("post_key", pa.string()),
            ("source", pa.string()),
            ("query", pa.string()),
            ("fetched_at", TS),
            ("connector", pa.string()),
            ("connector_version", pa.string()),
            ("payload", pa.string()),
            ("week", pa.string()),
        ]
    ),
    partition_by=("week",),
    key=("post_key",),
)

POST_INDEX = TableSpec(
    "post_index",
    pa.schema([("post_key", pa.string()), ("school_id", pa.string()), ("week", pa.string())]),
    key=("post_key", "school_id"),
    compact_after=16,
)

LABELS = TableSpec(
    "labels",
    pa.schema(
        [
            ("post_key", pa.string()),
            ("model_id", pa.string()),
            ("language", pa.string()),
            ("sentiment", pa.string()),
            ("sentiment_score", pa.float64()),
            ("probabilities", pa.string()),
            ("categories", pa.string()),
            ("scored_at", TS),
            ("week", pa.string()),
        ]
    ),
    partition_by=("week",),
    key=("post_key", "model_id"),
)

REVIEWS = TableSpec(
    "reviews",
    pa.schema(
        [
            ("event_id", pa.string()),
            ("post_key", pa.string()),
            ("school_id", pa.string()),
            ("status", pa.string()),
            ("note", pa.string()),
            ("actor", pa.string()),
            ("at", TS),
        ]
    ),
    key=("event_id",),
    compact_after=16,
)

RUNS = TableSpec(
    "runs",
    pa.schema(
        [
            ("run_id", pa.string()),
            ("source", pa.string()),
            ("connector", pa.string()),
            ("started_at", TS),
            ("finished_at", TS),
            ("status", pa.string()),
            ("fetched", pa.int64()),
            ("new", pa.int64()),
            ("duplicates", pa.int64()),
            ("unmatched", pa.int64()),
            ("skipped", pa.int64()),
            ("errors", pa.int64()),
            ("message", pa.string()),
            ("notices", pa.string()),
        ]
    ),
    key=("run_id",),
    compact_after=16,
)

STATE = TableSpec(
    "state",
    pa.schema([("source", pa.string()), ("query_id", pa.string()), ("cursor", pa.string()), ("updated_at", TS)]),
    key=("source", "query_id"),
    compact_after=1,
)

TABLES: dict[str, TableSpec] = {t.name: t for t in (POSTS, RAW, POST_INDEX, LABELS, REVIEWS, RUNS, STATE)}


def iso_week(moment: datetime) -> str:
    """ISO week in Dutch local time, e.g. '2026-W47': the unit of the weekly digest."""
    year, week, _ = moment.astimezone(LOCAL_TZ).isocalendar()
    return f"{year}-W{week:02d}"
