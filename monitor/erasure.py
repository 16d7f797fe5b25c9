"""Data subject rights: erasure (``monitor forget``) and access (``monitor export``).

Posts are found by author (the handle is pseudonymised with the same key, so this works although handles are not
stored), by URL (compared in canonical form) or by a piece of text (case-insensitive). Forgetting removes every trace
in one transaction: posts, raw payloads, labels and the dedupe index; review events keep who did what and when but
lose their note and the post key (a tombstone, plus one "gewist" event per post); the files replaced by that commit
are deleted at once instead of after the reader grace period. Saved digests of the weeks the posts were in (and any
saved digest or dashboard file that mentions them) are deleted, because they are rendered pages that cannot be edited
honestly. Keyed hashes of the posts (and of the author) go on a suppression list, so they are not collected again.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.errors import MonitorError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from monitor.config import Config
    from monitor.store import Store
    from monitor.store.transaction import Transaction

log = logging.getLogger(__name__)

ERASED_STATUS = "gewist"
TOMBSTONE_PREFIX = "gewist:"
MIN_TEXT = 3
RENDERED_DIRS = ("digests", "dashboard")


@dataclass(frozen=True)
class Request:
    """What to find: exactly one of author, url, text."""

    author: str | None = None
    url: str | None = None
    text: str | None = None
    platform: str | None = None

    def check(self) -> None:
        given = [v for v in (self.author, self.url, self.text) if v is not None and v.strip()]
        if len(given) != 1:
            raise MonitorError("Geef precies één van --author, --url of --text-contains.")
        if self.text is not None and len(self.text.strip()) < MIN_TEXT:
            raise MonitorError(f"--text-contains moet minstens {MIN_TEXT} tekens hebben (anders past het op te veel).")

    @property
    def kind(self) -> str:
        return "auteur" if self.author else "url" if self.url else "tekst"


@dataclass
class Found:
    """The posts a request matches, and what forgetting them would remove (counts per table and file kind)."""

    posts: pd.DataFrame
    pseudonyms: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return sorted(set(self.posts["post_key"]))


def find(config: Config, store: Store, request: Request) -> Found:
    """Posts matching ``request`` and what removing them touches (nothing is changed)."""
    from connectors.links import canonical_url
    from monitor.privacy import Pseudonymiser, normalise_handle

    request.check()
    posts = store.read("posts")
    pseudonyms: set[str] = set()
    if request.author:
        pseudonymiser = Pseudonymiser.from_config(config, store)
        platforms = {request.platform} if request.platform else set(posts["platform"])
        pseudonyms = {pseudonymiser.pseudonym(p, request.author) for p in platforms}
        plain = posts["author"].fillna("").map(normalise_handle) == normalise_handle(request.author)
        mask = posts["author"].isin(pseudonyms) | plain
    elif request.url:
        wanted = canonical_url(request.url)
        urls = posts["url"].fillna("").map(canonical_url)
        mask = (urls == wanted) | (posts["native_id"] == wanted) | (posts["post_key"] == request.url.strip())
    else:
        needle = str(request.text).strip().casefold()
        mask = posts["text"].fillna("").str.casefold().str.contains(needle, regex=False)
    if request.platform:
        mask &= posts["platform"] == request.platform
    found = Found(posts[mask].reset_index(drop=True), pseudonyms)
    found.counts = _table_counts(store, found.keys)
    found.files = _rendered_files(config.data_dir, found.posts)
    found.counts["bestanden (digests/dashboard)"] = len(found.files)
    return found


def _table_counts(store: Store, keys: list[str]) -> dict[str, int]:
    counts = {"posts": 0, "raw": 0, "labels": 0, "post_index": 0, "reviews": 0, "alerts": 0}
    for table in counts:
        frame = store.read(table, columns=["post_key"])
        counts[table] = int(frame["post_key"].isin(keys).sum())
    return counts


def _markers(posts: pd.DataFrame) -> set[str]:
    """Strings whose presence in a rendered file means the file shows one of these posts."""
    from monitor.review import post_ref

    found: set[str] = set()
    for key, url, text in zip(posts["post_key"], posts["url"], posts["text"], strict=True):
        found.add(post_ref(str(key)))
        for value in (url, str(text or "").strip()[:60]):
            if value and len(str(value)) >= MIN_TEXT:
                found |= {str(value), html.escape(str(value)), json.dumps(str(value))[1:-1]}
    return found


def _rendered_files(data_dir: Path, posts: pd.DataFrame) -> list[Path]:
    """Saved digests of the posts' weeks, and any saved digest or dashboard file that mentions one of the posts."""
    if posts.empty:
        return []
    weeks = set(posts["week"])
    markers = [m.encode("utf-8") for m in _markers(posts)]
    hits = []
    for folder in RENDERED_DIRS:
        base = data_dir / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if not path.is_file():
                continue
            in_week = folder == "digests" and any(part in weeks for part in path.relative_to(base).parts)
            if in_week or any(m in path.read_bytes() for m in markers):
                hits.append(path)
    return hits


def tombstone_reviews(tx: Transaction, keys: list[str], actor: str | None = None) -> int:
    """Review events of these posts lose their note and post key (status, who and when stay); with ``actor``, one
    ``gewist`` event per post is added. Returns the number of events blanked."""
    import pyarrow as pa
    import pyarrow.compute as pc

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
        import uuid

        for key in keys:
            tx.add_review({"event_id": uuid.uuid4().hex, "post_key": TOMBSTONE_PREFIX + post_ref(key),
                           "school_id": schools.get(key, ""), "status": ERASED_STATUS, "note": "", "actor": actor,
                           "at": now_utc()})
    return blanked


