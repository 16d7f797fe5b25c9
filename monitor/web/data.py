"""What the pages show, read from the store with the digest's own code (one definition of the sections)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.config import Config, School
    from monitor.digest.build import SchoolWeek
    from monitor.store import Store


def school_week(config: Config, store: Store, school: School, week: str) -> SchoolWeek:
    """The digest's view of one school-week: every post of the week in exactly one section."""
    from monitor.digest.build import gather, read_shared

    return gather(config, store, school, week, read_shared(store, week, config.digest.history_weeks))


@dataclass
class PostView:
    """One post for its page: never the author."""

    ref: str
    post_key: str
    schools: list[str]
    kind: str  # monitor.attention kind: veiligheid, bespreken, onjuistheid, goed, overig
    created_at: str
    source: str
    text: str
    url: str | None
    match_rule: str
    sentiment: str = ""
    categories: list[tuple[str, float, bool, tuple[str, ...]]] = field(default_factory=list)  # name, score, flagged
    events: list[dict[str, Any]] = field(default_factory=list)  # at, status, actor, note


def post_view(config: Config, store: Store, reference: str) -> PostView | None:
    """The post with this reference (its short review reference), or None."""
    from monitor.attention import LABEL_COLUMNS, judge, newest_labels
    from monitor.digest.clean import clean_text, safe_url
    from monitor.errors import MonitorError
    from monitor.review import history, post_ref, resolve

    try:
        key = resolve(store, reference)
    except MonitorError:
        return None
    posts = store.read_posts(columns=["post_key", "school_id", "created_at", "source", "url", "text", "match_rule",
                                      "week"])
    rows = posts[posts["post_key"] == key]
    if rows.empty:
        return None
    first = rows.iloc[0]
    labels = store.read("labels", columns=LABEL_COLUMNS, week=str(first["week"]))
    labels = newest_labels(labels[labels["post_key"] == key])
    verdict = judge(*(labels.iloc[0][c] for c in ("sentiment", "probabilities", "categories"))) if not \
        labels.empty else judge(None, None, None)
    view = PostView(post_ref(key), key, sorted(set(rows["school_id"].astype(str))), verdict.kind,
                    _local(first["created_at"], config.timezone), str(first["source"]),
                    clean_text(str(first["text"] or ""), 100_000), safe_url(first["url"]), str(first["match_rule"]),
                    verdict.sentiment)
    for name, value in verdict.categories.items():
        if isinstance(value, dict) and (value.get("flagged") or value.get("possible")):
            evidence = tuple(str(e) for e in value.get("evidence") or ())
            view.categories.append((name, float(value.get("score", 0.0)), bool(value.get("flagged")), evidence))
    for event in history(store, key).to_dict("records"):
        view.events.append({"at": _local(event["at"], config.timezone), "status": event["status"],
                            "actor": event["actor"], "note": clean_text(str(event["note"] or ""), 2000)})
    return view


def _local(moment: Any, timezone: str) -> str:
    from monitor.digest.status import local_time

    return local_time(moment, timezone)
