"""Soak test: ``monitor run`` through many cycles with random source faults and kills, then an audit of the store.

Four local feeds grow while the service runs; each request may fail (HTTP 500, a body that is no feed, a
truncated feed, an answer slower than the timeout). The service is killed with SIGKILL (and now and then stopped
with SIGTERM) and started again, many times. At the end, with the faults off, it catches up and is stopped; then:

* no duplicates: (post_key, school_id) is unique in ``posts`` and ``post_index``;
* no loss: every item a feed served in a complete answer that mentions a school is stored, for exactly the
  schools it mentions, and nothing else is;
* every cycle accounted for: each collection run (``runs``) lies inside one job execution (``jobs``), each
  finished execution has exactly one run, and the executions recorded as interrupted are at most the kills.

Excluded from the default run (marker ``soak``). Run: ``.venv/bin/pytest -m soak tests/test_soak.py``;
``SOAK_SECONDS`` sets the length of the fault phase (default 90).
"""

from __future__ import annotations

import os
import random
import signal
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from connectors.links import canonical_url
from monitor.scheduler.history import INTERRUPTED
from monitor.store import Store
from tests.conftest import LocalServer, Reply, SeenRequest, rss_feed
from tests.scheduler_helpers import ServiceProcess, _clock, job_rows, pause, rss_source, wait_until, write_config

pytestmark = [pytest.mark.soak, pytest.mark.timeout(1200)]

FEEDS = ("stad", "regio", "forum", "blog")
SEED = 20261121
ZILVERMEER = "zilvermeer-almere"
REGENBOOG = "regenboog-zoetermeer"
TEXTS = {  # what an item says -> the schools it is about
    "z": ("Leerlingen van het Zilvermeer College in Almere winnen een prijs.", {ZILVERMEER}),
    "r": ("Feest bij IKC De Regenboog in Zoetermeer.", {REGENBOOG}),
    "zr": ("Het Zilvermeer College en IKC De Regenboog in Zoetermeer werken samen.", {ZILVERMEER, REGENBOOG}),
    "-": ("Het weer in Almere blijft wisselvallig.", set()),
}


@dataclass
class Feed:
    name: str
    items: list[tuple[str, str]] = field(default_factory=list)  # (link, kind)
    served: set[str] = field(default_factory=set)  # links in complete, valid answers


