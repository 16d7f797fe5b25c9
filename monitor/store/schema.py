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
weekly      aggregate counts per (school, week, source, measure, value): trend charts and digest comparisons;
            no texts or authors, so they are kept when posts are purged
deliveries  one row per digest e-mail attempt series: sent or failed, for ``monitor status``
alerts      one row per immediate safety alert attempt (post, school): sent or failed; a post is alerted once
audit       append-only: who marked, exported, forgot or viewed what
jobs        one row per scheduler job execution: result and error, for ``monitor status`` and /healthz
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pyarrow as pa

SCHEMA_VERSION = 2  # 2: the posts log (an older version would not see its rows)
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

# New posts land here first: one file per transaction instead of one per (school, week), so a collector's batch
# costs one write. Readers of "posts" and "post_index" see these rows too (monitor/store/store.py); folding moves
# them into their partitions (Transaction.fold_log: by optimize, after a collection run, before any rewrite).
POSTS_LOG = TableSpec("posts_log", POSTS.schema, key=POSTS.key, compact_after=1_000_000)

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

# measure is "totaal" (value ""), "sentiment" (negatief/neutraal/positief/onzeker/ongelabeld) or "categorie"
# (a protocol category; a post can count in several).
WEEKLY = TableSpec(
    "weekly",
    pa.schema(
        [
            ("school_id", pa.string()),
            ("week", pa.string()),
            ("source", pa.string()),
            ("measure", pa.string()),
            ("value", pa.string()),
            ("posts", pa.int64()),
            ("computed_at", TS),
        ]
    ),
    partition_by=("week",),
    key=("school_id", "week", "source", "measure", "value"),
)

DELIVERIES = TableSpec(
    "deliveries",
    pa.schema(
        [
            ("delivery_id", pa.string()),
            ("school_id", pa.string()),  # or "bestuur" for the board digest
            ("week", pa.string()),
            ("kind", pa.string()),  # "digest" or "veiligheid"
            ("recipients", pa.int64()),  # how many (the addresses are in the config)
            ("status", pa.string()),  # "verzonden", "mislukt" or "niet-verzonden" (no --send / no recipients)
            ("attempts", pa.int64()),
            ("error", pa.string()),
            ("path", pa.string()),  # the saved HTML, relative to the data directory
            ("at", TS),
        ]
    ),
    key=("delivery_id",),
    compact_after=16,
)

ALERTS = TableSpec(
    "alerts",
    pa.schema(
        [
            ("alert_id", pa.string()),
            ("post_key", pa.string()),
            ("school_id", pa.string()),
            ("categories", pa.string()),  # the alert categories it was flagged for, ";"-separated
            ("recipients", pa.int64()),  # how many (the addresses are in the config)
            ("status", pa.string()),  # "verzonden" or "mislukt" (a failed one is tried again on the next run)
            ("attempts", pa.int64()),
            ("error", pa.string()),
            ("at", TS),
        ]
    ),
    key=("alert_id",),
    compact_after=16,
)

AUDIT = TableSpec(
    "audit",
    pa.schema(
        [
            ("event_id", pa.string()),
            ("at", TS),
            ("actor", pa.string()),
            ("action", pa.string()),  # e.g. review-mark, export, forget, purge, digest-view
            ("target", pa.string()),  # what it was about, never a post text
            ("details", pa.string()),  # JSON, no personal data beyond the target reference
        ]
    ),
    key=("event_id",),
    compact_after=16,
)

JOBS = TableSpec(
    "jobs",
    pa.schema(
        [
            ("execution_id", pa.string()),
            ("job_id", pa.string()),
            ("scheduled_for", TS),
            ("started_at", TS),
            ("finished_at", TS),
            ("status", pa.string()),  # "ok", "fout" or "gemist"
            ("error", pa.string()),
        ]
    ),
    key=("execution_id",),
    compact_after=16,
)

TABLES: dict[str, TableSpec] = {
    t.name: t for t in (
        POSTS, POSTS_LOG, RAW, POST_INDEX, LABELS, REVIEWS, RUNS, STATE, WEEKLY, DELIVERIES, ALERTS, AUDIT, JOBS
    )
}


def iso_week(moment: datetime) -> str:
    """ISO week in Dutch local time, e.g. '2026-W47': the unit of the weekly digest."""
    year, week, _ = moment.astimezone(LOCAL_TZ).isocalendar()
    return f"{year}-W{week:02d}"
