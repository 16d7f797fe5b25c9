"""The review workflow: which posts are still open, and what was done about them (in real life, never online).

Every decision is an event appended to the ``reviews`` table (who, when, status, note); nothing is edited in place.
A post that needs action (``monitor.attention``: negative, safety or inaccuracy) is open until its newest event
gives it another status. Posts are referred to by a short reference (the first characters of a hash of the post
key), so staff do not have to type URLs.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from monitor.audit import actor_name, record
from monitor.errors import MonitorError
from monitor.records import now_utc
from monitor.store import Store

if TYPE_CHECKING:
    from monitor.attention import Judgement

STATUSES = {
    "open": "nog niet besproken",
    "besproken": "in het echt besproken",
    "geen-actie": "bekeken, geen actie nodig",
    "gecorrigeerd": "onjuistheid gecorrigeerd door het officiële schoolaccount",
    "doorgezet-veiligheid": "doorgezet naar de veiligheidscoördinator",
}
MARKS = tuple(s for s in STATUSES if s != "open")
REF_LENGTH = 8


def post_ref(post_key: str) -> str:
    return hashlib.sha1(post_key.encode("utf-8"), usedforsecurity=False).hexdigest()[:REF_LENGTH]


@dataclass(frozen=True)
class ReviewEvent:
    post_key: str
    status: str
    note: str
    actor: str


def current_status(store: Store) -> pd.DataFrame:
    """The newest review event per post: columns post_key, status, note, actor, at."""
    events = store.read("reviews").sort_values("at", kind="stable")
    return events.drop_duplicates("post_key", keep="last")[["post_key", "status", "note", "actor", "at"]]


def resolve(store: Store, reference: str) -> str:
    """A full post key, or a unique prefix of a post's short reference."""
    posts = store.read("posts", columns=["post_key"]).drop_duplicates("post_key")
    keys = list(posts["post_key"])
    if reference in keys:
        return reference
    matches = [str(key) for key in keys if post_ref(str(key)).startswith(reference.lower())]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise MonitorError(f"Geen bericht met kenmerk '{reference}'. Zie 'monitor review list' voor de kenmerken.")
    raise MonitorError(f"Kenmerk '{reference}' past bij {len(matches)} berichten; typ meer tekens.")


def mark(store: Store, reference: str, status: str, note: str = "", actor: str | None = None) -> ReviewEvent:
    if status not in MARKS:
        raise MonitorError(f"Onbekende status '{status}'. Kies uit: {', '.join(MARKS)}.")
    key = resolve(store, reference)
    schools = store.read("posts", columns=["post_key", "school_id"])
    school_ids = ",".join(sorted(set(schools.loc[schools["post_key"] == key, "school_id"])))
    event = ReviewEvent(key, status, note.strip(), actor or actor_name())
    with store.transaction() as tx:
        tx.add_review(
            {"event_id": uuid.uuid4().hex, "post_key": key, "school_id": school_ids, "status": status,
             "note": event.note, "actor": event.actor, "at": now_utc()}
        )
        record(store, "review-mark", post_ref(key), {"status": status}, actor=event.actor, tx=tx)
    return event


def history(store: Store, post_key: str) -> pd.DataFrame:
    events = store.read("reviews")
    return events[events["post_key"] == post_key].sort_values("at", kind="stable").reset_index(drop=True)


def review_list(store: Store, school_id: str | None = None, everything: bool = False) -> pd.DataFrame:
    """The open posts (``monitor.attention``: they need action and nobody marked them yet), or with ``everything``
    every stored post; newest first, one row per (post, school). Columns: post_key, school_id, created_at, source,
    text, status (open when never marked), ref, sentiment ("" when not labelled yet), kind and categories (the
    flagged ones, then the *mogelijk* safety ones as "name (mogelijk)")."""
    from monitor.attention import LABEL_COLUMNS, is_open

    columns = ["post_key", "school_id", "created_at", "source", "text", "week"]
    posts = store.read_posts(school_id=school_id, columns=columns)
    status = current_status(store)
    merged = posts.merge(status[["post_key", "status"]], on="post_key", how="left")
    merged["status"] = merged["status"].fillna("open")
    labels = store.read("labels", columns=LABEL_COLUMNS, week=sorted(set(posts["week"].tolist())))
    verdicts = judgements(labels)
    merged["ref"] = [post_ref(str(key)) for key in merged["post_key"].tolist()]
    found = [verdicts.get(str(key)) for key in merged["post_key"].tolist()]
    merged["sentiment"] = [v.sentiment if v else "" for v in found]
    merged["kind"] = [v.kind if v else "overig" for v in found]
    merged["categories"] = [category_names(v) if v else [] for v in found]
    if not everything:
        merged = merged.loc[[is_open(k, s) for k, s in zip(merged["kind"], merged["status"], strict=True)]]
    return merged.sort_values("created_at", ascending=False, kind="stable").reset_index(drop=True)


def judgements(labels: pd.DataFrame) -> dict[str, Judgement]:
    """post_key -> the judgement of its newest label."""
    from monitor.attention import judge, newest_labels

    newest = newest_labels(labels)
    return {str(key): judge(sentiment, probabilities, categories) for key, sentiment, probabilities, categories
            in zip(*(newest[c].tolist() for c in ("post_key", "sentiment", "probabilities", "categories")),
                   strict=True)}


def category_names(verdict: Judgement) -> list[str]:
    """The flagged categories, then the *mogelijk* safety ones ("pesten (mogelijk)"), in Dutch."""
    from monitor.digest.texts import NL

    names = NL["categories"]
    return [names.get(c, c) for c in verdict.flagged] + [f"{names.get(c, c)} (mogelijk)" for c in verdict.possible]
