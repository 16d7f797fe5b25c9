"""What the dashboard shows, read from small tables only: never post texts or authors.

- ``weekly``: the aggregate counts per school/week/source/measure (``monitor.aggregates.read_weekly``);
- ``runs``: which source ran in which week, and whether it failed (coverage);
- open and handled posts per school and week, as ``monitor.attention`` defines them (the same numbers as the
  digest, the board digest and ``monitor review list``): the review status per post (``post_index`` and the review
  events) and the newest label of each post not yet marked (sentiment and categories, no texts). Open safety signals
  are the open posts of kind veiligheid of the last ``rolling_weeks`` weeks;
- with ``[dashboard] link_posts = true`` only: the URL (no text, no author) of the open posts of those weeks.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from monitor.attention import SAFETY, open_counts, open_posts, post_states

if TYPE_CHECKING:
    import pandas as pd

    from monitor.config import Config
    from monitor.store import Store

log = logging.getLogger(__name__)

SENTIMENTS = ("negatief", "neutraal", "positief", "onzeker", "ongelabeld")
LABELLED = ("negatief", "neutraal", "positief", "onzeker")  # the denominator of the negative share
RUN_OK, RUN_PARTIAL = "ok", "deels"
MAX_LINKS_PER_SCHOOL = 200


@dataclass
class DashboardData:
    """Everything the page, the PNG charts and the CSV are made from (aggregates only)."""

    weeks: list[str]  # contiguous ISO weeks, oldest first
    schools: list[tuple[str, str]]  # (id, name), in config order
    sources: list[str]
    source_schools: dict[str, list[str] | None]  # which schools a source covers (None: all)
    categories: list[str]
    weekly: pd.DataFrame  # school_id, week, source, measure, value, posts
    reviews: pd.DataFrame  # school_id, week, open, handled
    coverage: pd.DataFrame  # source, week, ok, partial, failed (number of runs)
    safety_open: dict[str, int]  # school id -> open safety signals in the signal window
    open_items: dict[str, int]  # school id -> open posts (all weeks still stored)
    signal_weeks: list[str]
    links: pd.DataFrame | None  # school_id, ref, week, source, categories, url (only with link_posts)
    rolling_weeks: int
    generated_at: datetime  # in the configured timezone


def week_start(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def week_of(day: date) -> str:
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def week_range(first: str, last: str) -> list[str]:
    """Every ISO week from ``first`` to ``last`` inclusive."""
    day, end = week_start(first), week_start(last)
    out = []
    while day <= end:
        out.append(week_of(day))
        day += timedelta(days=7)
    return out


def load(config: Config, store: Store, now: datetime) -> DashboardData:
    from models.heads import CATEGORIES
    from monitor.aggregates import read_weekly
    from monitor.store.schema import iso_week

    schools = [(s.id, s.name) for s in config.schools]
    known = {school_id for school_id, _ in schools}
    weekly = read_weekly(store)
    dropped = sorted(set(weekly["school_id"]) - known)
    if dropped:
        log.info("weekcijfers van scholen die niet meer in de configuratie staan, overgeslagen: %s", ", ".join(dropped))
        weekly = weekly[weekly["school_id"].isin(known)].reset_index(drop=True)
    weekly["posts"] = weekly["posts"].astype("int64")
    coverage = _coverage(store)
    states = post_states(store, sorted(known))
    opened = open_posts(store, states=states)
    reviews = _review_counts(states, opened)
    current = iso_week(now)
    all_weeks = {current, *weekly["week"].unique(), *coverage["week"], *reviews["week"]}
    weeks = week_range(min(all_weeks), max(all_weeks))
    signal_weeks = weeks[-config.dashboard.rolling_weeks:]
    recent = opened.loc[opened["week"].isin(signal_weeks)]
    safety = Counter(recent.loc[recent["kind"] == SAFETY, "school_id"].tolist())
    links = _links(store, recent) if config.dashboard.link_posts else None
    sources = _sources(config, weekly, coverage)
    categories = list(CATEGORIES) + sorted(set(weekly.loc[weekly["measure"] == "categorie", "value"]) - set(CATEGORIES))
    return DashboardData(
        weeks=weeks,
        schools=schools,
        sources=sources,
        source_schools={s.name: (list(s.schools) if s.schools is not None else None) for s in config.sources},
        categories=categories,
        weekly=weekly,
        reviews=reviews,
        coverage=coverage,
        safety_open=dict(safety),
        open_items=open_counts(opened),
        signal_weeks=signal_weeks,
        links=links,
        rolling_weeks=config.dashboard.rolling_weeks,
        generated_at=now.astimezone(ZoneInfo(config.timezone)),
    )


def _sources(config: Config, weekly: pd.DataFrame, coverage: pd.DataFrame) -> list[str]:
    """Configured sources first (in config order), then sources only seen in the data (e.g. manual imports)."""
    seen = set(weekly["source"]) | set(coverage["source"])
    configured = [s.name for s in config.sources if s.enabled or s.name in seen]
    return configured + sorted(seen - set(configured))


def _coverage(store: Store) -> pd.DataFrame:
    """Runs per source and week: how many ended ok, partly failed, or failed."""
    import pandas as pd

    from monitor.store.schema import LOCAL_TZ

    runs = store.read("runs", columns=["source", "started_at", "status"])
    if runs.empty:
        return pd.DataFrame({"source": [], "week": [], "ok": [], "partial": [], "failed": []}).astype(
            {"ok": "int64", "partial": "int64", "failed": "int64"}
        )
    local = runs["started_at"].dt.tz_convert(LOCAL_TZ).dt.isocalendar()
    runs = runs.assign(
        week=local["year"].astype(str) + "-W" + local["week"].astype(str).str.zfill(2),
        ok=(runs["status"] == RUN_OK).astype("int64"),
        partial=(runs["status"] == RUN_PARTIAL).astype("int64"),
        failed=(~runs["status"].isin([RUN_OK, RUN_PARTIAL])).astype("int64"),
    )
    return runs.groupby(["source", "week"], as_index=False)[["ok", "partial", "failed"]].sum()


def _review_counts(states: pd.DataFrame, opened: pd.DataFrame) -> pd.DataFrame:
    """school_id, week, open, handled: open posts (``monitor.attention``) and marked ones, per school and week."""
    import pandas as pd

    keys = ["school_id", "week"]
    handled = states.loc[states["marked"].astype(bool)].groupby(keys).size().rename("handled")
    still_open = opened.groupby(keys).size().rename("open")
    counts = pd.concat([still_open, handled], axis=1).fillna(0).astype("int64").reset_index()
    if counts.empty:
        return pd.DataFrame({"school_id": [], "week": [], "open": [], "handled": []}).astype(
            {"open": "int64", "handled": "int64"})
    result: pd.DataFrame = counts[["school_id", "week", "open", "handled"]]
    return result


def _links(store: Store, flags: pd.DataFrame) -> pd.DataFrame:
    """Links to the open posts of the signal window (http(s) URLs only): for roles that may see the posts.
    ``flags``: those posts (``monitor.attention.open_posts``), with their flagged categories."""
    import pandas as pd

    from monitor.review import post_ref

    columns = ["school_id", "ref", "week", "source", "categories", "url"]
    if flags.empty:
        return pd.DataFrame({c: [] for c in columns})
    posts = store.read_posts(weeks=sorted(set(flags["week"])), columns=["post_key", "school_id", "url", "source"])
    merged = flags.rename(columns={"flagged": "categories"}).merge(posts, on=["post_key", "school_id"], how="inner")
    merged = merged[merged["url"].fillna("").str.match(r"(?i)^https?://")]
    merged = merged.assign(ref=merged["post_key"].map(post_ref))
    merged = merged.sort_values(["school_id", "week"], ascending=[True, False], kind="stable")
    return merged.groupby("school_id").head(MAX_LINKS_PER_SCHOOL)[columns].reset_index(drop=True)
