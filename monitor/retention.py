"""The retention purge (``monitor purge``; the scheduler runs it daily).

- raw platform payloads: dropped ``raw_retention_days`` after they were fetched (they are only kept for re-mapping);
- posts, with their labels, raw payloads and dedupe index: dropped once their ISO week is more than
  ``post_retention_weeks`` weeks old (whole weeks, so a week's counts never mix kept and purged posts); review events
  of those posts keep status, who and when, but lose note and post key (a tombstone);
- saved digests of purged weeks (``<data_dir>/digests/<week>/``): deleted;
- run, job and delivery records: dropped after a year;
- the ``weekly`` aggregates (counts only, no texts or authors) and the audit log are kept.

Everything in the store happens in one transaction, with an audit event, and replaced files are deleted at once.
Re-running is safe: a second purge finds nothing.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from monitor.records import now_utc, utc

if TYPE_CHECKING:
    import pyarrow as pa

    from monitor.config import Config
    from monitor.store import Store

log = logging.getLogger(__name__)

LOG_RETENTION = timedelta(days=365)
LOG_TABLES = {"runs": "started_at", "jobs": "started_at", "deliveries": "at", "alerts": "at"}


@dataclass(frozen=True)
class PurgeResult:
    posts: int  # distinct posts removed
    post_rows: int  # post rows removed (a post matched to two schools has two rows)
    raw: int  # raw payload rows removed (of remaining posts, by age)
    reviews: int  # review events whose note was removed
    digests: list[str] = field(default_factory=list)  # saved digest folders removed (weeks)
    logs: dict[str, int] = field(default_factory=dict)  # old run/job/delivery records removed per table
    post_cutoff_week: str = ""  # posts of weeks before this one were purged
    raw_cutoff: datetime | None = None

    def lines(self) -> list[str]:
        """A Dutch summary for the CLI and the scheduler's log."""
        logs = ", ".join(f"{n} {name}" for name, n in self.logs.items() if n) or "geen"
        return [
            f"Berichten van vóór week {self.post_cutoff_week}: {self.posts} verwijderd ({self.post_rows} rijen, "
            f"met labels en ruwe gegevens); {self.reviews} notities bij beoordelingen gewist.",
            f"Ruwe platformgegevens van vóór {self.raw_cutoff:%Y-%m-%d %H:%M} UTC: {self.raw} verwijderd.",
            f"Bewaarde digests verwijderd: {', '.join(self.digests) or 'geen'}.",
            f"Oude logregels (ouder dan een jaar) verwijderd: {logs}.",
            "Weektotalen voor de trendgrafieken blijven bewaard.",
        ]


def purge(config: Config, store: Store, now: datetime | None = None) -> PurgeResult:
    """Apply the retention settings of ``[privacy]``; returns what was removed."""
    from monitor.audit import actor_name, record
    from monitor.removal import tombstone_reviews
    from monitor.store.schema import iso_week

    now = utc(now) if now else now_utc()
    raw_cutoff = now - timedelta(days=config.privacy.raw_retention_days)
    cutoff_week = iso_week(now - timedelta(weeks=config.privacy.post_retention_weeks))
    with store.transaction() as tx:
        index = store.read("post_index", manifest=tx.manifest)
        keys = sorted(set(index.loc[index["week"] < cutoff_week, "post_key"]))
        post_rows = tx.delete_posts(keys) if keys else 0
        reviews = tombstone_reviews(tx, keys)
        raw = _drop_older(tx.rewrite_rows, "raw", "fetched_at", raw_cutoff)
        logs = {table: _drop_older(tx.rewrite_rows, table, column, now - LOG_RETENTION)
                for table, column in LOG_TABLES.items()}
        details = {"berichten": len(keys), "ruw": raw, "notities": reviews, "voor_week": cutoff_week, **logs}
        record(store, "purge", f"vóór {cutoff_week}", details, actor=actor_name(config), tx=tx)
        tx.shred()
    digests = _remove_digests(config, cutoff_week)
    result = PurgeResult(len(keys), post_rows, raw, reviews, digests, logs, cutoff_week, raw_cutoff)
    log.info("bewaartermijnen toegepast: %s", " ".join(result.lines()))
    return result


def _drop_older(rewrite: Any, table: str, column: str, cutoff: datetime) -> int:
    """Remove rows of ``table`` whose ``column`` is before ``cutoff``; returns how many."""
    import pyarrow as pa
    import pyarrow.compute as pc

    removed = 0
    bound = pa.scalar(cutoff, type=pa.timestamp("us", tz="UTC"))

    def change(data: pa.Table) -> pa.Table | None:
        nonlocal removed
        old = pc.fill_null(pc.less(data[column], bound), False)
        count = pc.sum(old).as_py() or 0
        if not count:
            return None
        removed += count
        return data.filter(pc.invert(old))

    rewrite(table, change)
    return removed


def _remove_digests(config: Config, cutoff_week: str) -> list[str]:
    """Delete saved digest folders (``<data_dir>/digests/<week>/``) of weeks before ``cutoff_week``."""
    base = config.data_dir / "digests"
    if not base.is_dir():
        return []
    removed = []
    for folder in sorted(base.iterdir()):
        if folder.is_dir() and _is_week(folder.name) and folder.name < cutoff_week:
            shutil.rmtree(folder)
            removed.append(folder.name)
    return removed


def _is_week(name: str) -> bool:
    year, _, week = name.partition("-W")
    return len(year) == 4 and year.isdigit() and len(week) == 2 and week.isdigit()