@dataclass(frozen=True)
class ForgetResult:
    posts: int  # distinct posts
    counts: dict[str, int]
    files: list[str]  # removed files, relative to the data directory
    dashboard_rebuilt: bool = False


def forget(config: Config, store: Store, found: Found, request: Request, actor: str | None = None) -> ForgetResult:
    """Erase the posts in ``found`` (from :func:`find`) everywhere; safe to re-run."""
    from monitor.audit import actor_name, record
    from monitor.privacy import (
        SUPPRESSION_QUERY,
        SUPPRESSION_SOURCE,
        Pseudonymiser,
        read_suppressed,
        suppression_cursor,
    )
    from monitor.review import post_ref

    keys = found.keys
    who = actor_name(config, actor)
    pseudonymiser = Pseudonymiser.from_config(config, store)
    tokens = {pseudonymiser.post_token(k) for k in keys} | found.pseudonyms
    with store.transaction() as tx:
        if keys:
            tx.delete_posts(keys)
            tombstone_reviews(tx, keys, who)
        current = read_suppressed(store)
        if not tokens <= current:
            tx.put_state(SUPPRESSION_SOURCE, SUPPRESSION_QUERY, suppression_cursor(current, tokens))
        target = " ".join(sorted(found.pseudonyms)) if request.author else f"{len(keys)} berichten"
        details = {"op": request.kind, "kenmerken": [post_ref(k) for k in keys], **found.counts}
        record(store, "forget", target, details, actor=who, tx=tx)
        tx.shred()
    removed = []
    for path in found.files:
        path.unlink(missing_ok=True)
        removed.append(path.relative_to(config.data_dir).as_posix())
    rebuilt = _rebuild_dashboard(config, store, removed)
    return ForgetResult(len(keys), dict(found.counts), removed, rebuilt)


def _rebuild_dashboard(config: Config, store: Store, removed: list[str]) -> bool:
    """A dashboard page that showed an erased post was deleted; build it again without it, if the builder exists."""
    if not any(path.startswith("dashboard/") for path in removed):
        return False
    try:
        from dashboards.build import write_dashboard  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return False
    try:
        write_dashboard(config, store)
    except MonitorError as exc:
        log.warning("dashboard niet opnieuw gemaakt: %s", exc)
        return False
    return True


def export(config: Config, store: Store, request: Request, actor: str | None = None) -> dict[str, Any]:
    """A subject-access export: the posts of one author (or URL or text) with labels, review statuses (without
    staff notes) and the raw payloads still kept."""
    from monitor.audit import actor_name, record

    found = find(config, store, request)
    keys = found.keys
    labels = store.read("labels")
    labels = labels[labels["post_key"].isin(keys)].sort_values("scored_at", kind="stable")
    raw = store.read("raw", columns=["post_key", "fetched_at", "payload"])
    raw = raw[raw["post_key"].isin(keys)]
    reviews = store.read("reviews", columns=["post_key", "status", "at"])
    reviews = reviews[reviews["post_key"].isin(keys)].sort_values("at", kind="stable")
    items = []
    for key, rows in found.posts.groupby("post_key", sort=True):
        first = rows.iloc[0]
        label = labels[labels["post_key"] == key].tail(1)
        items.append({
            "platform": first["platform"], "url": first["url"], "geplaatst": _iso(first["created_at"]),
            "opgehaald": _iso(first["fetched_at"]), "auteur_pseudoniem": first["author"], "tekst": first["text"],
            "taal": first["language"], "scholen": sorted(rows["school_id"]), "reden": first["match_rule"],
            "bron": first["source"],
            "sentiment": None if label.empty else label.iloc[0]["sentiment"],
            "categorieen": None if label.empty else _flagged(str(label.iloc[0]["categories"])),
            "beoordeling": [{"status": s, "op": _iso(a)} for s, a in
                            zip(reviews.loc[reviews["post_key"] == key, "status"],
                                reviews.loc[reviews["post_key"] == key, "at"], strict=True)],
            "ruwe_gegevens": [json.loads(str(p)) for p in raw.loc[raw["post_key"] == key, "payload"]],
        })
    target = " ".join(sorted(found.pseudonyms)) if request.author else f"{len(keys)} berichten"
    record(store, "export", target, {"op": request.kind, "berichten": len(items)}, actor=actor_name(config, actor))
    return {"verzoek": {"soort": request.kind, "pseudoniemen": sorted(found.pseudonyms), "berichten": len(items)},
            "berichten": items}


def export_csv(data: dict[str, Any]) -> str:
    import csv
    import io

    columns = ["platform", "url", "geplaatst", "auteur_pseudoniem", "tekst", "scholen", "sentiment", "categorieen"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for item in data["berichten"]:
        flagged = ";".join(item["categorieen"] or [])
        writer.writerow({**item, "scholen": ";".join(item["scholen"]), "categorieen": flagged})
    return buffer.getvalue()


def _flagged(categories: str) -> list[str]:
    try:
        data = json.loads(categories)
    except ValueError:
        return []
    return sorted(name for name, value in data.items() if isinstance(value, dict) and value.get("flagged"))


def _iso(value: Any) -> str | None:
    return None if value is None or str(value) == "NaT" else value.isoformat()
