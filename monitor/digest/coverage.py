"""Coverage of a school-week: which sources ran, which failed or had gaps, and what is not followed at all.

Silence in a digest must never read as "all is well": a source that failed, a read cap that was reached, or a
platform without a public search (Instagram, TikTok, Facebook, WhatsApp) is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.digest.clean import clean_text
from monitor.digest.weeks import LOCAL_TZ, week_bounds

if TYPE_CHECKING:
    import pandas as pd

    from monitor.config import Config, School

# Platforms without a public search API: only what staff import by hand ('monitor import') is seen.
NO_SEARCH = {"instagram": "Instagram", "tiktok": "TikTok", "facebook": "Facebook", "whatsapp": "WhatsApp"}
# Platforms with a connector: not followed when no enabled source of these types is configured.
WITH_SEARCH = {"x": ("X", ("x",)), "reddit": ("Reddit", ("reddit",)),
               "mastodon": ("Mastodon", ("mastodon", "mastodon-rss")), "bluesky": ("Bluesky", ("bluesky",))}
OK, PARTIAL, FAILED, NO_RUN, DISABLED = "ok", "deels", "mislukt", "geen-run", "uit"
MAX_NOTES = 4


@dataclass(frozen=True)
class SourceCoverage:
    name: str
    kind: str
    state: str  # ok, deels, mislukt, geen-run, uit
    runs: int = 0
    failed: int = 0
    new: int = 0
    last_run: str = ""  # local time of the newest run ever, '' if it never ran
    notes: tuple[str, ...] = ()  # error messages and notices (read caps, gaps) of this week's runs


@dataclass(frozen=True)
class Coverage:
    sources: tuple[SourceCoverage, ...]
    manual: tuple[tuple[str, int], ...]  # (platform, posts imported by hand this week)
    unconfigured: tuple[str, ...]  # platforms with a connector but no source

    @property
    def ok(self) -> int:
        return sum(s.state == OK and not s.notes for s in self.sources)

    @property
    def problems(self) -> int:
        return sum(s.state != OK or bool(s.notes) for s in self.sources if s.state != DISABLED)


def coverage(config: Config, school: School, week: str, runs: pd.DataFrame, posts: pd.DataFrame) -> Coverage:
    """``runs``: the runs table; ``posts``: platform and source of each of this school's posts this week."""
    start, end = week_bounds(week)
    in_week = runs[(runs["started_at"] >= start) & (runs["started_at"] < end)]
    entries = []
    configured = [s for s in config.sources if s.schools is None or school.id in s.schools]
    for source in configured:
        if not source.enabled:
            entries.append(SourceCoverage(source.name, source.type, DISABLED))
            continue
        read = in_week if source.name not in set(posts["source"]) else _covering(in_week, runs, source.name, end)
        entries.append(_source(source.name, source.type, read, runs))
    known = {s.name for s in config.sources}
    for name in sorted(set(in_week["source"]) - known):  # manual imports and other ad-hoc runs
        mine = in_week[in_week["source"] == name]
        entries.append(_source(str(name), str(mine["connector"].iloc[-1]), in_week, runs))
    counts = posts["platform"].value_counts()
    manual = tuple((label, int(counts.get(key, 0))) for key, label in NO_SEARCH.items())
    types = {s.type for s in config.sources if s.enabled and (s.schools is None or school.id in s.schools)}
    unconfigured = tuple(label for label, kinds in WITH_SEARCH.values() if not types & set(kinds))
    return Coverage(tuple(entries), manual, unconfigured)


def _covering(in_week: pd.DataFrame, runs: pd.DataFrame, name: str, end: datetime) -> pd.DataFrame:
    """The runs that read this week for a source that has posts in it: those started in the week; without any, the
    first run after it (it read from where the source's cursor stood, so it read this week: the usual case for the
    first week of a new source)."""
    if (in_week["source"] == name).any():
        return in_week
    later = runs[(runs["source"] == name) & (runs["started_at"] >= end)]
    return later.sort_values("started_at", kind="stable").head(1) if not later.empty else in_week


def _source(name: str, kind: str, in_week: pd.DataFrame, runs: pd.DataFrame) -> SourceCoverage:
    ever = runs[runs["source"] == name]
    last = _local(ever["started_at"].iloc[-1]) if not ever.empty else ""
    mine = in_week[in_week["source"] == name]
    if mine.empty:
        return SourceCoverage(name, kind, NO_RUN, last_run=last)
    statuses = list(mine["status"])
    failed = statuses.count(FAILED)
    if failed == len(statuses):
        state = FAILED
    elif failed or PARTIAL in statuses:
        state = PARTIAL
    else:
        state = OK
    notes: list[str] = []
    for text in [*mine["message"], *mine["notices"]]:
        for line in str(text or "").splitlines():
            line = clean_text(line, 200)
            if line and line not in notes:
                notes.append(line)
    return SourceCoverage(name, kind, state, runs=len(statuses), failed=failed, new=int(mine["new"].sum()),
                          last_run=last, notes=tuple(notes[:MAX_NOTES]))


def _local(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%d-%m-%Y %H:%M")
