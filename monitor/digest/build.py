"""Gather what one school-week digest shows into plain dataclasses (no HTML here).

Reads only what it needs: the school's posts partition of the week (and of the previous weeks for the open items),
the labels of those weeks, the weekly aggregates for the comparison, the review events and the runs table. The
review events, runs, labels and the open posts of every week up to the digest week (``monitor.attention``: no
texts) are read once per run and shared by all schools (``Shared``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from monitor.digest.coverage import Coverage, coverage
from monitor.digest.sections import (
    POST_COLUMNS,
    SAFETY_CATEGORIES,
    THEMES,
    Item,
    Sorted,
    Thresholds,
    grouped,
    in_set,
    sort_posts,
)
from monitor.digest.weeks import previous_weeks

if TYPE_CHECKING:
    import pandas as pd

    from monitor.config import Config, School
    from monitor.store import Store

SENTIMENTS = ("negatief", "neutraal", "positief", "onzeker", "ongelabeld")
MAX_OPEN_LISTED = 30  # open items from earlier weeks listed in full; the rest are counted


@dataclass(frozen=True)
class WeekCounts:
    week: str
    total: int = 0
    sentiment: dict[str, int] = field(default_factory=dict)  # every key of SENTIMENTS

    def share(self, name: str) -> int:
        """Whole percent of the week's posts with this sentiment."""
        return round(100 * self.sentiment.get(name, 0) / self.total) if self.total else 0


@dataclass
class Shared:
    """Read once per run and used for every school."""

    statuses: dict[str, str]  # post_key -> newest review status
    runs: pd.DataFrame
    labels: pd.DataFrame  # labels of the digest week and the history weeks
    open_posts: pd.DataFrame  # every open post up to the digest week (monitor.attention.open_posts)

    @functools.cached_property
    def handled(self) -> set[str]:
        """Posts marked with any status other than open."""
        return {key for key, status in self.statuses.items() if status != "open"}


@dataclass
class SchoolWeek:
    school: School
    week: str
    history_weeks: int
    current: WeekCounts
    history: list[WeekCounts]  # previous weeks, oldest first
    per_source: list[tuple[str, int]]
    sections: Sorted
    open_items: list[Item]  # earlier weeks, never marked, not safety
    open_safety: list[Item]  # earlier weeks, never marked, safety
    coverage: Coverage
    open_total: int = 0  # every open post up to this week, also older than history_weeks (as review list counts)
    open_now: int = 0  # of which this week's

    @property
    def previous(self) -> WeekCounts | None:
        return self.history[-1] if self.history else None

    @property
    def average(self) -> float:
        return sum(w.total for w in self.history) / len(self.history) if self.history else 0.0

    @property
    def safety_groups(self) -> list[tuple[str, list[Item]]]:
        return grouped(self.sections.safety, SAFETY_CATEGORIES)

    @property
    def discuss_groups(self) -> list[tuple[str, list[Item]]]:
        return grouped(self.sections.discuss, THEMES)

    @property
    def open_listed(self) -> list[Item]:
        return self.open_items[:MAX_OPEN_LISTED]

    @property
    def open_safety_listed(self) -> list[Item]:
        return self.open_safety[:MAX_OPEN_LISTED]

    @property
    def safety_kinds(self) -> list[tuple[str, int]]:
        return [(key, len(items)) for key, items in self.safety_groups]

    def counts(self) -> dict[str, int]:
        """For the audit log: how much the digest held (numbers only)."""
        s = self.sections
        return {"berichten": self.current.total, "veiligheid": len(s.safety), "bespreken": len(s.discuss),
                "onjuistheden": len(s.inaccuracies), "goed_nieuws": len(s.good),
                "overig": len(s.other), "open_punten": self.open_total, "ongelabeld": s.unlabelled}


def read_shared(store: Store, week: str, history_weeks: int, school_ids: list[str] | None = None) -> Shared:
    """What every digest of ``week`` shares; ``school_ids``: only these schools' open posts are judged (a digest
    for one school must not read the open items of every school)."""
    from monitor.attention import open_posts
    from monitor.classify import read_labels
    from monitor.review import current_status

    status = current_status(store)
    statuses = dict(zip(status["post_key"].astype(str).tolist(), status["status"].astype(str).tolist(), strict=True))
    labels = read_labels(store, weeks=[*previous_weeks(week, history_weeks), week])
    return Shared(statuses, store.read_runs(), labels, open_posts(store, school_ids, until_week=week))


def gather(config: Config, store: Store, school: School, week: str, shared: Shared) -> SchoolWeek:
    """Everything the digest of ``school`` for ``week`` shows."""
    from monitor.aggregates import read_weekly, weekly_counts

    thresholds = Thresholds(config.model.uncertain_below, config.model.category_threshold)
    earlier = previous_weeks(week, config.digest.history_weeks)
    columns = [*POST_COLUMNS, "school_id"]
    posts = store.read_posts(school_id=school.id, weeks=[week], columns=columns)
    current = weekly_counts(posts[["post_key", "school_id", "week", "source"]], shared.labels)
    history = read_weekly(store, school_id=school.id, weeks=earlier)
    sections = sort_posts(posts, shared.labels, shared.statuses, thresholds, config.timezone)

    before = store.read_posts(school_id=school.id, weeks=earlier, columns=columns)
    before = before.loc[in_set(before["post_key"], shared.handled, keep=False)]  # only never-marked posts can be open
    old = sort_posts(before, shared.labels, shared.statuses, thresholds, config.timezone)
    mine = shared.open_posts.loc[in_set(shared.open_posts["school_id"], {school.id})]
    open_items = _open([*old.discuss, *old.inaccuracies])
    open_safety = _open(old.safety)
    totals = current[current["measure"] == "totaal"].sort_values(["posts", "source"], ascending=[False, True])
    return SchoolWeek(
        school=school, week=week, history_weeks=config.digest.history_weeks,
        current=_week_counts(current, week), history=[_week_counts(history, w) for w in earlier],
        per_source=[(str(s), int(n)) for s, n in zip(totals["source"], totals["posts"], strict=True)],
        sections=sections, open_items=open_items, open_safety=open_safety,
        coverage=coverage(config, school, week, shared.runs, posts[["platform", "source"]]),
        open_total=len(mine), open_now=int((mine["week"] == week).sum()),
    )


def _week_counts(rows: pd.DataFrame, week: str) -> WeekCounts:
    """Counts of one week from aggregate rows (school, week, source, measure, value, posts), summed over sources."""
    mine = rows[rows["week"] == week]
    total = int(mine.loc[mine["measure"] == "totaal", "posts"].sum())
    sentiment = mine[mine["measure"] == "sentiment"].groupby("value")["posts"].sum()
    return WeekCounts(week, total, {name: int(sentiment.get(name, 0)) for name in SENTIMENTS})


def _open(items: list[Item]) -> list[Item]:
    """Never-marked items, one per post, oldest week first."""
    seen: set[str] = set()
    out = []
    for item in sorted(items, key=lambda i: i.week):
        if item.status == "open" and item.post_key not in seen:
            seen.add(item.post_key)
            out.append(item)
    return out
