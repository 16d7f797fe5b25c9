"""Data subject rights: erasure (``monitor forget``) and access (``monitor export``).

Posts are found by author (the handle is pseudonymised with the same key, so this works although handles are not
stored), by URL (compared in canonical form) or by a piece of text (case-insensitive). Forgetting removes every trace
in one transaction (``removal.remove``): posts, raw payloads, labels, the dedupe index and alerts; review events keep
who did what and when but lose their note and the post key (a tombstone, plus one "gewist" event per post); the files
replaced by that commit are deleted at once. The saved digests that held the posts (those of the posts' schools and
weeks, and any other that names them) and the dashboard are then made again without them; other schools' digests
stay as they are and nothing is e-mailed. Keyed hashes of the posts (and of the author) go on a suppression list, so
they are not collected again.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.errors import MonitorError

if TYPE_CHECKING:
    import pandas as pd

    from monitor.config import Config
    from monitor.store import Store
    from monitor.store.transaction import Transaction

log = logging.getLogger(__name__)

MIN_TEXT = 3
FILES = "bestanden (digests/dashboard) die opnieuw gemaakt worden"


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
    from monitor.pages import holding
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
    pages = holding(config, found.posts)
    found.files = sorted([*pages.digests, *pages.dashboard_files])
    found.counts[FILES] = len(pages)
    return found


def _table_counts(store: Store, keys: list[str]) -> dict[str, int]:
    counts = {"posts": 0, "raw": 0, "labels": 0, "post_index": 0, "reviews": 0, "alerts": 0}
    for table in counts:
        frame = store.read(table, columns=["post_key"])
        counts[table] = int(frame["post_key"].isin(keys).sum())
    return counts


@dataclass(frozen=True)
class ForgetResult:
    posts: int  # distinct posts
    counts: dict[str, int]
    remade: list[str]  # saved digests made again without the posts, relative to the data directory
    removed: list[str]  # files deleted because they could not be made again
    dashboard_rebuilt: bool = False


def forget(config: Config, store: Store, found: Found, request: Request, actor: str | None = None) -> ForgetResult:
    """Erase the posts in ``found`` (from :func:`find`) everywhere and keep them from being collected again; safe
    to re-run."""
    from monitor.privacy import (
        SUPPRESSION_QUERY,
        SUPPRESSION_SOURCE,
        Pseudonymiser,
        read_suppressed,
        suppression_cursor,
    )
    from monitor.removal import remove
    from monitor.review import post_ref

    keys = found.keys
    pseudonymiser = Pseudonymiser.from_config(config, store)
    tokens = {pseudonymiser.post_token(k) for k in keys} | found.pseudonyms

    def suppress(tx: Transaction) -> None:
        current = read_suppressed(store)
        if not tokens <= current:
            tx.put_state(SUPPRESSION_SOURCE, SUPPRESSION_QUERY, suppression_cursor(current, tokens))

    target = " ".join(sorted(found.pseudonyms)) if request.author else f"{len(keys)} berichten"
    details = {"op": request.kind, "kenmerken": [post_ref(k) for k in keys], **found.counts}
    done = remove(config, store, found.posts, action="forget", target=target, details=details, actor=actor,
                  also=suppress)
    pages = done.pages
    return ForgetResult(len(keys), dict(found.counts), pages.remade, pages.removed, pages.dashboard_rebuilt)


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
