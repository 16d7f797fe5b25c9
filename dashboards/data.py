"""What the dashboard shows, read from small tables only: never post texts or authors.

- ``weekly``: the aggregate counts per school/week/source/measure (``monitor.aggregates.read_weekly``);
- ``runs``: which source ran in which week, and whether it failed (coverage);
- review status: ``monitor.review.current_status`` joined with ``post_index`` (post key, school, week) for open
  versus handled posts per school and week;
- open safety signals: for the last ``rolling_weeks`` weeks only, the category flags of the labels (no texts) of posts
  that are still open. The weekly table cannot say which flagged posts were handled, so this small window is read.
- with ``[dashboard] link_posts = true`` only: the URL (no text, no author) of those open posts.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from monitor.config import Config
    from monitor.store import Store

log = logging.getLogger(__name__)

SENTIMENTS = ("negatief", "neutraal", "positief", "onzeker", "ongelabeld")
LABELLED = ("negatief", "neutraal", "positief", "onzeker")  # the denominator of the negative share
SAFETY_CATEGORIES = ("pesten", "kleineren", "bedreiging", "seksuele_intimidatie", "persoonsgegevens", "beeldmateriaal")
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
    status = _review_status(store, known)
    reviews = _review_counts(status)
    current = iso_week(now)
    all_weeks = {current, *weekly["week"].unique(), *coverage["week"], *reviews["week"]}
    weeks = week_range(min(all_weeks), max(all_weeks))
    signal_weeks = weeks[-config.dashboard.rolling_weeks:]
    flags = _open_flags(store, status, signal_weeks)
    safety = Counter(school for school, names in zip(flags["school_id"].tolist(), flags["categories"], strict=True)
                     if set(names) & set(SAFETY_CATEGORIES))
    links = _links(store, flags) if config.dashboard.link_posts else None
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
        open_items={str(sid): int(n) for sid, n in reviews.groupby("school_id")["open"].sum().items()},
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


def _review_status(store: Store, schools: set[str]) -> pa.Table:
    """post_key, school_id, week and handled (1 when the newest review event is not 'open') of every stored post.

    An Arrow table: with a million posts, Arrow's kernels are several times faster than pandas here."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from monitor.review import current_status

    index = pa.Table.from_pandas(store.read("post_index", columns=["post_key", "school_id", "week"]),
                                 preserve_index=False)
    index = index.filter(pc.is_in(index["school_id"], value_set=pa.array(sorted(schools), pa.string())))
    status = current_status(store)
    handled = pa.array(status.loc[status["status"] != "open", "post_key"].tolist(), pa.string())
    return index.append_column("handled", pc.cast(pc.is_in(index["post_key"], value_set=handled), pa.int64()))


def _review_counts(status: pa.Table) -> pd.DataFrame:
    """school_id, week, open, handled: posts per review state."""
    counts = status.group_by(["school_id", "week"]).aggregate([("handled", "sum"), ("handled", "count")]).to_pandas()
    counts["handled"] = counts["handled_sum"].astype("int64")
    counts["open"] = counts["handled_count"].astype("int64") - counts["handled"]
    result: pd.DataFrame = counts[["school_id", "week", "open", "handled"]]
    return result


def _open_flags(store: Store, status: pa.Table, weeks: list[str]) -> pd.DataFrame:
    """Open posts of ``weeks`` with their flagged categories (newest label): post_key, school_id, week, categories."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from monitor.aggregates import flagged_categories

    in_window = pc.and_(pc.is_in(status["week"], value_set=pa.array(weeks, pa.string())),
                        pc.equal(status["handled"], 0))
    open_posts = status.filter(in_window).select(["post_key", "school_id", "week"]).to_pandas()
    labels = store.read("labels", columns=["post_key", "categories", "scored_at"], week=weeks)
    newest = labels.sort_values("scored_at", kind="stable").drop_duplicates("post_key", keep="last")
    # Only labels with some category flagged need their JSON read (no match: certainly nothing flagged).
    wanted = pc.and_(
        pc.is_in(pa.array(newest["post_key"]), value_set=pa.array(open_posts["post_key"])),
        pc.match_substring_regex(pa.array(newest["categories"]), r'"flagged":\s*true'),
    )
    newest = newest[pc.fill_null(wanted, False).to_numpy(zero_copy_only=False)]
    flags = {key: flagged_categories(str(text)) for key, text in zip(newest["post_key"].tolist(),
                                                           newest["categories"].tolist(), strict=True)}
    result: pd.DataFrame = open_posts.assign(
        categories=[flags.get(key, []) for key in open_posts["post_key"].tolist()]
    )
    return result


def _links(store: Store, flags: pd.DataFrame) -> pd.DataFrame:
    """Links to the open posts of the signal window (http(s) URLs only): for roles that may see the posts."""
    import pandas as pd

    from monitor.review import post_ref

    columns = ["school_id", "ref", "week", "source", "categories", "url"]
    if flags.empty:
        return pd.DataFrame({c: [] for c in columns})
    posts = store.read_posts(weeks=sorted(set(flags["week"])), columns=["post_key", "school_id", "url", "source"])
    merged = flags.merge(posts, on=["post_key", "school_id"], how="inner")
    merged = merged[merged["url"].fillna("").str.match(r"(?i)^https?://")]
    merged = merged.assign(ref=merged["post_key"].map(post_ref))
    merged = merged.sort_values(["school_id", "week"], ascending=[True, False], kind="stable")
    return merged.groupby("school_id").head(MAX_LINKS_PER_SCHOOL)[columns].reset_index(drop=True)
