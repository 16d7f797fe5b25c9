"""Benchmark: building the dashboard from a store of 1,000,000 posts, against a full scan of posts and labels.

    .venv/bin/python bench/dashboard.py [--posts 1000000] [--schools 20] [--weeks 52] [--seed 7] [--dir DIR]

Setup (not timed in the comparison): a synthetic store (deterministic, numpy ``default_rng(seed)``) of posts with
labels spread over schools x weeks x 5 sources, written in large Arrow batches through the store's transaction
API (``Store(dir, fsync=False)``), about 5% of posts marked in the review log, hourly collection runs per source
(2% failed), then ``monitor.aggregates.refresh_weekly(store)`` once, as the pipeline keeps it up to date.

Timed, in the same run:

baseline   what the dashboard would need without the aggregates: read posts (post_key, school_id, week, source)
           and labels (post_key, sentiment, categories, scored_at) in full with pandas and compute the weekly
           table (``monitor.aggregates.weekly_counts``).
cold       ``dashboards.build.write_dashboard`` into an empty folder: data, page, CSV and every PNG chart.
warm       the same again (as the scheduler does after each classification run): PNGs whose numbers did not change
           are not redrawn.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.store import Store, iso_week  # noqa: E402
from monitor.store.schema import LABELS, POST_INDEX, POSTS, REVIEWS, RUNS, TS  # noqa: E402

START = datetime(2024, 12, 30, 9, tzinfo=UTC)  # Monday of ISO week 2025-W01
SOURCES = ("regionieuws", "google-nieuws", "reddit", "mastodon", "handmatig")
SENTIMENTS = ("negatief", "neutraal", "positief", "onzeker")
CATEGORY_SETS = ((), (), (), ("ervaring",), ("compliment",), ("pesten", "ervaring"), ("onjuistheid",),
                 ("bedreiging",), ("kleineren",), ("persoonsgegevens",), ("beeldmateriaal", "pesten"))


def categories_json(names: tuple[str, ...]) -> str:
    return json.dumps({name: {"score": 0.8, "flagged": True, "evidence": []} for name in names})


def build_store(folder: Path, posts: int, schools: int, weeks: int, seed: int) -> Store:
    """The synthetic store; returns it with the weekly aggregates computed."""
    from monitor.aggregates import refresh_weekly

    rng = np.random.default_rng(seed)
    store = Store(folder, fsync=False)
    per_week = posts // weeks
    school_ids = np.array([f"school-{i:02d}" for i in range(schools)], dtype=object)
    category_texts = np.array([categories_json(c) for c in CATEGORY_SETS], dtype=object)
    sentiment_p = np.array([0.2, 0.45, 0.3, 0.05])
    started = time.perf_counter()
    with store.transaction() as tx:
        for w in range(weeks):
            n = per_week + (posts - per_week * weeks if w == weeks - 1 else 0)
            first = w * per_week
            monday = START + timedelta(weeks=w)
            created = pa.array(monday + timedelta(seconds=int(s)) for s in rng.integers(0, 6 * 86400 + 43200, n))
            week = iso_week(monday)
            keys = np.array([f"rss:{i}" for i in range(first, first + n)], dtype=object)
            school = school_ids[rng.integers(0, schools, n)]
            source = np.array(SOURCES, dtype=object)[rng.integers(0, len(SOURCES), n)]
            weeks_col = pa.array([week] * n)
            tx.append(POSTS, pa.table({
                "post_key": keys, "platform": pa.array(["rss"] * n), "native_id": keys,
                "url": pa.array([f"https://nieuws.example/{k}" for k in keys]), "created_at": created,
                "fetched_at": created, "author": pa.array(["p-0001"] * n), "text": pa.array(["(bench)"] * n),
                "language": pa.array(["nl"] * n), "has_media": pa.array([False] * n),
                "reply_to": pa.nulls(n, pa.string()), "quote_of": pa.nulls(n, pa.string()), "source": source,
                "query": pa.array(["q"] * n), "school_id": school, "match_rule": pa.array(["naam"] * n),
                "week": weeks_col}, schema=POSTS.schema))
            tx.append(POST_INDEX, pa.table({"post_key": keys, "school_id": school, "week": weeks_col},
                                           schema=POST_INDEX.schema))
            tx.append(LABELS, pa.table({
                "post_key": keys, "model_id": pa.array(["bench"] * n), "language": pa.array(["nl"] * n),
                "sentiment": np.array(SENTIMENTS, dtype=object)[rng.choice(4, n, p=sentiment_p)],
                "sentiment_score": rng.random(n), "probabilities": pa.array(["{}"] * n),
                "categories": category_texts[rng.integers(0, len(CATEGORY_SETS), n)], "scored_at": created,
                "week": weeks_col}, schema=LABELS.schema))
            marked = rng.random(n) < 0.05
            m = int(marked.sum())
            tx.append(REVIEWS, pa.table({
                "event_id": pa.array([f"e{first}-{i}" for i in range(m)]), "post_key": keys[marked],
                "school_id": school[marked], "status": pa.array(["besproken"] * m), "note": pa.array([""] * m),
                "actor": pa.array(["bench"] * m), "at": pa.array([monday + timedelta(days=7)] * m, TS)},
                schema=REVIEWS.schema))
            hours = [monday + timedelta(hours=h) for h in range(7 * 24)]
            runs = [(source_name, at) for source_name in SOURCES[:-1] for at in hours]
            failed = rng.random(len(runs)) < 0.02
            tx.append(RUNS, pa.table({
                "run_id": pa.array([f"r{w}-{i}" for i in range(len(runs))]),
                "source": pa.array([s for s, _ in runs]), "connector": pa.array(["rss"] * len(runs)),
                "started_at": pa.array([at for _, at in runs], TS),
                "finished_at": pa.array([at + timedelta(seconds=20) for _, at in runs], TS),
                "status": pa.array(["mislukt" if f else "ok" for f in failed]),
                **{c: pa.array([0] * len(runs), pa.int64()) for c in
                   ("fetched", "new", "duplicates", "unmatched", "skipped", "errors")},
                "message": pa.array([""] * len(runs)), "notices": pa.array([""] * len(runs))}, schema=RUNS.schema))
            print(f"\r  opbouw: week {w + 1}/{weeks}", end="", file=sys.stderr, flush=True)
    print(f"\n  {posts:,} berichten geschreven in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    started = time.perf_counter()
    rows = refresh_weekly(store)
    print(f"  weekoverzichten: {rows:,} regels in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return store


def baseline(store: Store) -> int:
    from monitor.aggregates import weekly_counts
    from monitor.attention import LABEL_COLUMNS

    posts = store.read("posts", columns=["post_key", "school_id", "week", "source"])
    labels = store.read("labels", columns=LABEL_COLUMNS)
    return len(weekly_counts(posts, labels))


def config_for(folder: Path, schools: int) -> object:
    from monitor.config import load_config

    lines = [f'data_dir = "{folder}"']
    for i in range(schools):
        lines += ["[[schools]]", f'id = "school-{i:02d}"', f'name = "Basisschool {i:02d}"', 'town = "Utrecht"']
    for name in SOURCES[:-1]:
        lines += ["[[sources]]", f'name = "{name}"', 'type = "rss"', f'url = "https://{name}.example/rss"']
    path = folder / "monitor.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_config(path)


def timed(label: str, function: object) -> tuple[float, float]:
    """Wall and CPU seconds of this process (CPU time is steadier on a busy machine)."""
    started, cpu = time.perf_counter(), time.process_time()
    function()  # type: ignore[operator]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"  {label}: {elapsed:.2f} s (cpu {cpu:.2f} s)", file=sys.stderr)
    return elapsed, cpu


def page_only(config: object, store: Store, now: datetime) -> None:
    """The part of the build without files and PNGs: read the small tables, compute, render the page."""
    from dashboards.build import render_page
    from dashboards.data import load
    from dashboards.payload import build_payload

    data = load(config, store, now)  # type: ignore[arg-type]
    render_page(build_payload(data, "nl", False), "nl", False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one, removed)")
    args = parser.parse_args()
    from dashboards.build import write_dashboard

    folder = Path(tempfile.mkdtemp(prefix="bench-dashboard-", dir=args.dir))
    try:
        store = build_store(folder, args.posts, args.schools, args.weeks, args.seed)
        config = config_for(folder, args.schools)
        now = START + timedelta(weeks=args.weeks - 1, days=3)
        out = folder / "dashboard"
        base = timed("baseline (volledige scan berichten + labels)", lambda: baseline(store))
        cold = timed("dashboard, koud", lambda: write_dashboard(config, store, out, now=now))  # type: ignore[arg-type]
        warm = timed("dashboard, warm", lambda: write_dashboard(config, store, out, now=now))  # type: ignore[arg-type]
        page = timed("alleen gegevens + pagina", lambda: page_only(config, store, now))
        size = (out / "index.html").stat().st_size / 1e6
        pngs = len(list((out / "charts").glob("*.png")))
        print(f"posts={args.posts:,} schools={args.schools} weeks={args.weeks} page={size:.1f} MB pngs={pngs}")
        print(f"{'':44} {'wall':>8} {'cpu':>8} {'ratio (wall)':>13}")
        for label, (wall, cpu) in [("baseline: full pandas scan + weekly table", base),
                                   (f"dashboard cold (page, CSV, {pngs} PNGs drawn)", cold),
                                   ("dashboard warm (unchanged PNGs kept)", warm),
                                   ("of which data + page (no files, no PNGs)", page)]:
            print(f"{label:44} {wall:7.2f}s {cpu:7.2f}s {wall / base[0]:12.2f}x")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory (max RSS of this process, store build included): {peak:,.0f} MB")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
