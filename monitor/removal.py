"""Removing stored posts with every trace, in one transaction: for ``forget`` (erasure requests) and ``rematch``
(posts that no longer match a school under the current rules).

A post removed for all the schools it is stored for goes everywhere: posts, raw payloads, labels, dedupe index and
alerts; its review events keep who did what and when but lose their note and post key (a tombstone, plus one
``gewist`` event per post). A post removed for only some of its schools loses just those rows (posts, dedupe index,
alerts of that school): its raw payload, labels and review events belong to the post, which stays stored for the
other schools. The audit event commits in the same transaction, and the files that commit replaced are deleted at
once instead of after the reader grace period. Then the saved digests and the dashboard that held the posts are made
again without them (see ``pages``); nothing is e-mailed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from monitor.pages import Refreshed, holding, refresh

if TYPE_CHECKING:
    import pandas as pd

    from monitor.config import Config
    from monitor.store import Store
    from monitor.store.transaction import Transaction

log = logging.getLogger(__name__)

ERASED_STATUS = "gewist"
TOMBSTONE_PREFIX = "gewist:"
PER_SCHOOL_TABLES = ("posts", "post_index", "alerts")  # tables with one row per (post, school)


@dataclass(frozen=True)
class Removed:
    posts: int  # posts removed entirely
    rows: int  # (post, school) rows removed
    pages: Refreshed


def remove(
    config: Config,
    store: Store,
    rows: pd.DataFrame,
    *,
    action: str,
    target: str,
    details: dict[str, Any],
    actor: str | None = None,
    also: Callable[[Transaction], None] | None = None,
    recount: bool = False,
) -> Removed:
    """Remove the stored (post, school) ``rows`` (columns post_key, school_id, week, url, text) with every trace,
    record ``action`` in the audit log (``also`` adds more to the same transaction), with ``recount`` compute the
    weekly counts of those weeks again, then make the saved pages that held them again. Safe to re-run: rows
    already gone are skipped."""
    from monitor.aggregates import refresh_weekly
    from monitor.audit import actor_name, record

    who = actor_name(config, actor)
    pages = holding(config, rows)
    wanted: dict[str, set[str]] = {}
    for key, school in zip(rows["post_key"], rows["school_id"], strict=True):
        wanted.setdefault(str(key), set()).add(str(school))
    with store.transaction() as tx:
        index = store.read("post_index", columns=["post_key", "school_id"], manifest=tx.manifest)
        stored: dict[str, set[str]] = {}
        for key, school in zip(index["post_key"], index["school_id"], strict=True):
            if key in wanted:
                stored.setdefault(str(key), set()).add(str(school))
        whole = sorted(k for k, schools in stored.items() if schools <= wanted[k])
        partly = {(k, s) for k, schools in stored.items() if k not in whole for s in schools & wanted[k]}
        removed = tx.delete_posts(whole) if whole else 0
        tombstone_reviews(tx, whole, who)
        removed += drop_school_rows(tx, partly)
        if also is not None:
            also(tx)
        record(store, action, target, details, actor=who, tx=tx)
        tx.shred()
    if recount and (whole or partly):
        refresh_weekly(store, set(rows["week"].astype(str)))
    refreshed = refresh(config, store, pages) if whole or partly else Refreshed([], [])
    log.info("%s: %d berichten helemaal en %d rijen per school verwijderd; %d bestanden opnieuw gemaakt",
             action, len(whole), removed, len(refreshed.remade))
    return Removed(len(whole), removed, refreshed)


def drop_school_rows(tx: Transaction, pairs: Collection[tuple[str, str]]) -> int:
    """Remove the rows of these (post_key, school_id) pairs from the per-school tables; returns the post rows
    removed."""
    if not pairs:
        return 0
    value_set = pa.array(sorted(f"{key}|{school}" for key, school in pairs), type=pa.string())
    removed = dict.fromkeys(PER_SCHOOL_TABLES, 0)

    def without(table: str) -> Callable[[pa.Table], pa.Table | None]:
        def change(data: pa.Table) -> pa.Table | None:
            joined = pc.binary_join_element_wise(data["post_key"], data["school_id"], "|")
            hit = pc.fill_null(pc.is_in(joined, value_set=value_set), False)
            count = pc.sum(hit).as_py() or 0
            if not count:
                return None
            removed[table] += count
            return data.filter(pc.invert(hit))

        return change

    for table in PER_SCHOOL_TABLES:
        tx.rewrite_rows(table, without(table))
    return removed["posts"]


def tombstone_reviews(tx: Transaction, keys: list[str], actor: str | None = None) -> int:
    """Review events of these posts lose their note and post key (status, who and when stay); with ``actor``, one
    ``gewist`` event per post is added. Returns the number of events blanked."""
    from monitor.records import now_utc
    from monitor.review import post_ref

    if not keys:
        return 0
    value_set = pa.array(keys, type=pa.string())
    blanked = 0
    schools: dict[str, str] = {}

    def change(data: pa.Table) -> pa.Table | None:
        nonlocal blanked
        hit = pc.is_in(data["post_key"], value_set=value_set)
        count = pc.sum(hit).as_py() or 0
        if not count:
            return None
        blanked += count
        rows = data.to_pylist()
        for row, is_hit in zip(rows, hit.to_pylist(), strict=True):
            if is_hit:
                schools.setdefault(row["post_key"], row["school_id"])
                row.update(post_key=TOMBSTONE_PREFIX + post_ref(row["post_key"]), note="")
        return pa.Table.from_pylist(rows, schema=data.schema)

    tx.rewrite_rows("reviews", change)
    if actor:
        for key in keys:
            tx.add_review({"event_id": uuid.uuid4().hex, "post_key": TOMBSTONE_PREFIX + post_ref(key),
                           "school_id": schools.get(key, ""), "status": ERASED_STATUS, "note": "", "actor": actor,
                           "at": now_utc()})
    return blanked