class FaultyFeeds:
    """Growing feeds with random faults, answered from the local server's threads."""

    def __init__(self, server: LocalServer, rng: random.Random) -> None:
        self.rng, self.lock = rng, threading.Lock()
        self.faults_on, self.growing = True, True
        self.feeds = {name: Feed(name) for name in FEEDS}
        self.faults: Counter[str] = Counter()
        self.requests = 0
        for name in FEEDS:
            server.routes[f"/{name}.xml"] = self._answerer(self.feeds[name])

    def _answerer(self, feed: Feed):  # type: ignore[no-untyped-def]
        def answer(seen: SeenRequest) -> Reply:
            with self.lock:
                self.requests += 1
                if self.growing and self.rng.random() < 0.6:
                    for _ in range(self.rng.randint(1, 3)):
                        kind = self.rng.choice(list(TEXTS))
                        feed.items.append((f"https://nieuws.example/{feed.name}/{len(feed.items)}", kind))
                body = self._feed_bytes(feed)
                fault = self._fault() if self.faults_on else None
                self.faults[fault or "geen"] += 1
                etag = f'"{feed.name}-{len(feed.items)}"'
                if fault == "500":
                    return Reply(500, b"interne fout")
                if fault == "geen-feed":
                    return Reply(200, b"<html><body>onderhoud</body></html>", {"Content-Type": "text/html"})
                if fault == "afgebroken":
                    return Reply(200, body[: len(body) // 2], {"Content-Type": "application/rss+xml"})
                if fault == "traag":
                    return Reply(200, body, {"Content-Type": "application/rss+xml", "ETag": etag}, delay=3.0)
                if seen.headers.get("if-none-match") == etag:
                    return Reply(304, headers={"ETag": etag})
                feed.served.update(link for link, _ in feed.items)
                return Reply(200, body, {"Content-Type": "application/rss+xml", "ETag": etag})

        return answer

    def _fault(self) -> str | None:
        roll = self.rng.random()
        for name, share in (("500", 0.10), ("geen-feed", 0.06), ("afgebroken", 0.05), ("traag", 0.04)):
            if roll < share:
                return name
            roll -= share
        return None

    @staticmethod
    def _feed_bytes(feed: Feed) -> bytes:
        items = [{"guid": link, "link": link, "title": f"Bericht {n} van {feed.name}", "description": TEXTS[kind][0]}
                 for n, (link, kind) in enumerate(feed.items)]
        return rss_feed(items, title=feed.name)

    def expected(self) -> dict[str, set[str]]:
        """native id (canonical link) -> schools, for every served item that mentions a school."""
        with self.lock:
            out = {}
            for feed in self.feeds.values():
                kinds = dict(feed.items)
                for link in feed.served:
                    schools = TEXTS[kinds[link]][1]
                    if schools:
                        out[canonical_url(link)] = schools
            return out


def test_soak_kills_and_faults_lose_nothing(tmp_path: Path, local_server: LocalServer,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(SEED)
    feeds = FaultyFeeds(local_server, rng)
    sources = [rss_source(name, f"{local_server.url}/{name}.xml", every_minutes=1, timeout_seconds=2)
               for name in FEEDS]
    config = write_config(tmp_path, sources)
    data = tmp_path / "data"
    args = ("--only", "collect", "--time-scale", "60")
    fault_phase = float(os.environ.get("SOAK_SECONDS", "90"))
    kills = terms = starts = 0
    begin = _clock()
    while _clock() - begin < fault_phase:
        with ServiceProcess(config, *args) as service:
            starts += 1
            service.wait_active(60)
            pause(rng.uniform(2.0, 8.0))
            if rng.random() < 0.2:
                service.signal(signal.SIGTERM)
                assert service.wait_exit(60) == 0, service.log
                terms += 1
            else:
                service.kill()
                kills += 1
        pause(rng.uniform(0.0, 1.5))

    feeds.faults_on, feeds.growing = False, False  # the final catch-up: every feed answers cleanly
    with ServiceProcess(config, *args) as service:
        starts += 1
        service.wait_active(60)
        settled = _clock()

        def every_source_caught_up() -> bool:
            runs = Store(data).read_runs()
            recent = runs[(runs["status"] == "ok") & (runs["started_at"] > _wall(settled))]
            return set(recent["source"]) >= set(FEEDS)

        wait_until(every_source_caught_up, 120, "a clean collection of every feed")
        service.signal(signal.SIGTERM)
        assert service.wait_exit(60) == 0, service.log
        terms += 1

    figures = audit(data, feeds, kills)
    figures.update({"seconds": round(_clock() - begin), "starts": starts, "sigkill": kills, "sigterm": terms,
                    "feed_requests": feeds.requests, "faults": dict(feeds.faults)})
    with capsys.disabled():
        print("\nsoak:", ", ".join(f"{k}={v}" for k, v in figures.items()))


def _wall(monotonic: float):  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.Timestamp.now(tz="UTC") - pd.Timedelta(seconds=_clock() - monotonic)


def audit(data: Path, feeds: FaultyFeeds, kills: int) -> dict[str, object]:
    store = Store(data)
    posts = store.read("posts", columns=["post_key", "native_id", "school_id"])
    index = store.read("post_index")
    assert not posts.duplicated(["post_key", "school_id"]).any(), "duplicate (post_key, school_id) in posts"
    assert not index.duplicated(["post_key", "school_id"]).any(), "duplicate (post_key, school_id) in post_index"

    stored = posts.groupby("native_id")["school_id"].agg(set).to_dict()
    expected = feeds.expected()
    lost = {k: v for k, v in expected.items() if stored.get(k) != v}
    assert not lost, f"{len(lost)} served items missing or stored for the wrong schools: {list(lost)[:5]}"
    extra = set(stored) - set(expected)
    assert not extra, f"stored but never served with a school in it: {sorted(extra)[:5]}"

    jobs, runs = job_rows(data), store.read_runs()
    interrupted = jobs[jobs["error"] == INTERRUPTED]
    assert len(interrupted) <= kills
    assert set(jobs["status"]) <= {"ok", "fout", "gemist"}
    for source in FEEDS:
        mine = jobs[jobs["job_id"] == f"collect:{source}"]
        its_runs = runs[runs["source"] == source]
        for run in its_runs.itertuples():
            inside = mine[(mine["started_at"] <= run.started_at) & (mine["finished_at"] >= run.finished_at)]
            assert len(inside) == 1, f"{source}: run at {run.started_at} belongs to {len(inside)} job executions"
        for job in mine[mine["error"] != INTERRUPTED].itertuples():
            if job.status == "gemist":
                continue
            inside = its_runs[(its_runs["started_at"] >= job.started_at) & (its_runs["finished_at"] <= job.finished_at)]
            assert len(inside) == 1, f"{source}: execution at {job.started_at} has {len(inside)} runs"
            assert (inside.iloc[0]["status"] == "ok") == (job.status == "ok")
    statuses = Counter(jobs["status"])
    return {
        "executions": len(jobs), "ok": statuses["ok"], "fout": statuses["fout"], "gemist": statuses["gemist"],
        "interrupted": len(interrupted), "runs": len(runs), "items_served": sum(len(f.served) for f in
                                                                                 feeds.feeds.values()),
        "items_matching": len(expected), "post_rows": len(posts), "duplicates": 0, "lost": 0,
    }
